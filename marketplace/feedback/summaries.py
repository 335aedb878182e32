"""The answers in numbers, by SQL aggregation: for one partnership (a contract) or each of an
area's. The same rows feed the chart, the table beside it and the tests.

Small numbers are not shown: a count under SMALL (5) is "fewer than 5" in a table and no
bar in a chart, so nobody is recognised from a handful of answers. The number of
responses itself is shown.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import gettext as _

from ..contracts.models import Contract
from ..extensions import db
from ..needs.models import Need
from ..organisations.models import Organisation
from .choices import choices_for, label_of
from .models import TREATED_LABELS, FeedbackChange, FeedbackResponse, Helped, Recommend

SMALL = 5


def shown(count: int) -> str:
    """A count as a table shows it: "fewer than 5" under SMALL."""
    return _("fewer than %(n)s", n=SMALL) if count < SMALL else f"{count:,}"


def drawn(count: int) -> int | None:
    """A count as a chart draws it: no bar under SMALL."""
    return None if count < SMALL else count


@dataclass(frozen=True)
class Line:
    label: LazyString | str
    count: int

    @property
    def shown(self) -> str:
        return shown(self.count)


@dataclass(frozen=True)
class Question:
    key: str
    title: str
    lines: Sequence[Line]


@dataclass(frozen=True)
class Summary:
    responses: int
    questions: Sequence[Question]


def _counts(column, contract_id: int) -> dict:
    rows = db.session.execute(
        sa.select(column, sa.func.count())
        .select_from(FeedbackResponse)
        .where(FeedbackResponse.contract_id == contract_id)
        .group_by(column)
    ).all()
    return {value: number for value, number in rows}  # noqa: C416  (a Result is not a mapping's items)


def summary(contract: Contract) -> Summary:
    """Each question's answers for the partnership, in the order the form asks them."""
    helped = _counts(FeedbackResponse.helped, contract.id)
    treated = _counts(FeedbackResponse.treated, contract.id)
    recommend = _counts(FeedbackResponse.recommend, contract.id)
    ticked = dict(
        db.session.execute(
            sa.select(FeedbackChange.code, sa.func.count())
            .join(FeedbackResponse, FeedbackResponse.id == FeedbackChange.response_id)
            .where(FeedbackResponse.contract_id == contract.id)
            .group_by(FeedbackChange.code)
        ).all()
    )
    listed = dict(choices_for(contract.need.category.code if contract.need.category else None))
    listed.update({code: label_of(code) for code in ticked if code not in listed})
    return Summary(
        responses=sum(helped.values()),
        questions=[
            Question("helped", _("Did our service help you?"), [Line(h.label, helped.get(h, 0)) for h in Helped]),
            Question("changes", _("What has changed for you?"), [Line(v, ticked.get(k, 0)) for k, v in listed.items()]),
            Question(
                "treated",
                _("How were you treated?"),
                [Line(f"{n} – {TREATED_LABELS[n]}", treated.get(n, 0)) for n in range(5, 0, -1)],
            ),
            Question(
                "recommend",
                _("Would you tell a friend to use it?"),
                [Line(r.label, recommend.get(r, 0)) for r in Recommend],
            ),
        ],
    )


@dataclass(frozen=True)
class AreaRow:
    contract_id: int
    title: str
    provider: str
    responses: int
    helped: int  # said yes or a bit
    treated_well: int  # 4 or 5
    would_recommend: int

    @property
    def small(self) -> bool:
        return self.responses < SMALL

    def share(self, count: int) -> str:
        return f"{100 * count / self.responses:.0f}%" if self.responses else ""


def by_partnership(area_ids: Sequence[int]) -> list[AreaRow]:
    """Each partnership of the areas with at least one response, by title: one query."""
    r = FeedbackResponse
    rows = db.session.execute(
        sa.select(
            Contract.id,
            Contract.title,
            Contract.organisation_id,
            sa.func.count(r.id),
            sa.func.count(r.id).filter(r.helped.in_([Helped.YES, Helped.PARTLY])),
            sa.func.count(r.id).filter(r.treated >= 4),
            sa.func.count(r.id).filter(r.recommend == Recommend.YES),
        )
        .join(r, r.contract_id == Contract.id)
        .join(Need, Need.id == Contract.need_id)
        .where(Need.area_id.in_(list(area_ids)))
        .group_by(Contract.id, Contract.title, Contract.organisation_id)
        .order_by(Contract.title, Contract.id)
    ).all()
    names = dict(
        db.session.execute(
            sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_({row[2] for row in rows}))
        ).all()
    )
    return [AreaRow(row[0], row[1], names.get(row[2], ""), *row[3:]) for row in rows]


def response_count(contract: Contract) -> int:
    return db.session.scalar(  # type: ignore[return-value]  # a count is never NULL
        sa.select(sa.func.count()).select_from(FeedbackResponse).where(FeedbackResponse.contract_id == contract.id)
    )
