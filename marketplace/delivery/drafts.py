"""The provider's side of an outcome report: starting it, saving the draft (numbers
consistent with each other, word limits) and submitting it, which freezes exactly what
was sent in a ReportSubmission and tells the area's commissioners. Evidence files are in
evidence.py; the shared rules and reading in reports.py."""

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..contracts.models import ContractMilestone
from ..documents.records import facts
from ..extensions import db
from ..notifications import external_url, queue_email
from ..signals import contracting_event
from ..timeutil import utcnow
from .models import OutcomeReport, ReportOutcome, ReportSubmission
from .reports import (
    CASE_STUDY_WORD_LIMIT,
    MAX_PEOPLE,
    NARRATIVE_WORD_LIMIT,
    PARTS,
    ReportError,
    ReportIncomplete,
    check_editable,
    check_may_report,
    clean_text,
    commissioners,
    lock_report,
    not_started,
    outcome_field,
    problems,
    record_change,
    report_for,
)

Numbers = tuple[int | None, int | None, int | None]


def start_report(milestone: ContractMilestone, actor, now: datetime | None = None) -> OutcomeReport:
    """The report of a milestone (number 1 or more) of a contract that has started. One per
    milestone: starting it again (a double click, two tabs) gives the one that exists."""
    now = now or utcnow()
    contract = milestone.contract
    check_may_report(contract, actor)
    if milestone.is_advance:
        raise ReportError(_("The advance is paid at the start of the contract: it has no outcome report"))
    waiting = not_started(contract, now)
    if waiting:
        raise ReportError(waiting)
    existing = report_for(milestone)
    if existing is not None:
        return existing
    report = OutcomeReport(
        contract_id=contract.id,
        milestone_id=milestone.id,
        created_at=now,
        created_by_id=actor.id,
        updated_at=now,
        narrative="",
        case_study="",
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
    audit.record(
        "report.started", report, actor=actor, after={"contract_id": contract.id, "milestone": milestone.number}
    )
    return report


def _people(value, field_name: str, label: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ReportError(_("%(label)s must be a whole number", label=label), field_name)
    if value < 0:
        raise ReportError(_("%(label)s must be 0 or more", label=label), field_name)
    if value > MAX_PEOPLE:
        raise ReportError(
            _("%(label)s must be %(most)s or less", label=label, most=format(MAX_PEOPLE, ",")), field_name
        )
    return value


def _people_who(part: str, outcome: str) -> str:
    """The number of people of one part of an outcome, as a message names it."""
    if part == "achieved":
        return _("The number of people who achieved '%(outcome)s'", outcome=outcome)
    if part == "partly":
        return _("The number of people who partly achieved '%(outcome)s'", outcome=outcome)
    return _("The number of people who did not achieve '%(outcome)s'", outcome=outcome)


def _counts(referred, started, completed) -> Numbers:
    """People referred, started and completed: each 0 or more, started within referred and
    completed within started (when both are given)."""
    referred = _people(referred, "referred", _("The number of people referred"))
    started = _people(started, "started", _("The number of people who started"))
    completed = _people(completed, "completed", _("The number of people who completed"))
    if started is not None and referred is not None and started > referred:
        raise ReportError(
            _(
                "The number of people who started (%(started)s) cannot be more than the number referred (%(referred)s)",
                started=format(started, ","),
                referred=format(referred, ","),
            ),
            "started",
        )
    if completed is not None and started is not None and completed > started:
        raise ReportError(
            _(
                "The number of people who completed (%(completed)s) cannot be more than the number who started "
                "(%(started)s)",
                completed=format(completed, ","),
                started=format(started, ","),
            ),
            "completed",
        )
    return referred, started, completed


def _outcome_lines(
    report: OutcomeReport, outcomes: dict[int, Numbers], started: int | None
) -> dict[int, tuple[int, int, int]]:
    """The lines to keep, by outcome id: only the contract's outcomes; an outcome whose three
    numbers are all missing has no line; in a line a missing number counts as 0, and the
    people of a line are within those who started."""
    known = {o.id: o for o in report.contract.outcomes}
    if not set(outcomes) <= set(known):
        raise ReportError(
            _("Report only on the outcomes of this contract"), outcome_field(min(set(outcomes) - set(known)))
        )
    lines = {}
    for outcome_id, numbers in outcomes.items():
        if numbers is None or len(numbers) != 3:
            raise ReportError(_("Enter the people for each part of the outcome"), outcome_field(outcome_id))
        if all(n is None for n in numbers):
            continue
        text = known[outcome_id].local_text
        counted = [
            _people(value, outcome_field(outcome_id, part), _people_who(part, text)) or 0
            for (part, _label), value in zip(PARTS, numbers, strict=True)
        ]
        if started is not None and sum(counted) > started:
            raise ReportError(
                _(
                    "The people for the outcome '%(outcome)s' add up to %(total)s, more than the %(started)s who started",
                    outcome=text,
                    total=format(sum(counted), ","),
                    started=format(started, ","),
                ),
                outcome_field(outcome_id),
            )
        lines[outcome_id] = (counted[0], counted[1], counted[2])  # three: zipped strictly with PARTS
    return lines


def _write_lines(report: OutcomeReport, asked: set[int], lines: dict[int, tuple[int, int, int]]) -> None:
    """Replace the report's outcome lines: those asked about and now empty go."""
    existing = {line.outcome_id: line for line in report.outcomes}
    line: ReportOutcome | None
    for outcome_id, line in existing.items():
        if outcome_id in asked and outcome_id not in lines:
            db.session.delete(line)
    for outcome_id, (achieved, partly, not_achieved) in lines.items():
        line = existing.get(outcome_id)
        if line is None:
            line = ReportOutcome(report_id=report.id, outcome_id=outcome_id)
            db.session.add(line)
        line.achieved, line.partly, line.not_achieved = achieved, partly, not_achieved


def save_report(
    report: OutcomeReport,
    *,
    referred: int | None,
    started: int | None,
    completed: int | None,
    outcomes: dict[int, Numbers],
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
    report = lock_report(report)
    check_editable(report, actor)
    referred, started, completed = _counts(referred, started, completed)
    lines = _outcome_lines(report, outcomes, started)
    narrative = clean_text(narrative, "narrative", _("The narrative"), NARRATIVE_WORD_LIMIT)
    case_study = clean_text(case_study, "case_study", _("The case study"), CASE_STUDY_WORD_LIMIT)

    report.referred, report.started, report.completed = referred, started, completed
    report.narrative, report.case_study = narrative, case_study
    _write_lines(report, set(outcomes), lines)
    report.updated_at = now
    after = {"referred": referred, "started": started, "completed": completed, "outcome_lines": len(lines)}
    record_change(report, "outcomes", "report.draft_saved", actor=actor, after=after)


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
        "documents": [facts(d) for d in report.current_documents],
    }


def submit_report(report: OutcomeReport, actor, now: datetime | None = None) -> ReportSubmission:
    """Freeze the draft into a new submission and tell the area's commissioners. Refused
    with every problem at once when something is missing."""
    now = now or utcnow()
    report = lock_report(report)
    check_editable(report, actor)
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
    after = {
        "submission": submission.number,
        "referred": report.referred,
        "started": report.started,
        "completed": report.completed,
        "documents": [d["sha256"] for d in submission.content["documents"]],
    }
    record_change(report, "submissions", "report.submitted", actor=actor, after=after)
    contracting_event.send(submission, kind="implementation", at=now)
    _tell_commissioners(report, submission)
    return submission


def _tell_commissioners(report: OutcomeReport, submission: ReportSubmission) -> None:
    contract = report.contract
    link = external_url("delivery.report", contract_id=contract.id, milestone_id=report.milestone_id)
    for user in commissioners(contract):
        queue_email(
            user.email,
            _l(
                "Outcome report to review: %(title)s, %(milestone)s",
                title=contract.title,
                milestone=report.milestone.title,
            ),
            "report_submitted",
            user=user,
            report=report,
            contract=contract,
            submission=submission,
            link=link,
        )


def write_report(
    milestone: ContractMilestone, *, submit: bool, actor, now: datetime | None = None, **answers
) -> OutcomeReport:
    """The report form's one action: start the milestone's report if need be, save the
    draft (`answers` are save_report's), and submit it when asked."""
    now = now or utcnow()
    report = report_for(milestone) or start_report(milestone, actor, now)
    save_report(report, actor=actor, now=now, **answers)
    if submit:
        submit_report(report, actor, now)
    return report
