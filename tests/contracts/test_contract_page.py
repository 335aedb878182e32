"""The contract page for both sides: the schedule with each report and payment, outcomes
so far, the evidence documents and the timeline."""

import pytest

from marketplace.accounts.models import Role
from marketplace.delivery import drafts, evidence
from marketplace.extensions import db

from .. import factories
from ..helpers import page_text, sign_in


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


def test_both_sides_read_the_schedule_evidence_and_timeline(client, db_session, uploads):
    made = factories.make_contract()
    contract = made.contract
    milestone = contract.milestones[1]
    report = drafts.start_report(milestone, made.provider)
    evidence.add_evidence(report, "attendance.csv", b"week,people\n1,12\n", made.provider)
    db.session.commit()
    link = f"/contracts/{contract.id}/milestones/{milestone.id}/report/evidence/{report.current_documents[0].id}"
    staff = (factories.make_area_staff(Role.BOARD_MEMBER), factories.make_area_staff(Role.FINANCE))
    for user, draft_visible in ((made.provider, True), (staff[0], False), (staff[1], False)):
        browser = client.application.test_client()
        sign_in(browser, user.email)
        page = page_text(browser.get(f"/contracts/{contract.id}"))
        assert "Timeline" in page and "Contract: created" in page
        assert "Payable" in page  # the advance
        # A draft report's evidence is the provider's until the report is submitted.
        assert ("attendance.csv" in page) is draft_visible and (link in page) is draft_visible
        assert (browser.get(link).data == b"week,people\n1,12\n") is draft_visible
    drafts.save_report(
        report,
        referred=10,
        started=8,
        completed=5,
        narrative="Weekly sessions ran.",
        case_study="",
        outcomes={o.id: (3, 1, 1) for o in contract.outcomes},
        actor=made.provider,
    )
    drafts.submit_report(report, made.provider)
    db.session.commit()
    for user in staff:
        browser = client.application.test_client()
        sign_in(browser, user.email)
        page = page_text(browser.get(f"/contracts/{contract.id}"))
        assert "attendance.csv" in page and link in page
        assert browser.get(link).data == b"week,people\n1,12\n"
    outsider = client.application.test_client()
    sign_in(outsider, factories.make_provider().email)
    assert outsider.get(f"/contracts/{contract.id}").status_code == 404
