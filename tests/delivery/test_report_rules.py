"""The rules of outcome reports, each named, through the services (drafts, evidence,
decisions): what each step changes, the audit events it writes, and that a refusal
writes nothing."""

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditEvent
from marketplace.delivery import decisions, drafts, evidence, reports
from marketplace.delivery.models import ReportDecision, ReportState, ReportSubmission
from marketplace.delivery.reports import ReportError
from marketplace.extensions import db
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.permissions import Action, can

from ..helpers import count, error_summary, page_text, post_form, sign_in
from .helpers import PDF, complete, make_setup

# Dates in working days and London time: `make test-clocks` runs these at fixed instants.
pytestmark = pytest.mark.clock


@pytest.fixture
def s(db_session):
    return make_setup()


def _submitted(s, **numbers):
    report = drafts.start_report(s.milestone, s.owner)
    drafts.save_report(report, **complete(s, **numbers), actor=s.owner)
    drafts.submit_report(report, s.owner)
    return report


def _actions(report) -> list[str]:
    return db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "outcome_reports", AuditEvent.object_id == report.id)
        .order_by(AuditEvent.id)
    ).all()


def _payment(milestone):
    return db.session.scalar(sa.select(Payment).where(Payment.milestone_id == milestone.id))


def test_approving_a_report_makes_the_milestone_payable(s):
    report = _submitted(s)
    assert _payment(s.milestone) is None  # not before approval
    submission = decisions.approve_report(report, s.commissioner)
    payment = _payment(s.milestone)
    assert payment.status == PaymentStatus.PAYABLE and payment.amount_pence == s.milestone.amount_pence
    assert payment.payable_at == submission.decided_at
    assert _payment(s.milestone2) is None  # only this milestone
    assert _actions(report)[-1] == "report.approved"
    assert count(AuditEvent, AuditEvent.action == "payment.payable", AuditEvent.object_id == payment.id) == 1


def test_a_milestone_is_approved_and_made_payable_once(s):
    report = _submitted(s)
    decisions.approve_report(report, s.commissioner)
    events = count(AuditEvent)
    with pytest.raises(ReportError, match="already been approved"):
        decisions.approve_report(report, s.commissioner)
    assert count(Payment, Payment.milestone_id == s.milestone.id) == 1 and count(AuditEvent) == events


def test_evidence_is_private_until_submitted(s):
    report = drafts.start_report(s.milestone, s.owner)
    document = evidence.add_evidence(report, "Attendance.pdf", PDF, s.owner)
    assert can(s.owner, Action.READ_EVIDENCE, document) and can(s.member, Action.READ_EVIDENCE, document)
    for reader in (s.commissioner, s.board, s.finance, s.partner, s.outsider):
        assert not can(reader, Action.READ_EVIDENCE, document)
    drafts.save_report(report, **complete(s), actor=s.owner)
    drafts.submit_report(report, s.owner)
    db.session.expire(document, ["report"])
    for reader in (s.commissioner, s.board, s.finance, s.partner):
        assert can(reader, Action.READ_EVIDENCE, document)
    assert not can(s.outsider, Action.READ_EVIDENCE, document)


def test_evidence_added_after_a_return_is_private_until_resubmitted(s):
    report = _submitted(s)
    decisions.return_report(report, "Add the attendance sheets.", s.commissioner)
    later = evidence.add_evidence(
        report, "Sheets.pdf", b"%PDF-1.7\n2 0 obj << >> endobj\ntrailer << >>\n%%EOF\n", s.owner
    )
    assert can(s.owner, Action.READ_EVIDENCE, later) and not can(s.commissioner, Action.READ_EVIDENCE, later)


def test_returned_report_can_be_resubmitted(s):
    report = _submitted(s)
    decisions.return_report(report, "Say how the 2 who left were followed up.", s.commissioner)
    assert report.state == ReportState.RETURNED and reports.is_editable(report)
    drafts.save_report(report, **complete(s, narrative="Both were called within a week."), actor=s.owner)
    second = drafts.submit_report(report, s.owner)
    assert second.number == 2 and report.state == ReportState.SUBMITTED
    first = reports.submission_of(report, 1)
    assert first.decision == ReportDecision.RETURNED and first.comments == "Say how the 2 who left were followed up."
    assert first.content["narrative"] == "Weekly sessions ran in Canterbury."  # what was sent stays as sent
    assert second.content["narrative"] == "Both were called within a week."
    decisions.approve_report(report, s.commissioner)
    assert report.state == ReportState.APPROVED


def test_commissioner_of_a_party_cannot_review_its_report(s):
    report = _submitted(s)
    events = count(AuditEvent)
    with pytest.raises(ReportError, match="not a member of the provider's organisations"):
        decisions.approve_report(report, s.both)
    with pytest.raises(ReportError, match="not a member of the provider's organisations"):
        decisions.return_report(report, "Comments", s.both)
    assert report.state == ReportState.SUBMITTED and count(AuditEvent) == events and _payment(s.milestone) is None
    assert s.both not in reports.commissioners(s.contract) and s.commissioner in reports.commissioners(s.contract)


def test_commissioner_of_another_area_cannot_review(s):
    report = _submitted(s)
    with pytest.raises(ReportError, match="Only a commissioner of the area"):
        decisions.approve_report(report, s.other_commissioner)
    assert report.state == ReportState.SUBMITTED


def test_a_report_is_decided_only_once_submitted(s):
    report = drafts.start_report(s.milestone, s.owner)
    drafts.save_report(report, **complete(s), actor=s.owner)
    with pytest.raises(ReportError, match="has not been submitted yet"):
        decisions.approve_report(report, s.commissioner)
    with pytest.raises(ReportError, match="has not been submitted yet"):
        decisions.return_report(report, "Too early", s.commissioner)
    assert count(ReportSubmission) == 0


def test_a_returned_report_waits_for_the_provider(s):
    report = _submitted(s)
    decisions.return_report(report, "Add the referral source.", s.commissioner)
    with pytest.raises(ReportError, match="wait for them to submit it again"):
        decisions.approve_report(report, s.commissioner)
    with pytest.raises(ReportError, match="wait for them to submit it again"):
        decisions.return_report(report, "And again", s.commissioner)


def test_a_report_is_returned_only_with_comments(s):
    report = _submitted(s)
    with pytest.raises(ReportError) as refused:
        decisions.return_report(report, " \x00 ", s.commissioner)
    assert (
        refused.value.field == "comments"
        and refused.value.message == "Enter your comments: say what the provider needs to change"
    )
    with pytest.raises(ReportError, match="500 words or fewer"):
        decisions.return_report(report, "word " * 501, s.commissioner)
    assert report.state == ReportState.SUBMITTED


def test_a_submitted_report_cannot_change_while_the_commissioner_decides(s):
    report = _submitted(s)
    events = count(AuditEvent)
    document_rows = len(report.documents)
    for change in (
        lambda: drafts.save_report(report, **complete(s, referred=11), actor=s.owner),
        lambda: evidence.add_evidence(report, "More.pdf", PDF, s.owner),
        lambda: drafts.submit_report(report, s.owner),
    ):
        with pytest.raises(ReportError, match="cannot be changed while the commissioner decides"):
            change()
    assert report.referred == 10 and len(report.documents) == document_rows and count(AuditEvent) == events
    assert count(ReportSubmission) == 1


def test_an_approved_report_can_no_longer_change(s):
    report = _submitted(s)
    decisions.approve_report(report, s.commissioner)
    for change in (
        lambda: drafts.save_report(report, **complete(s), actor=s.owner),
        lambda: evidence.add_evidence(report, "Late.pdf", PDF, s.owner),
        lambda: drafts.submit_report(report, s.owner),
    ):
        with pytest.raises(ReportError, match="has been approved: it can no longer be changed"):
            change()


def test_a_submission_freezes_the_evidence_then_listed(s):
    report = drafts.start_report(s.milestone, s.owner)
    kept = evidence.add_evidence(report, "Kept.pdf", PDF, s.owner)
    removed = evidence.add_evidence(report, "Removed.pdf", PDF, s.owner)
    evidence.remove_evidence(removed, s.owner)
    evidence.remove_evidence(removed, s.owner)  # removing twice is removing once
    drafts.save_report(report, **complete(s), actor=s.owner)
    submission = drafts.submit_report(report, s.owner)
    assert [d["document_id"] for d in submission.content["documents"]] == [kept.id]
    assert _actions(report).count("report.evidence_removed") == 1


def test_one_report_per_milestone(s):
    report = drafts.start_report(s.milestone, s.owner)
    assert drafts.start_report(s.milestone, s.member) is report
    assert drafts.write_report(s.milestone, submit=False, actor=s.owner, **complete(s)) is report
    assert reports.reports_of(s.contract) == {s.milestone.id: report}
    assert _actions(report).count("report.started") == 1


def test_the_audit_trail_never_holds_the_narrative_or_case_study(s):
    report = drafts.start_report(s.milestone, s.owner)
    drafts.save_report(
        report,
        **{**complete(s, narrative="Narrative about Ms Example."), "case_study": "Case study about Ms Example."},
        actor=s.owner,
    )
    drafts.submit_report(report, s.owner)
    decisions.return_report(report, "Remove the name.", s.commissioner)
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "outcome_reports")).all()
    assert events
    for event in events:
        assert "Ms Example" not in repr((event.before, event.after))


def test_writing_the_report_form_saves_and_submits_in_one_step(s):
    report = drafts.write_report(s.milestone, submit=True, actor=s.owner, **complete(s))
    assert report.state == ReportState.SUBMITTED and report.latest.number == 1
    assert _actions(report) == ["report.started", "report.draft_saved", "report.submitted"]


def test_reviewing_approves_or_returns_in_one_step(s):
    report = _submitted(s)
    decisions.review_report(report, approve=False, comments="Add the referral source.", actor=s.commissioner)
    assert report.state == ReportState.RETURNED
    drafts.submit_report(report, s.owner)
    decisions.review_report(report, approve=True, comments=None, actor=s.commissioner)
    assert report.state == ReportState.APPROVED


def test_the_review_form_keeps_the_comments_it_refuses(client, s):
    _submitted(s)
    db.session.commit()
    url = f"/contracts/{s.contract.id}/milestones/{s.milestone.id}/report"
    sign_in(client, s.commissioner.email)
    events = count(AuditEvent)
    too_long = "Please add more detail. " * 130
    response = post_form(client, f"{url}/review", {"decision": "return", "comments": too_long}, from_url=url)
    assert response.status_code == 400 and error_summary(response) == ["Your comments must be 500 words or fewer"]
    assert "Please add more detail." in page_text(response)
    assert count(AuditEvent) == events and reports.report_for(s.milestone).state == ReportState.SUBMITTED
