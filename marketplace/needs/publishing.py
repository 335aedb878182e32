"""Publishing a need and ending it: everything that stops a draft being published (each
problem linked to the section that fixes it), publishing, and withdrawing or cancelling
with a reason that everyone interested is sent."""

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit
from ..notifications import external_url, queue_email
from ..signals import contracting_event
from ..timeutil import format_day, london_date, utcnow
from . import proportion
from .dates import MIN_WORKING_DAYS_OPEN, earliest_closing_date
from .drafting import MAX_CRITERIA
from .following import interested_users
from .labels import local_title
from .models import InvalidTransition, Need, NeedError, NeedStatus


@dataclass
class Problem:
    """One reason a need cannot be published, linked to the section that fixes it."""

    section: str
    message: str


def problems(need: Need, now: datetime | None = None) -> list[Problem]:
    """Everything that stops the need being published, all at once, in page order."""
    now = now or utcnow()
    found: list[Problem] = []

    def need_(condition, section, message):
        if not condition:
            found.append(Problem(section, message))

    need_(need.summary, "about", _("Enter a summary of the need"))
    need_(need.pdus, "about", _("Choose the probation delivery units the need covers"))
    need_(need.category_id, "about", _("Choose a service category"))
    need_(need.outcomes, "about", _("Choose at least one desired outcome"))
    need_(need.cohort, "about", _("Say who the service is for (the cohort)"))
    need_(need.expected_people, "about", _("Enter the expected number of people"))
    need_(need.duration_months, "about", _("Enter how long the service runs"))
    need_(need.procedure, "about", _("Choose grant or contract"))
    if need.area.in_wales:
        need_(need.title_cy, "welsh", _("Enter the need’s title in Welsh"))
        need_(need.summary_cy, "welsh", _("Enter the need’s summary in Welsh"))
    need_(need.lots, "lots", _("Add at least one lot"))
    for lot in need.lots:
        need_(
            lot.reservation_allowed,
            "lots",
            _("Lot %(number)s is reserved but its value is not below the threshold", number=lot.number),
        )
    _criteria_problems(need, need_)
    need_(need.milestones, "payment", _("Set the payment profile"))
    if need.milestones:
        total = need.advance_percent + sum(m.percent for m in need.milestones)
        need_(
            total == 100, "payment", _("The advance and milestones must add up to 100%%, not %(total)s%%", total=total)
        )
    _date_problems(need, now, need_)
    return found


def _criteria_problems(need: Need, need_) -> None:
    """The evaluation criteria step's part of problems()."""
    need_(
        1 <= len(need.criteria) <= MAX_CRITERIA,
        "criteria",
        _("Add 1 to %(count)s quality questions", count=MAX_CRITERIA),
    )
    need_(need.social_value_weight is not None, "criteria", _("Enter the weight for social value"))
    need_(need.price_weight is not None, "criteria", _("Enter the weight for price"))
    if need.social_value_weight is not None and need.price_weight is not None and need.criteria:
        need_(
            need.total_weight == 100,
            "criteria",
            _("The weights must add up to 100%%, not %(total)s%%", total=need.total_weight),
        )
    need_(proportion.words_left(need) >= 0, "criteria", proportion.over_budget_message(need))
    if need.short_form:
        need_(
            proportion.short_form_allowed(need),
            "criteria",
            _(
                "The short grant form is only for grants with every lot under %(limit)s",
                limit=proportion.short_form_limit_text(),
            ),
        )


def _date_problems(need: Need, now: datetime, need_) -> None:
    """The dates step's part of problems()."""
    need_(need.closes_at, "dates", _("Set the question deadline and closing time"))
    if need.closes_at:
        earliest = earliest_closing_date(now)
        need_(
            london_date(need.closes_at) >= earliest,
            "dates",
            _(
                "The closing time must be at least %(days)s working days after publication: %(date)s or later",
                days=MIN_WORKING_DAYS_OPEN,
                date=format_day(earliest),
            ),
        )
        need_(
            need.question_deadline and need.question_deadline > now,
            "dates",
            _("The question deadline must be in the future"),
        )


def publish_need(need: Need, *, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    found = problems(need, now)
    if found:
        raise NeedError(found[0].message)
    need.transition_to(NeedStatus.OPEN, at=now)
    assert need.closes_at is not None  # problems() refuses a need without one
    # Saved searches are matched by the daily digest command, from published_at.
    audit.record(
        "need.published",
        need,
        actor=actor,
        before={"status": "draft"},
        after={"status": "open", "closes_at": need.closes_at.isoformat()},
    )
    contracting_event.send(need, kind="tender", at=now)


# Withdraw and cancel -------------------------------------------------------------------


def _end(need: Need, status: NeedStatus, action: str, *, actor, reason: str, now: datetime | None) -> None:
    now = now or utcnow()
    if not reason or not reason.strip():
        raise NeedError(_("Enter the reason"))
    try:
        previous = need.transition_to(status, at=now)
    except InvalidTransition as error:
        raise NeedError(str(error)) from None
    need.end_reason = reason.strip()
    audit.record(
        action,
        need,
        actor=actor,
        before={"status": previous.value},
        after={"status": status.value},
        reason=need.end_reason,
    )
    contracting_event.send(need, kind="tenderCancellation", at=now)
    for user in interested_users(need):
        queue_email(
            user.email,
            _l("%(title)s has been withdrawn", title=local_title(need))
            if status == NeedStatus.WITHDRAWN
            else _l("%(title)s has been cancelled", title=local_title(need)),
            "need_ended",
            user=user,
            need=need,
            status=status,
            reason=need.end_reason,
            link=external_url("needs.show_need", need_id=need.id),
        )


def withdraw_need(need: Need, *, actor, reason: str, now: datetime | None = None) -> None:
    _end(need, NeedStatus.WITHDRAWN, "need.withdrawn", actor=actor, reason=reason, now=now)


def cancel_need(need: Need, *, actor, reason: str, now: datetime | None = None) -> None:
    _end(need, NeedStatus.CANCELLED, "need.cancelled", actor=actor, reason=reason, now=now)
