"""Proportionate by design (issue 20): a new charity, from the demo's small reserved lot's
page to its receipt, is asked for at most 15 pages, 15 fields and 600 words, and the
documented estimate of its time (needs/proportion.py) is under 45 minutes.

The walk (tests/walk.py) counts what a person sees and does: every page they land on, every
field they change from what the page offered, and the word limits of the boxes they write
in. It goes the shortest honest way a newcomer would: from the need's page, "Register your
organisation to bid", one email, straight back to the bid, its task list section by
section, then check and submit. The Local Partners team verifies the new organisation on
the way (not the charity's time, so not counted).
"""

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.services import find_user
from marketplace.extensions import db
from marketplace.needs import proportion
from marketplace.needs.models import Need, Reservation
from marketplace.notifications import OutboxEmail
from marketplace.organisations.models import Organisation
from marketplace.organisations.services import verify_organisation

from ..helpers import PASSWORD
from ..walk import Walk

# The demo is dated from now (closing times on working days): tried at the fixed instants too.
pytestmark = pytest.mark.clock

ANSWER = "Weekly one-to-one mentoring in Margate by women who have been through the same. " * 4


def small_reserved_need() -> Need:
    """The demo's small reserved lot: an open grant on the short form, one lot under £25,000
    reserved for VCSE organisations."""
    needs = db.session.scalars(sa.select(Need).where(Need.short_form.is_(True), Need.published_at.is_not(None)))
    return next(
        n
        for n in needs
        if len(n.lots) == 1 and n.lots[0].reservation == Reservation.VCSE and n.lots[0].value_pence < 2_500_000
    )


def walk_to_a_receipt(app, client) -> tuple[Walk, Need]:
    app.test_cli_runner().invoke(args=["demo-data"])
    need = small_reserved_need()
    walk = Walk(client)
    walk.visit(f"/needs/{need.id}")
    walk.visit(f"/register?next=/needs/{need.id}/bid")
    walk.fill(
        {
            "name": "Margate Women Together",
            "legal_form": "cio",
            "charity_number": "1199887",
            "income_band": "micro",
            "your_name": "Nia Brook",
            "email": "nia@example.org",
            "password": PASSWORD,
        }
    )
    email = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == "nia@example.org"))
    walk.visit(re.search(r"https?://[^/\s]+(/\S+)", email.sendable_body).group(1))
    assert walk.path.endswith(f"/needs/{need.id}/bid"), "the one email leads back to the bid"
    walk.press()
    bid = walk.path
    walk.visit(f"{bid}/answers")
    walk.fill({f"answer_{c.id}": ANSWER for c in need.criteria})
    walk.visit(f"{bid}/price")
    walk.fill({"price": "17500"})
    walk.visit(f"{bid}/local-presence")
    walk.fill({"pdus": [str(need.pdus[0].id)]})
    walk.visit(f"{bid}/declarations")
    walk.fill({"declarations": ["eligible", "no_conflict", "accurate"]})
    charity = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Margate Women Together"))
    verify_organisation(charity, actor=find_user("admin@demo.test"))
    db.session.commit()
    walk.visit(f"{bid}/check")
    walk.press()
    assert "/revisions/" in walk.path and "Bid submitted" in walk.response.get_data(as_text=True)
    return walk, need


def test_a_new_charity_bids_for_the_small_reserved_lot_in_15_pages_15_fields_and_600_words(app, client, db_session):
    walk, need = walk_to_a_receipt(app, client)
    assert len(walk.pages) <= 15, walk.pages
    assert len(walk.fields) <= 15, walk.fields
    assert walk.words_asked <= 600
    assert walk.words_asked == proportion.words_asked(need)


def test_the_small_reserved_lot_takes_under_45_minutes_by_the_documented_method(app, client, db_session):
    walk, need = walk_to_a_receipt(app, client)
    minutes = proportion.minutes_for(need, pages=len(walk.pages), fields=len(walk.fields), words=walk.words_asked)
    assert minutes < 45
