"""Nothing typed into a bid is lost when the session times out: the POST is kept (not
saved), the person signs in again and finds what they typed in the form, once."""

import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.bids import drafting
from marketplace.bids.models import Bid, StashedForm
from marketplace.bids.stash import SESSION_KEY
from marketplace.extensions import db
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count, csrf_token, error_summary, page_text, post_form, sign_in

KEPT = "We kept what you typed before you were signed out. Check it and save."


@pytest.fixture
def provider(db_session):
    return factories.make_provider(name="Priya Provider")


@pytest.fixture
def bid(provider):
    need = factories.make_need()
    bid = drafting.start_bid(need.lots[0], organisation=provider.organisations[0], actor=provider)
    db.session.flush()
    return bid


def _answer_field(bid) -> str:
    return f"answer_{bid.need.criteria[0].id}"


STASH_TOKEN = re.compile(r'name="stash_token" value="([^"]+)"')


def _tokens(client, url: str) -> dict:
    """The CSRF and stash tokens of the form on `url`, as the browser holds them."""
    html = client.get(url).get_data(as_text=True)
    return {"csrf_token": csrf_token(client, url), "stash_token": STASH_TOKEN.search(html).group(1)}


def _session_cleared(client) -> None:
    """What a browser has after its session cookie expired: no session at all."""
    client.delete_cookie("session")


def test_a_timed_out_session_keeps_what_was_typed_for_after_sign_in(client, provider, bid):
    url = f"/bids/{bid.id}/answers"
    assert sign_in(client, provider.email).status_code == 302
    tokens = _tokens(client, url)
    _session_cleared(client)

    typed = "Our peer mentors meet women at the probation office every Tuesday."
    response = client.post(url, data={**tokens, _answer_field(bid): typed, "submit": "Save"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next=/bids/{bid.id}/answers"
    stashed = db.session.scalar(sa.select(StashedForm))
    assert stashed.path == url and stashed.used_at is None
    assert stashed.data["fields"] == {_answer_field(bid): [typed]}  # no tokens, no button
    with client.session_transaction() as session:
        key = session[SESSION_KEY]
    assert stashed.key_hash == hashlib.sha256(key.encode()).hexdigest() != key
    assert "we kept what you typed" in page_text(client.get(response.headers["Location"]))

    response = sign_in(client, provider.email, query_string={"next": url})
    assert response.headers["Location"] == url
    page = page_text(client.get(url))
    assert KEPT in page and typed in page
    # Offered, not saved; and offered once.
    assert db.session.get(Bid, bid.id).answers == {}
    assert db.session.scalar(sa.select(StashedForm)).used_at is not None
    page = page_text(client.get(url))
    assert KEPT not in page and typed not in page

    # Saving is the ordinary POST.
    response = post_form(client, url, {_answer_field(bid): typed})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Bid, bid.id).answers == {str(bid.need.criteria[0].id): typed}


def test_a_post_after_being_signed_out_elsewhere_is_kept_too(client, provider, bid):
    """The session still has its CSRF token, but the user is no longer signed in (their
    password was changed on another device, which signs out every session)."""
    url = f"/bids/{bid.id}/price"
    sign_in(client, provider.email)
    tokens = _tokens(client, url)
    provider.session_nonce = "changed-elsewhere"
    db.session.commit()
    response = client.post(url, data={**tokens, "price": "45,000", "people": "38"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")
    assert count(StashedForm) == 1

    sign_in(client, provider.email)
    page = page_text(client.get(url))
    assert KEPT in page and 'value="45,000"' in page and 'value="38"' in page
    db.session.expire_all()
    assert db.session.get(Bid, bid.id).price_pence is None


def test_an_expired_token_while_still_signed_in_returns_to_the_page_with_the_text(client, provider, bid):
    url = f"/bids/{bid.id}/social-value"
    sign_in(client, provider.email)
    tokens = _tokens(client, url)
    response = client.post(url, data={**tokens, "csrf_token": "expired", "social_value": "Two paid posts."})
    assert response.status_code == 302 and response.headers["Location"] == url
    stashed = db.session.scalar(sa.select(StashedForm))
    assert stashed.data["user_id"] == provider.id
    page = page_text(client.get(url))
    assert KEPT in page and "Two paid posts." in page


def test_the_stash_is_offered_only_on_its_own_page_and_only_within_the_hour(client, provider, bid):
    url = f"/bids/{bid.id}/social-value"
    sign_in(client, provider.email)
    tokens = _tokens(client, url)
    _session_cleared(client)
    client.post(url, data={**tokens, "social_value": "Kept for an hour."})
    sign_in(client, provider.email)
    # Another section does not take it...
    assert KEPT not in page_text(client.get(f"/bids/{bid.id}/answers"))
    # ...and after an hour it is gone.
    stashed = db.session.scalar(sa.select(StashedForm))
    stashed.created_at = utcnow() - timedelta(hours=1, seconds=1)
    db.session.commit()
    page = page_text(client.get(url))
    assert KEPT not in page and "Kept for an hour." not in page


def test_another_users_stash_is_never_shown(client, provider, bid):
    """A stash made by a known user (a CSRF failure while signed in) is offered only to
    them, even in the same browser."""
    colleague = factories.make_provider(organisation=provider.organisations[0])
    url = f"/bids/{bid.id}/social-value"
    key = "a-key-in-this-browser"
    db.session.add(
        StashedForm(
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            path=url,
            data={"fields": {"social_value": ["Priya's words"]}, "user_id": provider.id},
            created_at=utcnow(),
        )
    )
    db.session.commit()
    sign_in(client, colleague.email)
    with client.session_transaction() as session:
        session[SESSION_KEY] = key
    page = page_text(client.get(url))
    assert KEPT not in page and "Priya" not in page


def test_a_stash_does_not_get_round_the_permission_checks(client, provider, bid):
    stranger = factories.make_provider()
    url = f"/bids/{bid.id}/answers"
    sign_in(client, provider.email)
    tokens = _tokens(client, url)
    _session_cleared(client)
    client.post(url, data={**tokens, _answer_field(bid): "Secret plan"})
    sign_in(client, stranger.email)
    assert client.get(url).status_code == 404
    assert db.session.scalar(sa.select(StashedForm)).used_at is None


def test_a_stashed_post_with_errors_shows_them_only_when_saved(client, provider, bid):
    """The stash fills the form; the check happens when it is saved, as always."""
    url = f"/bids/{bid.id}/price"
    sign_in(client, provider.email)
    tokens = _tokens(client, url)
    _session_cleared(client)
    client.post(url, data={**tokens, "price": "-5", "people": "40"})
    sign_in(client, provider.email)
    page = page_text(client.get(url))
    assert KEPT in page and 'value="-5"' in page
    response = post_form(client, url, {"price": "-5", "people": "40"})
    assert error_summary(response) == ["Total price must be more than £0"]


def test_pages_that_take_nothing_typed_are_not_stashed(client, provider, bid):
    sign_in(client, provider.email)
    token = csrf_token(client, f"/bids/{bid.id}")
    _session_cleared(client)
    response = client.post(f"/bids/{bid.id}/check", data={"csrf_token": token})
    assert response.status_code == 400
    response = client.post(f"/needs/{bid.need_id}/follow", data={"csrf_token": token})
    assert response.status_code == 400
    assert count(StashedForm) == 0


def test_stashes_are_rate_limited_per_address(client, provider, bid):
    from marketplace.bids.stash import STASH_LIMIT

    url = f"/bids/{bid.id}/answers"
    sign_in(client, provider.email)
    tokens = _tokens(client, url)  # from a session that has since expired
    statuses = []
    for n in range(STASH_LIMIT.amount + 3):
        _session_cleared(client)
        statuses.append(client.post(url, data={**tokens, _answer_field(bid): f"Attempt {n}"}).status_code)
    # Kept and sent to sign in while under the limit; past it, the usual expired-form page.
    assert statuses == [302] * STASH_LIMIT.amount + [400] * 3
    # A fresh browser each time, so nothing replaced an earlier stash: the limit stopped them.
    assert count(StashedForm) == STASH_LIMIT.amount


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed in", "signed out"])
def test_a_cross_site_post_is_never_stashed_or_offered_back(client, provider, bid, signed_in):
    """A forged form from another site has no CSRF token and no stash token: it is refused
    as any form without its token, and nothing it sent is kept to be offered back."""
    url = f"/bids/{bid.id}/social-value"
    if signed_in:
        sign_in(client, provider.email)
    response = client.post(url, data={"social_value": "Planted by another site"})
    assert response.status_code in (302, 400)
    assert count(StashedForm) == 0
    if not signed_in:
        sign_in(client, provider.email)
    page = page_text(client.get(url))
    assert KEPT not in page and "Planted by another site" not in page


def test_a_stash_token_is_good_only_for_its_own_page_and_user(client, provider, bid):
    colleague = factories.make_provider(organisation=provider.organisations[0])
    sign_in(client, provider.email)
    tokens = _tokens(client, f"/bids/{bid.id}/answers")
    # Another page's token.
    response = client.post(
        f"/bids/{bid.id}/social-value", data={**tokens, "csrf_token": "expired", "social_value": "x"}
    )
    assert response.status_code == 400 and count(StashedForm) == 0
    # Another user's token, for this page.
    client_b = client.application.test_client()
    sign_in(client_b, colleague.email)
    response = client_b.post(
        f"/bids/{bid.id}/answers", data={**tokens, "csrf_token": "expired", _answer_field(bid): "x"}
    )
    assert response.status_code == 400 and count(StashedForm) == 0
