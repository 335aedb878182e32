"""Contracts, outcome reports and payments in Welsh: a provider reads their contract and
reports outcomes in Welsh (pages, dates, refusals), and the emails about a report go in
each recipient's own language."""

import html

import sqlalchemy as sa
from babel.dates import format_date

from marketplace.delivery import decisions, drafts
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail

from ..delivery.helpers import complete, make_setup
from ..helpers import page_text, post_form, sign_in

# English a Welsh page of these must not show (each is a message of the English catalogue).
ENGLISH = (
    "Payment schedule",
    "Outcomes to report",
    "Your contracts",
    "Not reported yet",
    "Save as draft",
    "Submit the report",
    "People referred",
    "In your words",
    "Back to the contract",
)


def _welsh_page(client, url: str) -> str:
    response = client.get(url + "?lang=cy")
    assert response.status_code == 200
    page = html.unescape(page_text(response))
    assert '<html lang="cy"' in page
    shown = [english for english in ENGLISH if english in page]
    assert not shown, f"English on the Welsh page {url}: {shown}"
    return page


def _emails_to(user) -> list[OutboxEmail]:
    return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == user.email).order_by(OutboxEmail.id)).all()


def test_a_provider_reads_their_contract_and_reports_outcomes_in_welsh(client, db_session):
    s = make_setup()
    db.session.commit()
    assert sign_in(client, s.owner.email).status_code == 302

    page = _welsh_page(client, f"/contracts/{s.contract.id}")
    assert "Amserlen dalu" in page and "Canlyniadau i adrodd arnynt" in page
    # Dates by Babel, with Welsh month names: '6 Rhagfyr 2026'.
    assert format_date(s.contract.starts_on, "d MMMM y", locale="cy") in page

    url = f"/contracts/{s.contract.id}/milestones/{s.milestone.id}/report"
    page = _welsh_page(client, url)
    assert "Adroddiad canlyniadau: " in page and "Cadw fel drafft" in page and "Pobl a atgyfeiriwyd" in page

    # A refusal is in Welsh too, by its field.
    response = post_form(client, url, {"referred": "5", "started": "9", "save": "Cadw fel drafft"}, from_url=url)
    page = html.unescape(page_text(response))
    assert "Mae problem wedi codi" in page or "Gwall:" in page
    assert "Ni all nifer y bobl a ddechreuodd (9) fod yn fwy na’r nifer a atgyfeiriwyd (5)" in page


def test_the_emails_about_an_outcome_report_go_in_each_recipients_language(db_session):
    s = make_setup()
    s.commissioner.language = "cy"
    report = drafts.start_report(s.milestone, s.owner)
    drafts.save_report(report, **complete(s), actor=s.owner)
    drafts.submit_report(report, s.owner)

    (told,) = _emails_to(s.commissioner)
    assert told.subject == f"Adroddiad canlyniadau i’w adolygu: {s.contract.title}, {s.milestone.title}"
    assert told.body.startswith(f"Helo {s.commissioner.name},")
    assert "wedi cyflwyno ei adroddiad canlyniadau" in told.body and "Outcome report" not in told.body

    # The provider chose nothing: English, as before.
    decisions.approve_report(report, s.commissioner)
    (approved,) = _emails_to(s.member)
    assert approved.subject.startswith("Outcome report approved: ")
    assert "has been approved" in approved.body and "Helo" not in approved.body
