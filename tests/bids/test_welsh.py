"""A bid in Welsh: someone who reads the service in Cymraeg starts, checks and submits a
bid, and reads its receipt, on the page and by email, in Welsh, with the need's Welsh
title; what is submitted (and so its digest) is the same whichever language the bidder
read the pages in."""

import re

import pytest
import sqlalchemy as sa

from marketplace.bids import submission
from marketplace.bids.models import BidRevision
from marketplace.extensions import db
from marketplace.i18n import in_language
from marketplace.notifications import OutboxEmail

from .. import factories
from ..helpers import error_summary, page_text, post_form


def _signed_in(client, user):
    """As tests/bids/test_pages.py signs in (without the slow password check)."""
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session.permanent = True
    return user


def _visible(html: str) -> str:
    """The page's words, without its tags, scripts or the language switch's names."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def need(db_session):
    return factories.make_need(
        title="Women's centre support",
        title_cy="Cymorth canolfan i fenywod",
        summary_cy="Cymorth i fenywod yng Nghymru.",
        lots=(5_000_000,),
    )


@pytest.fixture
def welsh_provider(db_session):
    return factories.make_provider(name="Siân Jones", language="cy")


def test_a_welsh_reader_bids_in_welsh_from_the_task_list_to_the_receipt(client, need, welsh_provider):
    bid = factories.make_bid(need, provider=welsh_provider, submit=False)
    _signed_in(client, welsh_provider)

    task_list = page_text(client.get(f"/bids/{bid.id}"))
    assert '<html lang="cy"' in task_list
    assert "Cymorth canolfan i fenywod" in task_list and "Women&#39;s centre support" not in task_list
    assert "Gwirio a chyflwyno" in task_list and "Atebion i’r cwestiynau ansawdd" in task_list
    assert "Check and submit" not in task_list and "Your bid" not in _visible(task_list)

    check = client.get(f"/bids/{bid.id}/check")
    assert error_summary(check) == []
    assert "Cyflwyno’r cynnig" in page_text(check) and "Submit bid" not in page_text(check)

    response = post_form(client, f"/bids/{bid.id}/check")
    assert response.status_code == 302
    receipt = page_text(client.get(response.headers["Location"]))
    assert "Cynnig wedi’i gyflwyno" in receipt and "Beth sy’n digwydd nesaf" in receipt
    revision = db.session.scalar(sa.select(BidRevision))
    assert revision.digest in receipt
    assert "Bid submitted" not in receipt and "What happens next" not in receipt

    email = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == welsh_provider.email)).one()
    assert email.subject == "Derbynneb: mae eich cynnig ar gyfer Cymorth canolfan i fenywod wedi’i gyflwyno"
    assert "Helo Siân Jones," in email.body and revision.digest in email.body
    assert "Your bid for" not in email.body and "Keep this email" not in email.body


def test_the_receipt_goes_in_the_language_of_its_reader_not_of_the_page_it_was_sent_from(client, need):
    provider = factories.make_provider(name="Priya Provider")  # reads her emails in English
    bid = factories.make_bid(need, provider=provider, submit=False)
    _signed_in(client, provider)
    client.set_cookie("lang", "cy")  # this browser shows the pages in Welsh

    assert "Cyflwyno’r cynnig" in page_text(client.get(f"/bids/{bid.id}/check"))
    response = post_form(client, f"/bids/{bid.id}/check")
    assert response.status_code == 302
    email = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == provider.email)).one()
    assert email.subject == "Receipt: your bid for Women's centre support was submitted"
    assert "Hello Priya Provider," in email.body and "Keep this email" in email.body


def test_what_a_bid_submits_is_the_same_in_either_language(app, need, welsh_provider):
    bid = factories.make_bid(need, provider=welsh_provider, submit=False)
    with app.test_request_context("/"):
        with in_language("en"):
            english = submission.bid_content(bid)
        with in_language("cy"):
            welsh = submission.bid_content(bid)
    assert english == welsh
    assert submission.digest_of(english) == submission.digest_of(welsh)
