"""The commissioner's home counts its areas' needs by status and lists those in progress by
status, soonest closing first, with the needs waiting for their action; counted and listed
in one statement, and the needs waiting in another."""

import re

import pytest

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.needs import overview, questions
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import page_text, sign_in

# Needs close by the clock: run at the fixed instants of tests/clocks.py too.
pytestmark = pytest.mark.clock


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_text(response)))


def test_the_home_counts_needs_by_status_and_lists_those_in_progress_soonest_closing_first(client, db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57", email="region@example.org")
    provider = factories.make_provider()
    factories.make_need(commissioner=commissioner, title="A draft", published=False)
    later = factories.make_need(commissioner=commissioner, title="Closes later", closes_in_days=30)
    soon = factories.make_need(commissioner=commissioner, title="Closes soon", area_code="N57KECL", closes_in_days=3)
    closed = factories.make_need(commissioner=commissioner, title="Has closed")
    factories.close_need(closed)
    cancelled = factories.make_need(commissioner=commissioner, title="Was cancelled")
    cancelled.cancelled_at = utcnow()
    factories.make_need(area_code="N07", title="Elsewhere")
    questions.ask_question(later, organisation=provider.organisations[0], actor=provider, text="When?")
    questions.ask_question(later, organisation=provider.organisations[0], actor=provider, text="Where?")
    db.session.flush()

    sign_in(client, commissioner.email)
    text = _text(client.get("/"))

    table = text[text.index("Your areas' needs by status") :]
    assert "Draft 1" in table and "Open 2" in table and "Closed 1" in table and "Cancelled 1" in table
    assert "Awarded" not in table.split("Draft")[0]
    assert "Elsewhere" not in text and "Was cancelled" not in text
    listed = text[text.index("Your areas' needs by status") :]
    assert (
        listed.index("Has closed")
        < listed.index("Closes soon")
        < listed.index("Closes later")
        < listed.index("A draft")
    )
    assert "Closes soon , closes" in listed and "(West Kent)" in listed and "(East Kent)" in listed
    action = text[text.index("Needs your action") : text.index("Your areas' needs by status")]
    assert "Closes later : 2 questions waiting for an answer" in action
    assert "Closes soon : closes" in action
    assert soon.id in {row.id for row in overview.commissioning_overview(commissioner)["closing"]}
