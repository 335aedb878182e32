"""Account takeover from the outbox: an admin reads every email the service queued, but
never a live sign-in link. The verify, reset and invitation links are masked in what the
admin pages show; the email as sent keeps them only until it is sent."""

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts import tokens
from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.notifications import OutboxEmail, backends
from marketplace.notifications import services as notifications

from .. import factories
from ..helpers import sign_in

# What an itsdangerous URL-safe timed token looks like: three base64url parts.
TOKEN = re.compile(r"[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]{2,}")
PURPOSES = ("verify-email", "reset-password", "invitation")


def _accepted_tokens(text: str) -> list[str]:
    """Every string in `text` that accounts/tokens.py would accept, for any purpose."""
    found = []
    for candidate in TOKEN.findall(text):
        for purpose in PURPOSES:
            try:
                tokens.read_token(purpose, candidate, 10**9)
            except tokens.InvalidToken:
                continue
            found.append(candidate)
    return found


@pytest.fixture
def queued(db_session):
    """One email of each kind with a live link, queued by the services."""
    provider = factories.make_provider(email="amira@example.org")
    accounts.send_verification_email(provider)
    accounts.request_password_reset("amira@example.org")
    accounts.invite(email="new@example.org", role=Role.MEMBER, actor=provider, organisation=provider.organisations[0])
    db.session.flush()
    emails = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id)).all()
    assert len(emails) == 3
    # The email as it is sent holds a live link: the check below can find one.
    assert all(_accepted_tokens(e.sendable_body) for e in emails)
    return emails


def test_no_outbox_page_an_admin_can_reach_shows_a_live_token(client, queued):
    sign_in(client, factories.make_user(admin=True).email)
    pages = ["/admin/emails"] + [f"/admin/emails/{e.id}" for e in queued]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _accepted_tokens(response.get_data(as_text=True)) == [], url
    # The admin still sees where each link goes.
    html = client.get(f"/admin/emails/{queued[0].id}").get_data(as_text=True)
    assert "verify-email/[hidden]" in html and "a private link, sent only to the recipient" in html


def test_the_stored_body_drops_the_live_link_once_sent(app, queued, monkeypatch):
    sent = []
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    monkeypatch.setattr(backends, "console_print", lambda to, subject, body: sent.append(body))
    assert notifications.send_queued() == (3, 0)
    assert all(_accepted_tokens(body) for body in sent), "the recipient got the live link"
    for email in db.session.scalars(sa.select(OutboxEmail)):
        assert email.private_body is None and email.sent_at is not None
        assert _accepted_tokens(email.body) == []
