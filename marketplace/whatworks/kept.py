"""The kept figures of /what-works (models.py): for each report approved, by the need's
service category, the London month of its approval and the contract's lead organisation,
the people started and completed, and each desired outcome's lines. Kept like the board's
(board/keeping.py) from the same base rows as its outcome figures (the approved report
submissions), so the same flushes keep them."""

from collections.abc import Collection

import sqlalchemy as sa

from ..board import keeping
from ..board.reporting import kept_outcomes
from ..board.reporting.kept_payments import month_of
from ..board.reporting.timeliness import london_day
from ..contracts.models import Contract
from ..delivery.models import OutcomeReport, ReportDecision, ReportOutcome, ReportSubmission
from ..needs.models import Need
from .models import WhatWorksOutcome, WhatWorksPeople


def _approved(ids: Collection[int] | sa.BindParameter | None, *columns) -> sa.Select:
    rows = (
        sa.select(
            sa.func.coalesce(Need.category_id, 0).label("category_id"),
            month_of(london_day(ReportSubmission.decided_at)).label("month"),
            Contract.organisation_id.label("organisation_id"),
            *columns,
        )
        .select_from(ReportSubmission)
        .join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
        .join(Contract, Contract.id == OutcomeReport.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(ReportSubmission.decision == ReportDecision.APPROVED.value, ReportSubmission.decided_at.is_not(None))
    )
    return rows if ids is None else rows.where(ReportSubmission.id.in_(ids))


def _people(ids: Collection[int] | sa.BindParameter | None) -> sa.Select:
    each = _approved(
        ids,
        sa.literal(1).label("approvals"),
        sa.func.coalesce(OutcomeReport.started, 0).label("started"),
        sa.func.coalesce(OutcomeReport.completed, 0).label("completed"),
    ).subquery()
    key = (each.c.category_id, each.c.month, each.c.organisation_id)
    return sa.select(
        *key, sa.func.sum(each.c.approvals), sa.func.sum(each.c.started), sa.func.sum(each.c.completed)
    ).group_by(*key)


def _outcomes(ids: Collection[int] | sa.BindParameter | None) -> sa.Select:
    each = (
        _approved(
            ids,
            ReportOutcome.outcome_id.label("outcome_id"),
            ReportOutcome.achieved.label("achieved"),
            ReportOutcome.partly.label("partly"),
            ReportOutcome.not_achieved.label("not_achieved"),
        )
        .join(ReportOutcome, ReportOutcome.report_id == OutcomeReport.id)
        .subquery()
    )
    key = (each.c.category_id, each.c.month, each.c.organisation_id, each.c.outcome_id)
    return sa.select(
        *key, sa.func.sum(each.c.achieved), sa.func.sum(each.c.partly), sa.func.sum(each.c.not_achieved)
    ).group_by(*key)


def _touched(session):
    """The approved submissions a flush may move between groups: those the board's outcome
    figures watch, and those of a contract whose lead organisation changes."""
    ids, new = kept_outcomes._touched(session)
    leads = [
        obj.id for obj in session.dirty if isinstance(obj, Contract) and keeping.changed(obj, ("organisation_id",))
    ]
    if leads:
        ids = ids | set(
            session.connection().scalars(
                sa.select(ReportSubmission.id)
                .join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
                .where(OutcomeReport.contract_id.in_(sorted(leads)))
            )
        )
    return ids, new


keeping.FIGURES.append(keeping.KeptFigure(WhatWorksPeople.__table__, _people, _touched))
keeping.FIGURES.append(keeping.KeptFigure(WhatWorksOutcome.__table__, _outcomes, _touched))
