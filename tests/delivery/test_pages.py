"""Outcome report pages through HTTP: who sees and does what, bad input shown by its
field with nothing written, and the journey from draft to a payable milestone."""

import html
from io import BytesIO

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditEvent
from marketplace.delivery import decisions, drafts, evidence, reports
from marketplace.delivery.models import (
    OutcomeReport,
    ReportDocument,
    ReportOutcome,
    ReportState,
    ReportSubmission,
)
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.payments.models import Payment, PaymentStatus

from ..helpers import count, error_summary, post_form, sign_in
from ..helpers import page_text as raw_page_text
from .helpers import PDF, complete, make_setup


def page_text(response) -> str:
    return html.unescape(raw_page_text(response))


def signed_in_as(client, user):
    if client.get("/sign-in").status_code == 302:
        post_form(client, "/sign-out", from_url="/needs")
    if user is not None:
        response = sign_in(client, user.email)
        assert response.status_code == 302, page_text(response)
    return user


@pytest.fixture
def s(db_session):
    s = make_setup()
    base = f"/contracts/{s.contract.id}/milestones/{s.milestone.id}/report"
    s.url, s.evidence_url, s.review_url = base, f"{base}/evidence", f"{base}/review"
    db.session.commit()
    return s


def form_data(
    s,
    *,
    referred="10",
    started="8",
    completed="5",
    lines=(("4", "2", "2"), ("3", "3", "1")),
    narrative="Weekly sessions ran in Canterbury.",
    case_study="",
    submit=False,
) -> dict:
    data = {
        "referred": referred,
        "started": started,
        "completed": completed,
        "narrative": narrative,
        "case_study": case_study,
    }
    for outcome, line in zip(s.outcomes, lines, strict=True):
        for part, value in zip(("achieved", "partly", "not_achieved"), line, strict=True):
            data[f"outcome_{outcome.id}_{part}"] = value
    data["submit_report" if submit else "save"] = "x"
    return data


def _submitted(s) -> OutcomeReport:
    report = drafts.start_report(s.milestone, s.owner)
    drafts.save_report(report, **complete(s), actor=s.owner)
    evidence.add_evidence(report, "Attendance.pdf", PDF, s.owner)
    drafts.submit_report(report, s.owner)
    db.session.commit()
    return report


def _rows() -> tuple:
    return (
        count(OutcomeReport),
        count(ReportOutcome),
        count(ReportSubmission),
        count(ReportDocument),
        count(AuditEvent),
    )


# Who may -------------------------------------------------------------------------------------

# For a submitted report with one piece of evidence: GET report, POST report (save),
# GET evidence, POST evidence, POST remove evidence, GET download, POST review (empty),
# GET submission 1, GET outcomes so far.
EXPECTED = {
    "outsider": (404, 404, 404, 404, 404, 404, 404, 404, 404),
    "owner": (200, 400, 302, 400, 302, 200, 403, 200, 200),
    "member": (200, 400, 302, 400, 302, 200, 403, 200, 200),
    "partner": (200, 403, 403, 403, 403, 200, 403, 200, 200),
    "commissioner": (200, 403, 403, 403, 403, 200, 400, 200, 200),
    "other_commissioner": (404, 404, 404, 404, 404, 404, 404, 404, 404),
    "both": (200, 400, 302, 400, 302, 200, 403, 200, 200),
    "board": (200, 403, 403, 403, 403, 200, 403, 200, 200),
    "finance": (200, 403, 403, 403, 403, 200, 403, 200, 200),
    "admin": (404, 404, 404, 404, 404, 404, 404, 404, 404),
}


def test_every_endpoint_answers_each_role_as_the_permissions_say(client, s):
    report = _submitted(s)
    document = report.current_documents[0]
    remove_url = f"{s.evidence_url}/{document.id}/remove"
    download_url = f"{s.evidence_url}/{document.id}"
    outcomes_url = f"/contracts/{s.contract.id}/outcomes"
    before = _rows()

    def answers(home):
        upload = {"document": (BytesIO(PDF), "more.pdf")}
        return (
            client.get(s.url).status_code,
            post_form(client, s.url, form_data(s), from_url=home).status_code,
            client.get(s.evidence_url).status_code,
            post_form(client, s.evidence_url, upload, from_url=home, content_type="multipart/form-data").status_code,
            post_form(client, remove_url, from_url=home).status_code,
            client.get(download_url).status_code,
            post_form(client, s.review_url, {}, from_url=home).status_code,
            client.get(f"{s.url}/submissions/1").status_code,
            client.get(outcomes_url).status_code,
        )

    # Signed out: every page sends the person to sign in.
    assert set(answers("/sign-in")) == {302}
    for name, expected in EXPECTED.items():
        signed_in_as(client, getattr(s, name))
        assert answers("/needs") == expected, name
    assert _rows()[:4] == before[:4]  # nothing written (but sign-ins' audit events)
    assert count(AuditEvent, AuditEvent.object_type == "outcome_reports") == 4  # started, saved, evidence, submitted

    # What each reads on the report's page.
    signed_in_as(client, s.commissioner)
    page = page_text(client.get(s.url))
    assert "Your decision on submission 1" in page and "Waiting for approval" in page and "Attendance.pdf" in page
    for user in (s.both, s.board, s.finance, s.partner, s.owner):
        signed_in_as(client, user)
        page = page_text(client.get(s.url))
        assert "Weekly sessions ran in Canterbury." in page and "Your decision" not in page


def test_an_advance_a_milestone_of_another_contract_and_odd_ids_are_not_found(client, s):
    other = make_setup()
    db.session.commit()
    signed_in_as(client, s.owner)
    assert client.get(f"/contracts/{s.contract.id}/milestones/{s.advance.id}/report").status_code == 404
    assert client.get(f"/contracts/{s.contract.id}/milestones/{other.milestone.id}/report").status_code == 404
    assert client.get(f"/contracts/{other.contract.id}/milestones/{other.milestone.id}/report").status_code == 404
    assert client.get(f"/contracts/{s.contract.id}/milestones/abc/report").status_code == 404
    assert client.get(f"/contracts/{s.contract.id}/milestones/99999999/report").status_code == 404
    theirs = drafts.start_report(other.milestone, other.owner)
    document = evidence.add_evidence(theirs, "theirs.pdf", PDF, other.owner)
    db.session.commit()
    assert client.get(f"{s.evidence_url}/{document.id}").status_code == 404


# Bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "messages"),
    [
        ({"referred": "-1"}, ["People referred must be 0 or more"]),
        ({"started": "eight"}, ["People who started must be a whole number, like 12"]),
        ({"completed": "2000000"}, ["People who completed must be 1,000,000 or less"]),
        ({"completed": "9"}, ["The number of people who completed (9) cannot be more than the number who started (8)"]),
        ({"started": "11"}, ["The number of people who started (11) cannot be more than the number referred (10)"]),
        ({"narrative": "word " * 751}, ["The narrative must be 750 words or fewer"]),
        ({"case_study": "word " * 501}, ["The case study must be 500 words or fewer"]),
        ({"narrative": " ".join(["x" * 1000] + ["x" * 999] * 9)}, ["The narrative must be 7,500 characters or fewer"]),
    ],
)
def test_bad_input_is_shown_by_its_field_kept_and_nothing_written(client, s, changes, messages):
    signed_in_as(client, s.owner)
    before = _rows()
    response = post_form(client, s.url, {**form_data(s), **changes})
    assert response.status_code == 400
    assert error_summary(response) == messages
    page = page_text(response)
    assert page.startswith("<!DOCTYPE html>") or "<html" in page
    assert "govuk-error-message" in page
    for value in changes.values():
        assert value.strip() in page  # what was typed is still there
    assert _rows() == before


def test_outcome_people_over_those_who_started_are_refused_by_the_outcome(client, s):
    signed_in_as(client, s.owner)
    first = s.outcomes[0]
    before = _rows()
    response = post_form(client, s.url, form_data(s, lines=(("5", "3", "1"), ("1", "1", "1"))))
    assert response.status_code == 400
    assert error_summary(response) == [
        f"The people for the outcome '{first.text}' add up to 9, more than the 8 who started"
    ]
    assert f'href="#outcome_{first.id}_achieved"' in raw_page_text(response)
    response = post_form(client, s.url, form_data(s, lines=(("x", "3", "1"), ("1", "1", "-2"))))
    assert error_summary(response) == [
        "People who achieved outcome 1 must be a whole number, like 12",
        "People who did not achieve outcome 2 must be 0 or more",
    ]
    assert _rows() == before


def test_an_outcome_not_of_the_contract_is_ignored(client, s):
    signed_in_as(client, s.owner)
    response = post_form(client, s.url, {**form_data(s), "outcome_999999_achieved": "5"})
    assert response.status_code == 302
    report = reports.report_for(s.milestone)
    assert sorted(line.outcome_id for line in report.outcomes) == sorted(o.id for o in s.outcomes)


def test_submitting_an_incomplete_report_lists_every_problem_and_writes_nothing(client, s):
    signed_in_as(client, s.owner)
    before = _rows()
    response = post_form(
        client,
        s.url,
        form_data(s, started="", completed="", lines=(("", "", ""), ("1", "", "")), narrative="", submit=True),
    )
    assert response.status_code == 400
    assert error_summary(response) == [
        "Enter the number of people who started",
        "Enter the number of people who completed",
        f"Enter how many people achieved the outcome: {s.outcomes[0].text}",
        "Enter the narrative: how delivery went for this milestone",
    ]
    assert 'value="10"' in raw_page_text(response)
    assert _rows() == before  # not even the draft: nothing was sent


def test_editing_after_submission_is_refused(client, s):
    _submitted(s)
    signed_in_as(client, s.owner)
    page = page_text(client.get(s.url))
    assert "Submit the report" not in page and "Waiting for approval" in page
    before = _rows()
    response = post_form(client, s.url, form_data(s, referred="12"), from_url="/needs")
    assert response.status_code == 400
    assert error_summary(response) == [
        "This report has been submitted: it cannot be changed while the commissioner decides"
    ]
    assert 'value="12"' in raw_page_text(response)
    assert _rows() == before and reports.report_for(s.milestone).referred == 10


def test_review_refusals(client, s):
    report = _submitted(s)
    signed_in_as(client, s.commissioner)
    before = _rows()
    response = post_form(client, s.review_url, {"decision": "return", "comments": "  "}, from_url=s.url)
    assert response.status_code == 400
    assert error_summary(response) == ["Enter your comments: say what the provider needs to change"]
    response = post_form(client, s.review_url, {"decision": "maybe"}, from_url=s.url)
    assert error_summary(response) == ["Select whether to approve the report or return it"]
    response = post_form(client, s.review_url, {"decision": "return", "comments": "word " * 501}, from_url=s.url)
    assert error_summary(response) == ["Your comments must be 500 words or fewer"]
    assert _rows() == before

    assert post_form(client, s.review_url, {"decision": "approve"}, from_url=s.url).status_code == 302
    response = post_form(client, s.review_url, {"decision": "approve"}, from_url="/needs")
    assert response.status_code == 400 and error_summary(response) == ["This report has already been approved"]
    assert count(Payment, Payment.milestone_id == s.milestone.id) == 1
    assert report.state == ReportState.APPROVED


# Evidence ------------------------------------------------------------------------------------


def test_evidence_is_uploaded_checked_downloaded_and_removed(client, s):
    signed_in_as(client, s.owner)
    assert client.get(s.evidence_url).status_code == 200
    before = _rows()
    for data, message in (
        ({}, "Select a file to upload"),
        (
            {"document": (BytesIO(b"not a pdf"), "Fake.pdf")},
            "The selected file is not a real PDF file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        ({"document": (BytesIO(b"MZ"), "virus.exe")}, "The selected file must be a PDF, ODT, DOCX, XLSX or CSV"),
    ):
        response = post_form(client, s.evidence_url, data, content_type="multipart/form-data")
        assert response.status_code == 400 and error_summary(response) == [message]
    assert _rows() == before

    response = post_form(
        client, s.evidence_url, {"document": (BytesIO(PDF), "Attendance.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    document = db.session.scalar(sa.select(ReportDocument))
    download = client.get(f"{s.evidence_url}/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "private, no-store"
    assert "Attendance.pdf" in page_text(client.get(s.url))

    response = post_form(client, f"{s.evidence_url}/{document.id}/remove", from_url=s.evidence_url)
    assert response.status_code == 302
    assert client.get(f"{s.evidence_url}/{document.id}").status_code == 404
    assert reports.report_for(s.milestone).current_documents == []


def test_a_drafts_evidence_is_read_only_by_the_providers_members_until_it_is_submitted(client, s):
    signed_in_as(client, s.owner)
    assert post_form(client, s.url, form_data(s)).status_code == 302
    post_form(
        client, s.evidence_url, {"document": (BytesIO(PDF), "Attendance.pdf")}, content_type="multipart/form-data"
    )
    document = db.session.scalar(sa.select(ReportDocument))
    url = f"{s.evidence_url}/{document.id}"
    assert client.get(url).status_code == 200
    signed_in_as(client, s.commissioner)
    assert client.get(url).status_code == 404
    signed_in_as(client, s.owner)
    assert post_form(client, s.url, form_data(s, submit=True)).status_code == 302
    signed_in_as(client, s.commissioner)
    download = client.get(url)
    assert download.status_code == 200 and download.data == PDF


# The journey ---------------------------------------------------------------------------------


def test_draft_submit_return_resubmit_approve_makes_the_milestone_payable(client, s):
    signed_in_as(client, s.owner)
    page = page_text(client.get(s.url))
    assert "Save as draft" in page and "Submit the report" in page and "Anonymise it" in page
    assert s.outcomes[0].text in page and "Partly achieved" in page

    response = post_form(client, s.url, form_data(s, completed="", narrative=""))
    assert response.status_code == 302
    report = reports.report_for(s.milestone)
    assert (report.referred, report.started, report.completed) == (10, 8, None)
    assert 'value="8"' in raw_page_text(client.get(s.url))

    response = post_form(client, s.url, form_data(s, submit=True))
    assert response.status_code == 302
    assert "Report submitted" in page_text(client.get(s.url))
    assert count(OutboxEmail, OutboxEmail.to == s.commissioner.email) == 1

    signed_in_as(client, s.commissioner)
    response = post_form(
        client,
        s.review_url,
        {"decision": "return", "comments": "Say how the 2 who left were followed up."},
        from_url=s.url,
    )
    assert response.status_code == 302
    assert (
        count(OutboxEmail, OutboxEmail.to == s.owner.email, OutboxEmail.subject.like("Outcome report returned%")) == 1
    )

    signed_in_as(client, s.owner)
    page = page_text(client.get(s.url))
    assert "The commissioner returned this report" in page and "followed up" in page and "Submit the report" in page
    response = post_form(client, s.url, form_data(s, narrative="Both were called within a week.", submit=True))
    assert response.status_code == 302

    signed_in_as(client, s.commissioner)
    page = page_text(client.get(s.url))
    assert "Submission 2" in page and "Both were called within a week." in page
    assert "Submission 1" in page and "followed up" in page  # the history
    old = page_text(client.get(f"{s.url}/submissions/1"))
    assert "Weekly sessions ran in Canterbury." in old and "followed up" in old
    response = post_form(client, s.review_url, {"decision": "approve"}, from_url=s.url)
    assert response.status_code == 302

    report = reports.report_for(s.milestone)
    assert report.state == ReportState.APPROVED
    payment = db.session.scalar(sa.select(Payment).where(Payment.milestone_id == s.milestone.id))
    assert payment.status == PaymentStatus.PAYABLE and payment.payable_at == report.latest.decided_at
    assert (
        count(OutboxEmail, OutboxEmail.to == s.member.email, OutboxEmail.subject.like("Outcome report approved%")) == 1
    )
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "outcome_reports").order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "report.started",
        "report.draft_saved",
        "report.draft_saved",
        "report.submitted",
        "report.returned",
        "report.draft_saved",
        "report.submitted",
        "report.approved",
    ]

    signed_in_as(client, s.owner)
    page = page_text(client.get(s.url))
    assert "Approved" in page and "Submit the report" not in page
    page = page_text(client.get(f"/contracts/{s.contract.id}/outcomes"))
    assert "From 1 approved report" in page and "People so far, against 40 expected" in page


def test_reporting_waits_for_the_contract_to_start(client, db_session):
    s = make_setup(starts_in_days=5)
    db.session.commit()
    url = f"/contracts/{s.contract.id}/milestones/{s.milestone.id}/report"
    signed_in_as(client, s.owner)
    page = page_text(client.get(url))
    assert "You can report once the contract starts on" in page and "Save as draft" not in page
    response = post_form(client, url, form_data(s), from_url="/needs")
    assert response.status_code == 400 and "once the contract starts" in error_summary(response)[0]
    assert count(OutcomeReport) == 0


def test_evidence_a_submission_named_stays_readable_after_removal(client, s):
    report = _submitted(s)
    document = report.current_documents[0]
    decisions.return_report(report, "Add the referral source.", s.commissioner)
    evidence.remove_evidence(document, s.owner)
    db.session.commit()
    signed_in_as(client, s.commissioner)
    download = client.get(f"{s.evidence_url}/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert "Attendance.pdf" in page_text(client.get(f"{s.url}/submissions/1"))
