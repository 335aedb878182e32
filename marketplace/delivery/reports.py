"""Outcome reports: reading them, and the rules every change to one shares.

A report belongs to one milestone (number 1 or more) of a started contract. The lead's
members keep a draft (numbers may be missing while it is a draft), add evidence and
submit it (drafts.py, evidence.py); each submission freezes exactly what was sent. The
commissioner of the area (not a member of a party) approves the latest submission, which
makes the milestone's payment payable, or returns it with comments (decisions.py); a
returned report is changed and submitted again. Nothing can change while a submission
waits for a decision, or after approval.

Functions that change a report take the acting user, check the state, change it, record
audit events, queue emails and flush; the view commits once. Audit events record numbers
and decisions, never the narrative or the case study (the audit trail is read widely; the
narrative is about people on probation).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from .. import audit, waiting
from ..accounts.models import Role, User
from ..accounts.services import area_staff, members_of
from ..contracts.models import Contract, ContractMilestone
from ..extensions import db
from ..permissions import Action, can
from ..refusals import Refusal
from ..textlimits import too_long
from ..timeutil import format_day, london_date, utcnow
from .models import OutcomeReport, ReportState, ReportSubmission

NARRATIVE_WORD_LIMIT = 750
CASE_STUDY_WORD_LIMIT = 500
COMMENTS_WORD_LIMIT = 500
# More people than any one contract supports: a typing error, not a number.
MAX_PEOPLE = 1_000_000
EDITABLE = (ReportState.DRAFT, ReportState.RETURNED)
PARTS = (("achieved", "achieved"), ("partly", "partly achieved"), ("not_achieved", "did not achieve"))


class ReportError(Refusal):
    """A refusal about an outcome report, by its field (see refusals.py)."""


class ReportIncomplete(ReportError):
    """Submission refused: every problem, each by its field."""

    def __init__(self, found: list["Problem"]):
        super().__init__(found[0].message, found[0].field)
        self.problems = found


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def outcome_field(outcome_id: int, part: str = "achieved") -> str:
    return f"outcome_{outcome_id}_{part}"


# Reading --------------------------------------------------------------------------------


def report_for(milestone: ContractMilestone) -> OutcomeReport | None:
    return db.session.scalar(sa.select(OutcomeReport).where(OutcomeReport.milestone_id == milestone.id))


def reports_of(contract: Contract) -> dict[int, OutcomeReport]:
    """The contract's reports by milestone id (one query; for the contract page)."""
    reports = db.session.scalars(sa.select(OutcomeReport).where(OutcomeReport.contract_id == contract.id)).all()
    return {r.milestone_id: r for r in reports}


def waiting_for_approval(area_ids) -> sa.Select:
    """The areas' outcome reports waiting for the commissioner's decision (their latest
    submission is undecided: a report is submitted again only once the last was decided),
    as a waiting-work query (marketplace/waiting.py): by milestone, of its contract,
    waiting since submitted."""
    from ..needs.models import Need

    return (
        sa.select(
            *waiting.columns(
                item=OutcomeReport.milestone_id,
                parent=OutcomeReport.contract_id,
                area=Need.area_id,
                since=ReportSubmission.submitted_at,
                title=Contract.title,
            )
        )
        .select_from(ReportSubmission)
        .join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
        .join(Contract, Contract.id == OutcomeReport.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(Need.area_id.in_(area_ids), ReportSubmission.decision.is_(None))
    )


def history(report: OutcomeReport) -> Sequence[ReportSubmission]:
    """Every submission, oldest first, with its decision (or none yet)."""
    return db.session.scalars(
        sa.select(ReportSubmission)
        .where(ReportSubmission.report_id == report.id)
        .options(selectinload(ReportSubmission.submitted_by), selectinload(ReportSubmission.decided_by))
        .order_by(ReportSubmission.number)
    ).all()


def submission_of(report: OutcomeReport, number: int) -> ReportSubmission | None:
    return db.session.scalar(
        sa.select(ReportSubmission).where(ReportSubmission.report_id == report.id, ReportSubmission.number == number)
    )


def not_started(contract: Contract, now: datetime | None = None) -> str | None:
    """Why reporting cannot start yet (None when it can): the contract has not started."""
    if contract.starts_on > london_date(now or utcnow()):
        return _("You can report once the contract starts on %(date)s", date=format_day(contract.starts_on))
    return None


def is_editable(report: OutcomeReport | None) -> bool:
    return report is None or report.state in EDITABLE


def problems(report: OutcomeReport) -> list[Problem]:
    """What is missing before the report can be submitted (empty when it can)."""
    found = []
    for name, message in (
        ("referred", _("Enter the number of people referred")),
        ("started", _("Enter the number of people who started")),
        ("completed", _("Enter the number of people who completed")),
    ):
        if getattr(report, name) is None:
            found.append(Problem(name, message))
    lines = {line.outcome_id for line in report.outcomes}
    for outcome in report.contract.outcomes:
        if outcome.id not in lines:
            found.append(
                Problem(
                    outcome_field(outcome.id),
                    _("Enter how many people achieved the outcome: %(outcome)s", outcome=outcome.local_text),
                )
            )
    if not (report.narrative or "").strip():
        found.append(Problem("narrative", _("Enter the narrative: how delivery went for this milestone")))
    return found


# Shared by the changes ------------------------------------------------------------------


def lock_report(report: OutcomeReport) -> OutcomeReport:
    """Read the report again, locked (SELECT ... FOR UPDATE on PostgreSQL), so a save, a
    submission and a decision on the same report happen one after the other."""
    report = db.session.scalars(
        sa.select(OutcomeReport)
        .where(OutcomeReport.id == report.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    db.session.expire(report, ["submissions", "outcomes", "documents"])
    return report


def record_change(report: OutcomeReport, relation: str, action: str, *, actor, **event) -> None:
    """Flush a change to the report, let it read its `relation` again, and audit it as
    `action` (`event`: the audit event's before, after or reason)."""
    db.session.flush()
    db.session.expire(report, [relation])
    audit.record(action, report, actor=actor, **event)


def check_may_report(contract: Contract, actor) -> None:
    if not can(actor, Action.REPORT_OUTCOMES, contract):
        raise ReportError(_("Only members of the lead organisation can report on this contract"))


def check_editable(report: OutcomeReport, actor) -> None:
    """The actor reports for the lead, and the report is a draft or was returned."""
    check_may_report(report.contract, actor)
    state = report.state
    if state == ReportState.SUBMITTED:
        raise ReportError(_("This report has been submitted: it cannot be changed while the commissioner decides"))
    if state == ReportState.APPROVED:
        raise ReportError(_("This report has been approved: it can no longer be changed"))


def clean_text(value: str | None, field_name: str, label: str, limit: int) -> str:
    """The text, stripped; refused when over `limit` words or the characters of that many."""
    text = (value or "").replace("\x00", "").strip()
    problem = too_long(text, noun=label, words=limit)
    if problem:
        raise ReportError(problem, field_name)
    return text


# People told ----------------------------------------------------------------------------


def commissioners(contract: Contract) -> list[User]:
    """Commissioners of the need's area (or its region) who may review: not members of a party."""
    users = area_staff(Role.COMMISSIONER, contract.need.area)
    party_ids = {p.organisation_id for p in contract.parties}
    return [u for u in users if not party_ids & {m.organisation_id for m in u.organisation_memberships()}]


def lead_members(contract: Contract) -> list[User]:
    return members_of([contract.organisation_id])


# The provider's home -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportDue:
    milestone: ContractMilestone
    returned: bool  # the commissioner returned the report: change it and send it again


def reports_due(organisation_ids, today, within_days: int = 28) -> list[ReportDue]:
    """Milestones of started contracts these organisations lead whose report is to write
    or to change: due within `within_days` (or overdue) and not yet sent, or returned by
    the commissioner. Soonest due first (one query)."""
    from datetime import timedelta

    from sqlalchemy.orm import contains_eager

    from .models import ReportDecision

    if not organisation_ids:
        return []
    submission = sa.select(ReportSubmission.id).join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
    of_milestone = OutcomeReport.milestone_id == ContractMilestone.id
    sent = sa.exists(
        submission.where(
            of_milestone,
            sa.or_(ReportSubmission.decision.is_(None), ReportSubmission.decision == ReportDecision.APPROVED),
        )
    )
    returned = sa.exists(submission.where(of_milestone, ReportSubmission.decision == ReportDecision.RETURNED))
    rows = db.session.execute(
        sa.select(ContractMilestone, returned.label("returned"))
        .join(Contract, Contract.id == ContractMilestone.contract_id)
        .where(
            Contract.organisation_id.in_(organisation_ids),
            Contract.starts_on <= today,
            ContractMilestone.number >= 1,
            ~sent,
            sa.or_(ContractMilestone.due_on <= today + timedelta(days=within_days), returned),
        )
        .options(contains_eager(ContractMilestone.contract))
        .order_by(ContractMilestone.due_on, ContractMilestone.id)
    ).all()
    return [ReportDue(milestone, bool(was_returned)) for milestone, was_returned in rows]
