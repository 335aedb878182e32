"""The commissioner's side of an outcome report: approving the latest submission, which
makes the milestone's payment payable, or returning it with comments for the provider to
change and submit again. Only a commissioner of the area who is not a member of a party
decides, and each submission is decided once."""

from datetime import datetime

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit
from ..extensions import db
from ..notifications import external_url, queue_email
from ..permissions import Action, can
from ..signals import contracting_event
from ..timeutil import utcnow
from .models import OutcomeReport, ReportDecision, ReportSubmission
from .reports import (
    COMMENTS_WORD_LIMIT,
    ReportError,
    clean_text,
    lead_members,
    lock_report,
)


def _waiting_submission(report: OutcomeReport, actor) -> ReportSubmission:
    """The latest submission, for a commissioner who may decide on it, while it waits."""
    if not can(actor, Action.REVIEW_REPORT, report):
        raise ReportError(
            _(
                "Only a commissioner of the area who is not a member of the provider's organisations can decide on "
                "this report"
            )
        )
    latest = report.latest
    if latest is None:
        raise ReportError(_("This report has not been submitted yet"))
    if latest.decision == ReportDecision.APPROVED:
        raise ReportError(_("This report has already been approved"))
    if latest.decision == ReportDecision.RETURNED:
        raise ReportError(_("This report was returned to the provider: wait for them to submit it again"))
    return latest


def approve_report(report: OutcomeReport, actor, now: datetime | None = None) -> ReportSubmission:
    """Approve the latest submission: the milestone's payment becomes payable now."""
    from ..payments.services import make_payable

    now = now or utcnow()
    report = lock_report(report)
    submission = _waiting_submission(report, actor)
    submission.decision, submission.decided_at, submission.decided_by_id = ReportDecision.APPROVED, now, actor.id
    db.session.flush()
    audit.record(
        "report.approved", report, actor=actor, after={"submission": submission.number, "decided_at": now.isoformat()}
    )
    payment = make_payable(report.milestone, at=now, actor=actor)
    contracting_event.send(submission, kind="implementation", at=now)
    _tell_lead(
        report,
        submission,
        "report_approved",
        _l(
            "Outcome report approved: %(title)s, %(milestone)s",
            title=report.contract.title,
            milestone=report.milestone.title,
        ),
        payment=payment,
    )
    return submission


def return_report(report: OutcomeReport, comments: str, actor, now: datetime | None = None) -> ReportSubmission:
    """Return the latest submission with comments; the provider changes it and submits again."""
    now = now or utcnow()
    report = lock_report(report)
    submission = _waiting_submission(report, actor)
    comments = clean_text(comments, "comments", _("Your comments"), COMMENTS_WORD_LIMIT)
    if not comments:
        raise ReportError(_("Enter your comments: say what the provider needs to change"), "comments")
    submission.decision, submission.decided_at, submission.decided_by_id = ReportDecision.RETURNED, now, actor.id
    submission.comments = comments
    db.session.flush()
    audit.record("report.returned", report, actor=actor, after={"submission": submission.number}, reason=comments)
    contracting_event.send(submission, kind="implementation", at=now)
    _tell_lead(
        report,
        submission,
        "report_returned",
        _l(
            "Outcome report returned: %(title)s, %(milestone)s",
            title=report.contract.title,
            milestone=report.milestone.title,
        ),
    )
    return submission


def review_report(
    report: OutcomeReport, *, approve: bool, comments: str | None, actor, now: datetime | None = None
) -> ReportSubmission:
    """The review form's one action: approve, or return with the comments."""
    if approve:
        return approve_report(report, actor, now)
    return return_report(report, comments or "", actor, now)


def _tell_lead(
    report: OutcomeReport, submission: ReportSubmission, template: str, subject: LazyString, **context
) -> None:
    contract = report.contract
    link = external_url("delivery.report", contract_id=contract.id, milestone_id=report.milestone_id)
    for user in lead_members(contract):
        queue_email(
            user.email,
            subject,
            template,
            user=user,
            report=report,
            contract=contract,
            submission=submission,
            link=link,
            **context,
        )
