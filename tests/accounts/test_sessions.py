"""Sessions end when they should, everywhere: at sign-out (a copied cookie included),
8 hours after sign-in, and after 30 minutes without activity for staff, whose pages warn
them first. Nothing a provider typed into a bid is lost when its session ends."""

import time

import pytest

from marketplace.accounts import sessions
from marketplace.accounts.models import Role
from marketplace.bids import drafting
from marketplace.bids.models import StashedForm

from .. import factories
from ..helpers import count, page_text, post_form, sign_in


def _copy_session(app, client):
    """Another browser holding a copy of this one's session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def _age(client, **seconds_ago) -> None:
    """Move this session's sign-in time or last activity into the past."""
    with client.session_transaction() as session:
        for key, ago in seconds_ago.items():
            session[{"started": sessions.STARTED, "seen": sessions.SEEN}[key]] = time.time() - ago


def test_signing_out_ends_a_copied_session(app, client, db_session):
    user = factories.make_provider()
    sign_in(client, user.email)
    thief = _copy_session(app, client)
    assert _signed_in(thief)
    post_form(client, "/sign-out", {}, from_url="/sign-out")
    assert not _signed_in(client)
    assert not _signed_in(thief)


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.EVALUATOR, Role.BOARD_MEMBER, Role.FINANCE, "admin"])
def test_staff_are_signed_out_after_30_minutes_without_activity(client, db_session, role):
    user = factories.make_user(admin=True) if role == "admin" else factories.make_area_staff(role)
    sign_in(client, user.email)
    _age(client, seen=sessions.STAFF_IDLE_SECONDS - 60)
    assert _signed_in(client), "29 minutes idle is still signed in"
    _age(client, seen=sessions.STAFF_IDLE_SECONDS + 1)
    response = client.get("/account", follow_redirects=True)
    assert "You were signed out after 30 minutes without activity" in page_text(response)
    assert not _signed_in(client)


def test_providers_are_not_signed_out_for_being_idle(client, db_session):
    sign_in(client, factories.make_provider().email)
    _age(client, seen=3 * 3600)
    assert _signed_in(client)


@pytest.mark.parametrize("staff", [True, False], ids=["staff", "provider"])
def test_every_session_ends_8_hours_after_sign_in_however_busy(client, db_session, staff):
    user = factories.make_area_staff(Role.COMMISSIONER) if staff else factories.make_provider()
    sign_in(client, user.email)
    _age(client, started=sessions.ABSOLUTE_SECONDS - 60, seen=0)
    assert _signed_in(client)
    _age(client, started=sessions.ABSOLUTE_SECONDS + 1, seen=0)
    response = client.get("/account", follow_redirects=True)
    assert "signed in more than 8 hours ago" in page_text(response)
    assert not _signed_in(client)


def test_staff_pages_carry_the_timeout_warning_and_providers_do_not(app, client, db_session):
    sign_in(client, factories.make_area_staff(Role.COMMISSIONER).email)
    page = page_text(client.get("/"))
    assert 'id="timeout-warning"' in page and "Stay signed in" in page and "app/timeout-warning.js" in page
    provider = app.test_client()
    sign_in(provider, factories.make_provider().email)
    assert 'id="timeout-warning"' not in page_text(provider.get("/"))


def test_staying_signed_in_counts_as_activity(client, db_session):
    sign_in(client, factories.make_area_staff(Role.COMMISSIONER).email)
    _age(client, seen=sessions.STAFF_IDLE_SECONDS - 30)
    response = client.get("/session/keep-alive")
    assert response.status_code == 200
    assert response.get_json()["seconds_left"] > sessions.STAFF_IDLE_SECONDS - 5


def test_staying_signed_in_after_the_session_ended_is_sign_in(client, db_session):
    response = client.get("/session/keep-alive")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_a_bid_posted_after_the_session_ended_keeps_what_was_typed(client, db_session):
    import re

    provider = factories.make_provider()
    need = factories.make_need()
    bid = drafting.start_bid(need.lots[0], organisation=provider.organisations[0], actor=provider)
    db_session.commit()
    url = f"/bids/{bid.id}/social-value"
    sign_in(client, provider.email)
    html = client.get(url).get_data(as_text=True)
    stash_token = re.search(r'name="stash_token" value="([^"]+)"', html).group(1)
    csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    _age(client, started=sessions.ABSOLUTE_SECONDS + 1)
    response = client.post(url, data={"csrf_token": csrf, "stash_token": stash_token, "social_value": "Kept words."})
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert count(StashedForm) == 1
    sign_in(client, provider.email)
    assert "Kept words." in page_text(client.get(url))


def test_changing_the_password_ends_every_other_session(app, client, db_session):
    from marketplace.accounts import services
    from marketplace.extensions import db

    user = factories.make_provider()
    sign_in(client, user.email)
    services.set_password(user, "a new and long passphrase", actor=user)
    db.session.commit()
    assert not _signed_in(client)


@pytest.mark.parametrize("staff", [True, False], ids=["staff, after the code", "provider"])
def test_signing_in_starts_a_new_session(client, db_session, staff):
    """No session fixation: nothing a session held before sign-in carries over, but the key
    to what a provider typed into a bid before signing in again."""
    user = factories.make_area_staff(Role.COMMISSIONER) if staff else factories.make_provider()
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["bid_form_stash"] = "kept"
    sign_in(client, user.email)
    assert _signed_in(client)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("bid_form_stash") == "kept"
