"""The rules of outcome reports, through the services."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditEvent
from marketplace.delivery import decisions, drafts, evidence, reports
from marketplace.delivery.models import (
    OutcomeReport,
    ReportDecision,
    ReportDocument,
    ReportOutcome,
    ReportState,
    ReportSubmission,
)
from marketplace.delivery.reports import ReportError, ReportIncomplete
from marketplace.delivery.so_far import outcomes_so_far
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.timeutil import utcnow

from ..helpers import count
from .helpers import PDF, complete, make_setup

pytestmark = pytest.mark.clock


@pytest.fixture
def s(db_session):
    return make_setup()


def _events(report) -> list[str]:
    return db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "outcome_reports", AuditEvent.object_id == report.id)
        .order_by(AuditEvent.id)
    ).all()


def _emails_to(user) -> list[OutboxEmail]:
    return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == user.email).order_by(OutboxEmail.id)).all()


def test_the_whole_journey_ends_with_a_payable_milestone(s):
    report = drafts.start_report(s.milestone, s.owner)
    assert report.state == ReportState.DRAFT
    assert drafts.start_report(s.milestone, s.member) is report  # one per milestone

    # A partial draft is fine; submitting it lists every problem at once.
    drafts.save_report(
        report, referred=10, started=None, completed=None, outcomes={}, narrative="", case_study="", actor=s.owner
    )
    with pytest.raises(ReportIncomplete) as refused:
        drafts.submit_report(report, s.owner)
    fields = [p.field for p in refused.value.problems]
    assert fields == ["started", "completed", *[f"outcome_{o.id}_achieved" for o in s.outcomes], "narrative"]
    assert count(ReportSubmission) == 0

    drafts.save_report(report, **complete(s), actor=s.member)
    evidence.add_evidence(report, "Attendance.pdf", PDF, s.owner)
    t1 = utcnow() - timedelta(hours=3)
    first = drafts.submit_report(report, s.owner, now=t1)
    assert first.number == 1 and report.state == ReportState.SUBMITTED
    assert first.content["referred"] == 10 and first.content["started"] == 8 and first.content["completed"] == 5
    assert [(o["outcome_id"], o["achieved"], o["partly"], o["not_achieved"]) for o in first.content["outcomes"]] == [
        (s.outcomes[0].id, 4, 2, 2),
        (s.outcomes[1].id, 3, 3, 1),
    ]
    assert first.content["outcomes"][0]["text"] == s.outcomes[0].text
    assert [d["filename"] for d in first.content["documents"]] == ["Attendance.pdf"]
    assert len(first.content["documents"][0]["sha256"]) == 64
    # The commissioner of the area is told; the one who is also a member of the provider is not.
    told = _emails_to(s.commissioner)
    assert len(told) == 1 and "Outcome report to review" in told[0].subject
    assert f"/contracts/{s.contract.id}/milestones/{s.milestone.id}/report" in told[0].body
    assert _emails_to(s.both) == [] and _emails_to(s.other_commissioner) == []

    # Nothing changes while the commissioner decides.
    with pytest.raises(ReportError, match="cannot be changed while the commissioner decides"):
        drafts.save_report(report, **complete(s, referred=11), actor=s.owner)
    with pytest.raises(ReportError):
        evidence.add_evidence(report, "More.pdf", PDF, s.owner)

    with pytest.raises(ReportError) as refused:
        decisions.return_report(report, "   ", s.commissioner)
    assert refused.value.field == "comments"
    t2 = t1 + timedelta(hours=1)
    decisions.return_report(report, "Say how the 2 who did not start were followed up.", s.commissioner, now=t2)
    assert report.state == ReportState.RETURNED
    assert first.decision == ReportDecision.RETURNED and first.decided_by_id == s.commissioner.id
    returned_mail = _emails_to(s.member)[-1]
    assert "returned" in returned_mail.subject and "followed up" in returned_mail.body
    with pytest.raises(ReportError, match="returned"):
        decisions.approve_report(report, s.commissioner)

    drafts.save_report(report, **complete(s, narrative="Both were called within a week."), actor=s.owner)
    second = drafts.submit_report(report, s.owner, now=t2 + timedelta(minutes=5))
    assert second.number == 2 and first.content["narrative"] == "Weekly sessions ran in Canterbury."

    # A commissioner who is a member of the provider may not approve its own report.
    with pytest.raises(ReportError, match="not a member"):
        decisions.approve_report(report, s.both)
    approved_at = t2 + timedelta(hours=1)
    decisions.approve_report(report, s.commissioner, now=approved_at)
    assert report.state == ReportState.APPROVED
    payment = db.session.scalar(sa.select(Payment).where(Payment.milestone_id == s.milestone.id))
    assert payment.status == PaymentStatus.PAYABLE and payment.payable_at == approved_at
    assert payment.amount_pence == s.milestone.amount_pence
    assert "approved" in _emails_to(s.owner)[-1].subject
    with pytest.raises(ReportError, match="already been approved"):
        decisions.approve_report(report, s.commissioner)
    with pytest.raises(ReportError, match="approved"):
        drafts.save_report(report, **complete(s), actor=s.owner)

    assert _events(report) == [
        "report.started",
        "report.draft_saved",
        "report.draft_saved",
        "report.evidence_added",
        "report.submitted",
        "report.returned",
        "report.draft_saved",
        "report.submitted",
        "report.approved",
    ]
    assert [h.number for h in reports.history(report)] == [1, 2]
    assert count(AuditEvent, AuditEvent.action == "payment.payable", AuditEvent.object_id == payment.id) == 1


def test_who_may_report_and_review(s):
    for user in (s.partner, s.commissioner, s.board, s.finance, s.outsider, s.admin):
        with pytest.raises(ReportError, match="lead organisation"):
            drafts.start_report(s.milestone, user)
    report = drafts.start_report(s.milestone, s.both)  # a member of the lead, whatever else
    drafts.save_report(report, **complete(s), actor=s.owner)
    drafts.submit_report(report, s.owner)
    for user in (s.owner, s.member, s.partner, s.both, s.other_commissioner, s.board, s.finance, s.admin):
        with pytest.raises(ReportError, match="Only a commissioner"):
            decisions.approve_report(report, user)
        with pytest.raises(ReportError, match="Only a commissioner"):
            decisions.return_report(report, "Comments", user)


def test_no_report_for_the_advance_or_before_the_contract_starts(db_session):
    s = make_setup(starts_in_days=3)
    with pytest.raises(ReportError, match="advance"):
        drafts.start_report(s.advance, s.owner)
    with pytest.raises(ReportError, match="once the contract starts on"):
        drafts.start_report(s.milestone, s.owner)
    assert drafts.start_report(s.milestone, s.owner, now=utcnow() + timedelta(days=4)) is not None


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"referred": -1}, "referred", "must be 0 or more"),
        ({"started": 2_000_000}, "started", "1,000,000 or less"),
        ({"started": "8"}, "started", "whole number"),
        ({"started": 11}, "started", "cannot be more than the number referred"),
        ({"completed": 9}, "completed", "cannot be more than the number who started"),
        ({"narrative": "word " * 751}, "narrative", "750 words or fewer"),
        ({"case_study": "word " * 501}, "case_study", "500 words or fewer"),
        (
            {"narrative": " ".join(["x" * 1000] + ["x" * 999] * 9)},
            "narrative",
            "The narrative must be 7,500 characters or fewer",
        ),
        ({"case_study": "x" * 20_001}, "case_study", "The case study must be 5,000 characters or fewer"),
    ],
)
def test_bad_numbers_and_text_are_refused_by_their_field(s, change, field, message):
    report = drafts.start_report(s.milestone, s.owner)
    drafts.save_report(report, **complete(s), actor=s.owner)
    events = count(AuditEvent)
    with pytest.raises(ReportError) as refused:
        drafts.save_report(report, **{**complete(s), **change}, actor=s.owner)
    assert refused.value.field == field and message in refused.value.message
    assert count(AuditEvent) == events and report.referred == 10  # refused before anything changed


def test_outcome_lines_are_checked(s):
    report = drafts.start_report(s.milestone, s.owner)
    first = s.outcomes[0]
    with pytest.raises(ReportError) as refused:
        drafts.save_report(report, **complete(s, lines=[(5, 3, 1), (1, 1, 1)]), actor=s.owner)
    assert refused.value.field == f"outcome_{first.id}_achieved"
    assert (
        refused.value.message == f"The people for the outcome '{first.text}' add up to 9, more than the 8 who started"
    )
    with pytest.raises(ReportError) as refused:
        drafts.save_report(report, **complete(s, lines=[(-1, 0, 0), (1, 1, 1)]), actor=s.owner)
    assert refused.value.field == f"outcome_{first.id}_achieved"

    not_ours = 999_999
    data = complete(s)
    data["outcomes"][not_ours] = (1, 0, 0)
    with pytest.raises(ReportError) as refused:
        drafts.save_report(report, **data, actor=s.owner)
    assert (
        refused.value.field == f"outcome_{not_ours}_achieved" and "outcomes of this contract" in refused.value.message
    )
    assert count(ReportOutcome) == 0

    # A draft may leave an outcome out; in a line, an empty box counts as 0; emptying a
    # line removes it.
    drafts.save_report(report, **{**complete(s), "outcomes": {first.id: (3, None, None)}}, actor=s.owner)
    lines = db.session.scalars(sa.select(ReportOutcome)).all()
    assert [(x.outcome_id, x.achieved, x.partly, x.not_achieved) for x in lines] == [(first.id, 3, 0, 0)]
    drafts.save_report(report, **{**complete(s), "outcomes": {first.id: (None, None, None)}}, actor=s.owner)
    assert count(ReportOutcome) == 0


def test_evidence_is_checked_like_bid_documents_and_removed_only_while_editable(s):
    report = drafts.start_report(s.milestone, s.owner)
    with pytest.raises(ReportError) as refused:
        evidence.add_evidence(report, "fake.pdf", b"not a pdf", s.owner)
    assert refused.value.field == "document" and "not a real PDF" in refused.value.message
    with pytest.raises(ReportError):
        evidence.add_evidence(report, "evidence.pdf", PDF, s.partner)
    document = evidence.add_evidence(report, "evidence.pdf", PDF, s.owner)
    evidence.remove_evidence(document, s.owner)
    assert report.current_documents == [] and count(ReportDocument) == 1
    kept = evidence.add_evidence(report, "kept.pdf", PDF, s.owner)
    drafts.save_report(report, **complete(s), actor=s.owner)
    drafts.submit_report(report, s.owner)
    with pytest.raises(ReportError, match="cannot be changed"):
        evidence.remove_evidence(kept, s.owner)


def test_outcomes_so_far_count_approved_submissions_only(s):
    """Worked by hand. Milestone 1 approved: 10 referred, 8 started, 5 completed; outcome A
    4 achieved, 2 partly, 2 not; outcome B 3, 3, 1. Milestone 2 first submitted with 100
    referred and returned, then approved with 6 referred, 5 started, 5 completed; A 5, 0,
    0; B 1, 1, 1. Totals: 16 referred, 13 started, 10 completed. A: 9 + 2 x 0.5 = 10 over
    13 people (76.9%); B: 4 + 4 x 0.5 = 6 over 10 people (60%)."""
    first = drafts.start_report(s.milestone, s.owner)
    drafts.save_report(first, **complete(s), actor=s.owner)
    drafts.submit_report(first, s.owner)
    decisions.approve_report(first, s.commissioner)

    second = drafts.start_report(s.milestone2, s.owner)
    drafts.save_report(
        second, **complete(s, referred=100, started=90, completed=80, lines=[(90, 0, 0), (90, 0, 0)]), actor=s.owner
    )
    drafts.submit_report(second, s.owner)
    so_far = outcomes_so_far(s.contract)
    assert (so_far.reports, so_far.referred, so_far.started, so_far.completed) == (1, 10, 8, 5)
    decisions.return_report(second, "These numbers look too high.", s.commissioner)
    drafts.save_report(
        second, **complete(s, referred=6, started=5, completed=5, lines=[(5, 0, 0), (1, 1, 1)]), actor=s.owner
    )
    assert outcomes_so_far(s.contract).referred == 10  # a draft does not count
    drafts.submit_report(second, s.owner)
    decisions.approve_report(second, s.commissioner)

    so_far = outcomes_so_far(s.contract)
    assert (so_far.reports, so_far.referred, so_far.started, so_far.completed) == (2, 16, 13, 10)
    assert so_far.expected == s.contract.expected_people == 40
    assert so_far.percent_of_expected(so_far.started) == 32.5
    a, b = so_far.outcomes
    assert (a.outcome_id, a.achieved, a.partly, a.not_achieved, a.people, a.score, a.percent) == (
        s.outcomes[0].id,
        9,
        2,
        2,
        13,
        10.0,
        76.9,
    )
    assert (b.outcome_id, b.achieved, b.partly, b.not_achieved, b.people, b.score, b.percent) == (
        s.outcomes[1].id,
        4,
        4,
        2,
        10,
        6.0,
        60.0,
    )
    assert count(Payment, Payment.contract_id == s.contract.id) == 3  # the advance and both milestones
    assert count(OutcomeReport) == 2
