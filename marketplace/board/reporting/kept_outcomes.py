"""Outcomes, kept per area, category, month approved and contract (board_outcome_figures,
kept by board/keeping.py): each approved report's outcome lines, and the contracts that
reported, as outcomes.outcomes_by_category counts them, so that a period of whole months
adds up kept rows instead of joining every line to its report, contract and need.
"""

from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...contracts.models import Contract
from ...needs.models import Need
from .. import keeping
from ..models import OutcomeFigure
from .kept_payments import month_of, months
from .scope import Period, Scope
from .timeliness import london_day

_NEED = ("area_id", "area", "category_id", "category")


def _rows(ids: Collection[int] | sa.BindParameter | None) -> sa.Select:
    from ...delivery.models import OutcomeReport, ReportDecision, ReportOutcome, ReportSubmission

    lines = (
        sa.select(
            ReportOutcome.report_id.label("report_id"),
            sa.func.sum(ReportOutcome.achieved).label("achieved"),
            sa.func.sum(ReportOutcome.partly).label("partly"),
            sa.func.sum(ReportOutcome.not_achieved).label("not_achieved"),
        )
        .group_by(ReportOutcome.report_id)
        .subquery()
    )
    key = [
        Need.area_id,
        sa.func.coalesce(Need.category_id, 0),
        month_of(london_day(ReportSubmission.decided_at)),
        Contract.id,
        Contract.expected_people,
    ]
    rows = (
        sa.select(
            *key,
            sa.func.count(),
            *(sa.func.coalesce(sa.func.sum(c), 0) for c in (lines.c.achieved, lines.c.partly, lines.c.not_achieved)),
        )
        .select_from(ReportSubmission)
        .join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
        .join(Contract, Contract.id == OutcomeReport.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .outerjoin(lines, lines.c.report_id == OutcomeReport.id)
        .where(ReportSubmission.decision == ReportDecision.APPROVED.value, ReportSubmission.decided_at.is_not(None))
        .group_by(*key)
    )
    return rows if ids is None else rows.where(ReportSubmission.id.in_(ids))


def _touched(session: Session) -> tuple[set[int], list]:
    from ...delivery.models import OutcomeReport, ReportOutcome, ReportSubmission

    ids: set[int] = set()
    new: list = []
    reports, contracts, needs = set(), set(), set()
    for obj in list(session.new) + list(session.dirty):
        stored = obj not in session.new
        if isinstance(obj, ReportSubmission):
            if not stored:
                new.append(obj)
            elif keeping.changed(obj, ("decision", "decided_at", "report_id")):
                ids.add(obj.id)
        elif isinstance(obj, ReportOutcome):
            reports.add(obj.report_id if obj.report_id is not None else getattr(obj.report, "id", None))
        elif isinstance(obj, OutcomeReport) and stored and keeping.changed(obj, ("contract_id",)):
            reports.add(obj.id)
        elif isinstance(obj, Contract) and stored and keeping.changed(obj, ("need_id", "need", "expected_people")):
            contracts.add(obj.id)
        elif isinstance(obj, Need) and stored and keeping.changed(obj, _NEED):
            needs.add(obj.id)
    reports.discard(None)
    if reports or contracts or needs:
        ids |= set(
            session.connection().scalars(
                sa.select(ReportSubmission.id)
                .join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
                .join(Contract, Contract.id == OutcomeReport.contract_id)
                .where(
                    sa.or_(
                        OutcomeReport.id.in_(sorted(reports)),
                        Contract.id.in_(sorted(contracts)),
                        Contract.need_id.in_(sorted(needs)),
                    )
                )
            )
        )
    return ids, new


keeping.FIGURES.append(keeping.KeptFigure(OutcomeFigure.__table__, _rows, _touched))


def _all(statement) -> list:
    return keeping.read(statement)


def outcomes_kept(scope: Scope, period: Period) -> tuple[dict, dict]:
    """For a period of whole months: {category name: (achieved, partly, not achieved)} and
    {category name: (contracts that reported, people they expect to support)}."""
    from ...reference.models import ServiceCategory

    first, last = months(period) or (0, 0)
    clauses = [
        OutcomeFigure.area_id.in_(scope.area_ids),
        OutcomeFigure.month.between(first, last),
        OutcomeFigure.approvals > 0,
    ]
    if scope.category_id is not None:
        clauses.append(OutcomeFigure.category_id == scope.category_id)
    lines = {
        name: (int(a), int(p), int(n))
        for name, a, p, n in _all(
            sa.select(
                ServiceCategory.name,
                sa.func.sum(OutcomeFigure.achieved),
                sa.func.sum(OutcomeFigure.partly),
                sa.func.sum(OutcomeFigure.not_achieved),
            )
            .join(ServiceCategory, ServiceCategory.id == OutcomeFigure.category_id)
            .where(*clauses)
            .group_by(ServiceCategory.name)
        )
    }
    each = (
        sa.select(OutcomeFigure.category_id, OutcomeFigure.contract_id, OutcomeFigure.expected_people)
        .where(*clauses)
        .distinct()
        .subquery()
    )
    contracts = {
        name: (int(count), int(expected))
        for name, count, expected in _all(
            sa.select(ServiceCategory.name, sa.func.count(), sa.func.sum(each.c.expected_people))
            .join(ServiceCategory, ServiceCategory.id == each.c.category_id)
            .group_by(ServiceCategory.name)
        )
    }
    return lines, contracts
