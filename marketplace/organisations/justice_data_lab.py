"""Justice Data Lab results: the Ministry of Justice's Justice Data Lab measures the
one-year proven reoffending of the people a provider's service worked with (the cohort)
against a matched comparison group, and publishes the result. An admin records a published
result for a provider organisation's service as it was published; it is shown on the
provider's public page and on /what-works. Nothing is deleted: a result recorded in error,
or withdrawn by its publisher, is withdrawn with a reason, and both steps are audited.

Rates are percentages to one decimal, stored as whole tenths of a percent (28.1% is 281);
the interval is of the difference, the cohort's rate less the comparison group's, in
tenths of a percentage point (negative: the cohort reoffended less).
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from .. import audit
from ..extensions import Model, db, enum_type
from ..refusals import Refusal
from ..timeutil import UTCDateTime, utcnow

SIGNIFICANCE_LABELS = {
    "reduction": _l("A statistically significant reduction in reoffending"),
    "increase": _l("A statistically significant increase in reoffending"),
    "not_significant": _l("Not statistically significant"),
}


class Significance(enum.StrEnum):
    REDUCTION = "reduction"
    INCREASE = "increase"
    NOT_SIGNIFICANT = "not_significant"

    @property
    def label(self) -> LazyString:
        return SIGNIFICANCE_LABELS[self.value]


def percent(tenths: int) -> str:
    """Tenths of a percent as the published percentage: 281 is "28.1%"."""
    return f"{tenths / 10:.1f}%"


def points(tenths: int) -> str:
    """Tenths of a percentage point, signed, with a true minus sign: -96 is "\u22129.6"."""
    return f"{tenths / 10:.1f}".replace("-", "\u2212")


class JusticeDataLabResult(Model):
    __tablename__ = "justice_data_lab_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    service_name: Mapped[str] = mapped_column(sa.String(200))
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("service_categories.id"), index=True)
    cohort_size: Mapped[int]
    cohort_rate_tenths: Mapped[int]
    comparison_rate_tenths: Mapped[int]
    difference_lower_tenths: Mapped[int]
    difference_upper_tenths: Mapped[int]
    significance: Mapped[Significance] = mapped_column(enum_type(Significance, 16))
    published_on: Mapped[date] = mapped_column(sa.Date)
    url: Mapped[str] = mapped_column(sa.String(500))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.Text)

    organisation = relationship("Organisation")
    category = relationship("ServiceCategory")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    withdrawn_by = relationship("User", foreign_keys=[withdrawn_by_id])

    __table_args__ = (
        sa.CheckConstraint("cohort_size >= 1", name="cohort_positive"),
        sa.CheckConstraint(
            "cohort_rate_tenths BETWEEN 0 AND 1000 AND comparison_rate_tenths BETWEEN 0 AND 1000", name="rates_percent"
        ),
        sa.CheckConstraint(
            "difference_lower_tenths BETWEEN -1000 AND 1000 AND difference_upper_tenths BETWEEN -1000 AND 1000",
            name="interval_points",
        ),
        sa.CheckConstraint("difference_lower_tenths <= difference_upper_tenths", name="interval_in_order"),
        sa.CheckConstraint("url LIKE 'https://%'", name="url_https"),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawn_reason IS NULL) AND (withdrawn_at IS NULL) = (withdrawn_by_id IS NULL)",
            name="withdrawn_with_reason",
        ),
    )

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def finding(self) -> str:
        """The result in plain words, one sentence."""
        cohort, comparison = percent(self.cohort_rate_tenths), percent(self.comparison_rate_tenths)
        if self.cohort_rate_tenths < self.comparison_rate_tenths:
            return _(
                "People who used this service reoffended less than a matched group: %(cohort)s against %(comparison)s.",
                cohort=cohort,
                comparison=comparison,
            )
        if self.cohort_rate_tenths > self.comparison_rate_tenths:
            return _(
                "People who used this service reoffended more than a matched group: %(cohort)s against %(comparison)s.",
                cohort=cohort,
                comparison=comparison,
            )
        return _(
            "People who used this service reoffended as often as a matched group: %(cohort)s against %(comparison)s.",
            cohort=cohort,
            comparison=comparison,
        )

    @property
    def meaning(self) -> str:
        """What the significance means, in plain words, one sentence."""
        if self.significance == Significance.NOT_SIGNIFICANT:
            return _(
                "We cannot say whether the service changed how often people reoffended: "
                "the difference is not statistically significant."
            )
        return _("The difference is statistically significant.")

    @property
    def interval(self) -> str:
        return _(
            "The published 95%% confidence interval of the difference is %(lower)s to %(upper)s percentage points.",
            lower=points(self.difference_lower_tenths),
            upper=points(self.difference_upper_tenths),
        )


class JusticeDataLabError(Refusal):
    """A result that cannot be recorded or withdrawn as asked; the message is fit to show."""


def published(**where) -> list[JusticeDataLabResult]:
    """The results not withdrawn, newest published first, optionally of one organisation
    (organisation_id=...)."""
    query = (
        sa.select(JusticeDataLabResult)
        .options(joinedload(JusticeDataLabResult.organisation), joinedload(JusticeDataLabResult.category))
        .where(JusticeDataLabResult.withdrawn_at.is_(None))
    )
    for name, value in where.items():
        query = query.where(getattr(JusticeDataLabResult, name) == value)
    return list(
        db.session.scalars(
            query.order_by(JusticeDataLabResult.published_on.desc(), JusticeDataLabResult.id.desc())
        ).all()
    )


def record(*, actor, **values) -> JusticeDataLabResult:
    """Record a published result (the form has checked each value); audited, flushed."""
    if values["difference_lower_tenths"] > values["difference_upper_tenths"]:
        raise JusticeDataLabError(
            _("The lower end of the interval must be the same as or less than the upper end"), "lower"
        )
    result = JusticeDataLabResult(recorded_by_id=actor.id, **values)
    db.session.add(result)
    db.session.flush()
    audit.record(
        "justice_data_lab.recorded",
        result,
        actor=actor,
        after={k: v.isoformat() if isinstance(v, date) else str(v) for k, v in values.items()},
    )
    return result


def withdraw(result: JusticeDataLabResult, *, actor, reason: str) -> None:
    """Withdraw a result, with the reason; it stays in the record. Audited, flushed."""
    if result.withdrawn:
        raise JusticeDataLabError(_("This result has already been withdrawn"), "reason")
    result.withdrawn_at = utcnow()
    result.withdrawn_by_id = actor.id
    result.withdrawn_reason = reason
    audit.record("justice_data_lab.withdrawn", result, actor=actor, reason=reason)
    db.session.flush()
