"""The rules of outcome reports. Functions take the acting user, check the state, change
it, record audit events, queue emails and flush; the view commits once.

A report belongs to one milestone (number 1 or more) of a started contract. The lead's
members keep a draft (numbers may be missing while it is a draft), add evidence and
submit it; each submission freezes exactly what was sent. The commissioner of the area
(not a member of a party) approves the latest submission, which makes the milestone's
payment payable, or returns it with comments; a returned report is changed and submitted
again. Nothing can change while a submission waits for a decision, or after approval.

Audit events record numbers and decisions, never the narrative or the case study (the
audit trail is read widely; the narrative is about people on probation).
"""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import audit
from ..accounts.models import Role, User
from ..accounts.services import area_staff, members_of
from ..contracts.models import Contract, ContractMilestone
from ..extensions import db
from ..notifications import external_url, queue_email
from ..permissions import Action, can
from ..refusals import Refusal
from ..textlimits import too_long
from ..timeutil import london_date, utcnow
from .models import (
    OutcomeReport,
    ReportDecision,
    ReportDocument,
    ReportOutcome,
    ReportState,
    ReportSubmission,
)

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


def history(report: OutcomeReport) -> list[ReportSubmission]:
    """Every submission, oldest first, with its decision (or none yet)."""
    return db.session.scalars(
        sa.select(ReportSubmission).where(ReportSubmission.report_id == report.id)
        .options(selectinload(ReportSubmission.submitted_by), selectinload(ReportSubmission.decided_by))
        .order_by(ReportSubmission.number)
    ).all()


def not_started(contract: Contract, now: datetime | None = None) -> str | None:
    """Why reporting cannot start yet (None when it can): the contract has not started."""
    if contract.starts_on > london_date(now or utcnow()):
        return f"You can report once the contract starts on {contract.starts_on.day} {contract.starts_on:%B %Y}"
    return None


def is_editable(report: OutcomeReport | None) -> bool:
    return report is None or report.state in EDITABLE


def problems(report: OutcomeReport) -> list[Problem]:
    """What is missing before the report can be submitted (empty when it can)."""
    found = []
    for name, label in (("referred", "referred"), ("started", "who started"), ("completed", "who completed")):
        if getattr(report, name) is None:
            found.append(Problem(name, f"Enter the number of people {label}"))
    lines = {line.outcome_id for line in report.outcomes}
    for outcome in report.contract.outcomes:
        if outcome.id not in lines:
            found.append(Problem(outcome_field(outcome.id), f"Enter how many people achieved the outcome: {outcome.text}"))
    if not (report.narrative or "").strip():
        found.append(Problem("narrative", "Enter the narrative: how delivery went for this milestone"))
    return found


# Changing ------------------------------------------------------------------------------


def _lock(report: OutcomeReport) -> OutcomeReport:
    """Read the report again, locked (SELECT ... FOR UPDATE on PostgreSQL), so a save, a
    submission and a decision on the same report happen one after the other."""
    report = db.session.scalars(
        sa.select(OutcomeReport).where(OutcomeReport.id == report.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    db.session.expire(report, ["submissions", "outcomes", "documents"])
    return report


def _may_report(contract: Contract, actor) -> None:
    if not can(actor, Action.REPORT_OUTCOMES, contract):
        raise ReportError("Only members of the lead organisation can report on this contract")


def _editable(report: OutcomeReport, actor) -> None:
    _may_report(report.contract, actor)
    state = report.state
    if state == ReportState.SUBMITTED:
        raise ReportError("This report has been submitted: it cannot be changed while the commissioner decides")
    if state == ReportState.APPROVED:
        raise ReportError("This report has been approved: it can no longer be changed")


def start_report(milestone: ContractMilestone, actor, now: datetime | None = None) -> OutcomeReport:
    """The report of a milestone (number 1 or more) of a contract that has started. One per
    milestone: starting it again (a double click, two tabs) gives the one that exists."""
    now = now or utcnow()
    contract = milestone.contract
    _may_report(contract, actor)
    if milestone.is_advance:
        raise ReportError("The advance is paid at the start of the contract: it has no outcome report")
    waiting = not_started(contract, now)
    if waiting:
        raise ReportError(waiting)
    existing = report_for(milestone)
    if existing is not None:
        return existing
    report = OutcomeReport(
        contract_id=contract.id, milestone_id=milestone.id, created_at=now, created_by_id=actor.id, updated_at=now,
        narrative="", case_study="",
    )
    try:
        with db.session.begin_nested():
            db.session.add(report)
            db.session.flush()
    except IntegrityError:
        # Started at the same moment somewhere else: that one is the report.
        existing = report_for(milestone)
        if existing is None:
            raise
        return existing
    audit.record("report.started", report, actor=actor, after={"contract_id": contract.id, "milestone": milestone.number})
    return report


def _people(value, field_name: str, label: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReportError(f"{label} must be a whole number", field_name)
    if value < 0:
        raise ReportError(f"{label} must be 0 or more", field_name)
    if value > MAX_PEOPLE:
        raise ReportError(f"{label} must be {MAX_PEOPLE:,} or less", field_name)
    return value


def _text(value: str | None, field_name: str, label: str, limit: int) -> str:
    """The text, stripped; refused when over `limit` words or the characters of that many."""
    text = (value or "").replace("\x00", "").strip()
    problem = too_long(text, noun=label, words=limit)
    if problem:
        raise ReportError(problem, field_name)
    return text


def save_report(
    report: OutcomeReport,
    *,
    referred: int | None,
    started: int | None,
    completed: int | None,
    outcomes: dict[int, tuple[int | None, int | None, int | None]],
    narrative: str,
    case_study: str,
    actor,
    now: datetime | None = None,
) -> None:
    """Save the draft. Numbers may be missing (None) while it is a draft; those given must
    be consistent: started within referred, completed within started, and the people of
    each outcome within those who started. An outcome whose three numbers are all missing
    has no line yet; in a line, a missing number counts as 0."""
    now = now or utcnow()
    report = _lock(report)
    _editable(report, actor)
    referred = _people(referred, "referred", "The number of people referred")
    started = _people(started, "started", "The number of people who started")
    completed = _people(completed, "completed", "The number of people who completed")
    if started is not None and referred is not None and started > referred:
        raise ReportError(
            f"The number of people who started ({started:,}) cannot be more than the number referred ({referred:,})", "started"
        )
    if completed is not None and started is not None and completed > started:
        raise ReportError(
            f"The number of people who completed ({completed:,}) cannot be more than the number who started ({started:,})",
            "completed",
        )
    known = {o.id: o for o in report.contract.outcomes}
    if not set(outcomes) <= set(known):
        raise ReportError("Report only on the outcomes of this contract", outcome_field(min(set(outcomes) - set(known))))
    lines: dict[int, tuple[int, int, int]] = {}
    for outcome_id, numbers in outcomes.items():
        if numbers is None or len(numbers) != 3:
            raise ReportError("Enter the people for each part of the outcome", outcome_field(outcome_id))
        if all(n is None for n in numbers):
            continue
        text = known[outcome_id].text
        counted = []
        for (part, label), value in zip(PARTS, numbers, strict=True):
            counted.append(_people(value, outcome_field(outcome_id, part), f"The number of people who {label} '{text}'") or 0)
        total = sum(counted)
        if started is not None and total > started:
            raise ReportError(
                f"The people for the outcome '{text}' add up to {total:,}, more than the {started:,} who started",
                outcome_field(outcome_id),
            )
        lines[outcome_id] = tuple(counted)
    narrative = _text(narrative, "narrative", "The narrative", NARRATIVE_WORD_LIMIT)
    case_study = _text(case_study, "case_study", "The case study", CASE_STUDY_WORD_LIMIT)

    report.referred, report.started, report.completed = referred, started, completed
    report.narrative, report.case_study = narrative, case_study
    existing = {line.outcome_id: line for line in report.outcomes}
    for outcome_id, line in existing.items():
        if outcome_id in outcomes and outcome_id not in lines:
            db.session.delete(line)
    for outcome_id, (achieved, partly, not_achieved) in lines.items():
        line = existing.get(outcome_id)
        if line is None:
            line = ReportOutcome(report_id=report.id, outcome_id=outcome_id)
            db.session.add(line)
        line.achieved, line.partly, line.not_achieved = achieved, partly, not_achieved
    report.updated_at = now
    db.session.flush()
    db.session.expire(report, ["outcomes"])
    audit.record(
        "report.draft_saved", report, actor=actor,
        after={"referred": referred, "started": started, "completed": completed, "outcome_lines": len(lines)},
    )


def add_evidence(report: OutcomeReport, filename: str, data: bytes, actor, now: datetime | None = None) -> ReportDocument:
    """Check and store an evidence file (the same checks as a bid's documents)."""
    from ..needs.documents import DocumentError, save_upload

    now = now or utcnow()
    report = _lock(report)
    _editable(report, actor)
    try:
        stored = save_upload(filename, data)
    except DocumentError as error:
        raise ReportError(str(error), "document") from None
    document = ReportDocument(report_id=report.id, uploaded_by_id=actor.id, uploaded_at=now, **stored)
    db.session.add(document)
    report.updated_at = now
    db.session.flush()
    db.session.expire(report, ["documents"])
    audit.record(
        "report.evidence_added", report, actor=actor,
        after={"document_id": document.id, "filename": document.filename, "sha256": document.sha256, "size_bytes": document.size_bytes},
    )
    return document


def remove_evidence(document: ReportDocument, actor, now: datetime | None = None) -> None:
    """Removed files stay stored (a submission may name them), but are no longer listed."""
    now = now or utcnow()
    report = _lock(document.report)
    _editable(report, actor)
    if document.removed_at is not None:
        return
    document.removed_at = now
    report.updated_at = now
    db.session.flush()
    db.session.expire(report, ["documents"])
    audit.record(
        "report.evidence_removed", report, actor=actor,
        before={"document_id": document.id, "filename": document.filename, "sha256": document.sha256},
    )


def report_content(report: OutcomeReport) -> dict:
    """Exactly what is submitted, as plain JSON."""
    lines = {line.outcome_id: line for line in report.outcomes}
    milestone = report.milestone
    return {
        "report_id": report.id,
        "contract_id": report.contract_id,
        "milestone": {"id": milestone.id, "number": milestone.number, "title": milestone.title},
        "referred": report.referred,
        "started": report.started,
        "completed": report.completed,
        "outcomes": [
            {
                "outcome_id": outcome.id,
                "code": outcome.code,
                "text": outcome.text,
                "achieved": lines[outcome.id].achieved,
                "partly": lines[outcome.id].partly,
                "not_achieved": lines[outcome.id].not_achieved,
            }
            for outcome in report.contract.outcomes
            if outcome.id in lines
        ],
        "narrative": report.narrative or "",
        "case_study": report.case_study or "",
        "documents": [
            {"document_id": d.id, "filename": d.filename, "sha256": d.sha256, "size_bytes": d.size_bytes}
            for d in report.current_documents
        ],
    }


def submit_report(report: OutcomeReport, actor, now: datetime | None = None) -> ReportSubmission:
    """Freeze the draft into a new submission and tell the area's commissioners. Refused
    with every problem at once when something is missing."""
    now = now or utcnow()
    report = _lock(report)
    _editable(report, actor)
    found = problems(report)
    if found:
        raise ReportIncomplete(found)
    latest = report.latest
    submission = ReportSubmission(
        report_id=report.id,
        number=(latest.number + 1) if latest else 1,
        content=report_content(report),
        submitted_at=now,
        submitted_by_id=actor.id,
    )
    db.session.add(submission)
    db.session.flush()
    db.session.expire(report, ["submissions"])
    audit.record(
        "report.submitted", report, actor=actor,
        after={"submission": submission.number, "referred": report.referred, "started": report.started,
               "completed": report.completed, "documents": [d["sha256"] for d in submission.content["documents"]]},
    )
    contract = report.contract
    link = external_url("delivery.report", contract_id=contract.id, milestone_id=report.milestone_id)
    for user in commissioners(contract):
        queue_email(
            user.email, f"Outcome report to review: {contract.title}, {report.milestone.title}", "report_submitted",
            user=user, report=report, contract=contract, submission=submission, link=link,
        )
    return submission


def _undecided(report: OutcomeReport) -> ReportSubmission:
    latest = report.latest
    if latest is None:
        raise ReportError("This report has not been submitted yet")
    if latest.decision == ReportDecision.APPROVED:
        raise ReportError("This report has already been approved")
    if latest.decision == ReportDecision.RETURNED:
        raise ReportError("This report was returned to the provider: wait for them to submit it again")
    return latest


def _may_review(report: OutcomeReport, actor) -> None:
    if not can(actor, Action.REVIEW_REPORT, report):
        raise ReportError(
            "Only a commissioner of the area who is not a member of the provider's organisations can decide on this report"
        )


def approve_report(report: OutcomeReport, actor, now: datetime | None = None) -> ReportSubmission:
    """Approve the latest submission: the milestone's payment becomes payable now."""
    from ..payments.services import make_payable

    now = now or utcnow()
    report = _lock(report)
    _may_review(report, actor)
    submission = _undecided(report)
    submission.decision, submission.decided_at, submission.decided_by_id = ReportDecision.APPROVED, now, actor.id
    db.session.flush()
    audit.record("report.approved", report, actor=actor, after={"submission": submission.number, "decided_at": now.isoformat()})
    payment = make_payable(report.milestone, at=now, actor=actor)
    _tell_lead(report, submission, "report_approved", f"Outcome report approved: {report.contract.title}, {report.milestone.title}",
               payment=payment)
    return submission


def return_report(report: OutcomeReport, comments: str, actor, now: datetime | None = None) -> ReportSubmission:
    """Return the latest submission with comments; the provider changes it and submits again."""
    now = now or utcnow()
    report = _lock(report)
    _may_review(report, actor)
    submission = _undecided(report)
    comments = _text(comments, "comments", "Your comments", COMMENTS_WORD_LIMIT)
    if not comments:
        raise ReportError("Enter your comments: say what the provider needs to change", "comments")
    submission.decision, submission.decided_at, submission.decided_by_id = ReportDecision.RETURNED, now, actor.id
    submission.comments = comments
    db.session.flush()
    audit.record("report.returned", report, actor=actor, after={"submission": submission.number}, reason=comments)
    _tell_lead(report, submission, "report_returned", f"Outcome report returned: {report.contract.title}, {report.milestone.title}")
    return submission


# People told ----------------------------------------------------------------------------


def commissioners(contract: Contract) -> list[User]:
    """Commissioners of the need's area (or its region) who may review: not members of a party."""
    users = area_staff(Role.COMMISSIONER, contract.need.area)
    party_ids = {p.organisation_id for p in contract.parties}
    return [u for u in users if not party_ids & {m.organisation_id for m in u.organisation_memberships()}]


def lead_members(contract: Contract) -> list[User]:
    return members_of([contract.organisation_id])


def _tell_lead(report: OutcomeReport, submission: ReportSubmission, template: str, subject: str, **context) -> None:
    contract = report.contract
    link = external_url("delivery.report", contract_id=contract.id, milestone_id=report.milestone_id)
    for user in lead_members(contract):
        queue_email(user.email, subject, template, user=user, report=report, contract=contract, submission=submission,
                    link=link, **context)


# Outcomes so far ------------------------------------------------------------------------


@dataclass
class OutcomeSoFar:
    outcome_id: int
    text: str
    achieved: int = 0
    partly: int = 0
    not_achieved: int = 0

    @property
    def people(self) -> int:
        return self.achieved + self.partly + self.not_achieved

    @property
    def score(self) -> float:
        """Achieved counts 1, partly achieved 0.5, not achieved 0."""
        return self.achieved + self.partly / 2

    @property
    def percent(self) -> float | None:
        """The score as a share of the people reported on for this outcome."""
        return round(100 * self.score / self.people, 1) if self.people else None


@dataclass
class SoFar:
    expected: int
    reports: int = 0
    referred: int = 0
    started: int = 0
    completed: int = 0
    outcomes: list[OutcomeSoFar] = field(default_factory=list)

    def percent_of_expected(self, people: int) -> float:
        return round(100 * people / self.expected, 1) if self.expected else 0.0


def outcomes_so_far(contract: Contract) -> SoFar:
    """Totals from the approved submissions only (what the commissioner accepted), read in
    one query: at most one approved submission per milestone, so a handful of rows."""
    contents = db.session.scalars(
        sa.select(ReportSubmission.content)
        .join(OutcomeReport, OutcomeReport.id == ReportSubmission.report_id)
        .where(OutcomeReport.contract_id == contract.id, ReportSubmission.decision == ReportDecision.APPROVED)
        .order_by(ReportSubmission.id)
    ).all()
    totals = SoFar(expected=contract.expected_people)
    by_id = {o.id: OutcomeSoFar(o.id, o.text) for o in contract.outcomes}
    for content in contents:
        totals.reports += 1
        totals.referred += content.get("referred") or 0
        totals.started += content.get("started") or 0
        totals.completed += content.get("completed") or 0
        for line in content.get("outcomes", []):
            entry = by_id.setdefault(line["outcome_id"], OutcomeSoFar(line["outcome_id"], line.get("text", "")))
            entry.achieved += line.get("achieved") or 0
            entry.partly += line.get("partly") or 0
            entry.not_achieved += line.get("not_achieved") or 0
    totals.outcomes = list(by_id.values())
    return totals
