"""The links we email: confirm an email address, reset a password, accept an invitation.

Each works for its own purpose, for its own time, and (where it changes something) once;
a changed, expired or borrowed link gives a 400 page that writes nothing.
"""

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace.accounts import services, tokens
from marketplace.accounts.models import Invitation, Membership, Role, User
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import PASSWORD, error_summary, page_text, post_form, sign_in
from . import (
    audit_actions,
    emails_to,
    link_in,
    rows,
    tamper,
    value_attribute,
)

NEW_PASSWORD = "a brand new passphrase for me"


def _token(path: str) -> str:
    return path.rsplit("/", 1)[1]


def _verify_link(user: User) -> str:
    return f"/verify-email/{tokens.make_token('verify-email', {'u': user.id, 'e': user.email})}"


def _reset_link(user: User) -> str:
    return f"/password/reset/{tokens.make_token('reset-password', {'u': user.id, 'n': user.session_nonce})}"


# Email verification ------------------------------------------------------------------------------


@pytest.fixture
def unverified(db_session):
    return factories.make_user("new@example.org", name="New Person", verified=False)


def test_verify_email_link_confirms_the_address_and_records_it_once(client, unverified):
    sign_in(client, "new@example.org")  # refused, and queues the link
    [email] = emails_to("new@example.org")
    link = link_in(email)

    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    assert unverified.email_verified_at is not None
    assert audit_actions(AuditEvent.object_id == unverified.id, AuditEvent.object_type == "users") == [
        "user.email_verified"
    ]
    assert "Your email address is confirmed" in page_text(client.get("/sign-in"))
    verified_at = unverified.email_verified_at

    # Opening it again changes nothing and records nothing more.
    before = rows()
    response = client.get(link)
    assert response.status_code == 302
    assert rows() == before
    assert unverified.email_verified_at == verified_at

    assert sign_in(client, "new@example.org").headers["Location"] == "/"


def test_verify_email_link_takes_a_signed_in_user_home(client, db_session):
    user = factories.make_user("amira@example.org")
    sign_in(client, "amira@example.org")
    response = client.get(_verify_link(user))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


BAD_VERIFY_LINKS = {
    "tampered": lambda user: tamper(_token(_verify_link(user))),
    "truncated": lambda user: _token(_verify_link(user))[:-5],
    "reset-token": lambda user: _token(_reset_link(user)),
    "invitation-token": lambda user: tokens.make_token("invitation", {"i": user.id, "e": user.email}),
    "other-secret": lambda user: _other_secret_token("verify-email", {"u": user.id, "e": user.email}),
    "other-email": lambda user: tokens.make_token("verify-email", {"u": user.id, "e": "someone.else@example.org"}),
    "unknown-user": lambda user: tokens.make_token("verify-email", {"u": user.id + 1000, "e": user.email}),
    "id-as-text": lambda user: tokens.make_token("verify-email", {"u": str(user.id), "e": user.email}),
    "not-a-dict": lambda user: tokens.make_token("verify-email", [user.id, user.email]),
    "garbage": lambda user: "not-a-token",
    "sql": lambda user: "1' OR '1'='1",
    "markup": lambda user: "<img src=x onerror=alert(1)>",
    "long": lambda user: "A" * 10_000,
}


def _other_secret_token(purpose, payload):
    from itsdangerous import URLSafeTimedSerializer

    return URLSafeTimedSerializer("some-other-secret", salt=f"local-partners/{purpose}").dumps(payload)


@pytest.mark.parametrize("kind", BAD_VERIFY_LINKS)
def test_verify_email_refuses_a_link_that_is_changed_borrowed_or_made_up(client, unverified, kind):
    token = BAD_VERIFY_LINKS[kind](unverified)
    before = rows()
    response = client.get(f"/verify-email/{token}")
    assert response.status_code == 400
    html = page_text(response)
    assert "This link to confirm your email address does not work" in html
    assert "The link is not complete or has already been used" in html
    assert "<img src=x" not in html
    assert rows() == before
    assert unverified.email_verified_at is None


def test_verify_email_refuses_an_expired_link(app, client, unverified, monkeypatch):
    link = _verify_link(unverified)
    monkeypatch.setitem(app.config, "EMAIL_VERIFICATION_MAX_AGE", -1)
    before = rows()
    response = client.get(link)
    assert response.status_code == 400
    html = page_text(response)
    assert "This link to confirm your email address does not work" in html
    assert "The link has expired." in html
    assert "Get a new link to confirm your email address" in html
    assert rows() == before
    assert unverified.email_verified_at is None


def test_verify_email_link_still_works_just_before_it_expires(app, client, unverified, monkeypatch):
    link = _verify_link(unverified)
    monkeypatch.setitem(app.config, "EMAIL_VERIFICATION_MAX_AGE", 60)
    assert client.get(link).status_code == 302
    assert unverified.email_verified_at is not None


def test_resend_verification_queues_a_link_only_for_an_unverified_account(client, unverified):
    verified = factories.make_user("done@example.org")
    closed = factories.make_user("closed@example.org", verified=False, deactivated_at=utcnow())
    pages = []
    for email in ("new@example.org", "done@example.org", "closed@example.org", "nobody@example.org"):
        response = post_form(client, "/verify-email/resend", {"email": email.upper()})
        assert response.status_code == 200
        pages.append(page_text(response))
        assert "Check your email" in pages[-1]
        assert f"If <strong>{email}</strong> has an account that is not confirmed yet" in pages[-1]
    assert len(emails_to("new@example.org")) == 1
    assert emails_to(verified.email) == emails_to(closed.email) == emails_to("nobody@example.org") == []


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter your email address"),
        ("not an email", "Enter an email address in the correct format, like name@example.com"),
        ("<script>alert(1)</script>", "Enter an email address in the correct format, like name@example.com"),
    ],
)
def test_resend_verification_refuses_a_bad_email_and_keeps_it(client, db_session, email, message):
    before = rows()
    response = post_form(client, "/verify-email/resend", {"email": email})
    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert "<script>alert(1)</script>" not in page_text(response)
    assert value_attribute(email.lower()) in page_text(response)
    assert rows() == before


# Password reset ------------------------------------------------------------------------------------


@pytest.fixture
def user(db_session):
    return factories.make_user("amira@example.org", name="Amira Hassan")


def _request_reset(client, email="amira@example.org"):
    response = post_form(client, "/password/forgot", {"email": email})
    assert response.status_code == 200
    return response


def test_forgot_password_for_an_unknown_email_shows_the_same_page_and_queues_nothing(client, user):
    before = rows()
    unknown = page_text(_request_reset(client, "nobody@example.org"))
    assert rows() == before
    known = page_text(_request_reset(client, "amira@example.org"))
    for html, email in ((unknown, "nobody@example.org"), (known, "amira@example.org")):
        assert "Check your email" in html
        assert f"If <strong>{email}</strong> has an account, we've sent it a link to reset the password." in html
    assert (
        unknown.replace("nobody@example.org", "X").split("<main")[1].split("</main>")[0]
        == known.replace("amira@example.org", "X").split("<main")[1].split("</main>")[0]
    )


def test_forgot_password_for_a_known_email_queues_one_email_with_a_reset_link(client, user):
    before = rows()
    _request_reset(client, "  AMIRA@example.org ")
    assert rows() == {**before, "OutboxEmail": before["OutboxEmail"] + 1}
    [email] = emails_to("amira@example.org")
    assert email.subject == "Reset your password"
    assert link_in(email).startswith("/password/reset/")
    assert "Hello Amira Hassan" in email.body


def test_forgot_password_for_a_deactivated_account_queues_nothing(client, db_session):
    factories.make_user("gone@example.org", deactivated_at=utcnow())
    before = rows()
    _request_reset(client, "gone@example.org")
    assert rows() == before


def test_reset_link_sets_a_new_password_once_and_signs_out_every_other_session(app, client, user):
    elsewhere = app.test_client()
    assert sign_in(elsewhere, "amira@example.org").status_code == 302
    assert elsewhere.get("/account").status_code == 200
    nonce = user.session_nonce

    _request_reset(client)
    link = link_in(emails_to("amira@example.org")[0])
    page = client.get(link)
    assert page.status_code == 200
    assert "Choose a new password" in page_text(page)

    response = post_form(client, link, {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"
    assert user.session_nonce != nonce
    assert audit_actions(AuditEvent.object_id == user.id, AuditEvent.object_type == "users") == [
        "user.password_changed"
    ]

    # Signed out elsewhere.
    response = elsewhere.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")

    # The link works once.
    before = rows()
    again = client.get(link)
    assert again.status_code == 400
    assert "This link to reset your password does not work" in page_text(again)
    assert rows() == before

    # The old password no longer works; the new one does.
    assert error_summary(sign_in(client, "amira@example.org", PASSWORD)) == [
        "Enter a correct email address and password"
    ]
    response = sign_in(client, "amira@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_posting_to_a_used_reset_link_changes_nothing(client, user):
    _request_reset(client)
    link = link_in(emails_to("amira@example.org")[0])
    post_form(client, link, {"password": NEW_PASSWORD})
    hash_after_first = user.password_hash
    before = rows()
    # The link's own page is gone, so take the form's CSRF token from another page.
    response = post_form(client, link, {"password": "yet another passphrase"}, from_url="/sign-in")
    assert response.status_code == 400
    assert user.password_hash == hash_after_first
    assert rows() == before


def test_a_reset_link_also_confirms_an_unverified_email(client, unverified):
    link = _reset_link(unverified)
    assert post_form(client, link, {"password": NEW_PASSWORD}).status_code == 302
    assert unverified.email_verified_at is not None
    assert sign_in(client, "new@example.org", NEW_PASSWORD).headers["Location"] == "/"


@pytest.mark.parametrize(
    "password, message",
    [
        ("", "Enter a new password"),
        ("short", "Password must be 12 characters or more"),
        ("a" * 11, "Password must be 12 characters or more"),
        ("a" * 129, "New password must be 128 characters or fewer"),
        ("x" * 10_000, "New password must be 128 characters or fewer"),
        ("amira@example.org", "Password must not be your email address"),
        ("AMIRA@EXAMPLE.ORG", "Password must not be your email address"),
    ],
)
def test_reset_refuses_a_bad_new_password_and_changes_nothing(client, user, password, message):
    link = _reset_link(user)
    password_hash, nonce = user.password_hash, user.session_nonce
    before = rows()
    response = post_form(client, link, {"password": password})
    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert "Choose a new password" in page_text(response)
    assert (user.password_hash, user.session_nonce) == (password_hash, nonce)
    assert rows() == before
    # The link still works for a good password.
    assert post_form(client, link, {"password": NEW_PASSWORD}).status_code == 302


BAD_RESET_LINKS = {
    "tampered": lambda user: tamper(_token(_reset_link(user))),
    "verify-token": lambda user: _token(_verify_link(user)),
    "invitation-token": lambda user: tokens.make_token("invitation", {"i": user.id, "e": user.email}),
    "wrong-nonce": lambda user: tokens.make_token("reset-password", {"u": user.id, "n": "stale"}),
    "unknown-user": lambda user: tokens.make_token("reset-password", {"u": user.id + 1000, "n": user.session_nonce}),
    "garbage": lambda user: "not-a-token",
}


@pytest.mark.parametrize("kind", BAD_RESET_LINKS)
def test_reset_refuses_a_link_that_is_changed_borrowed_or_made_up(client, user, kind):
    link = f"/password/reset/{BAD_RESET_LINKS[kind](user)}"
    password_hash = user.password_hash
    before = rows()
    for response in (client.get(link), post_form(client, link, {"password": NEW_PASSWORD}, from_url="/sign-in")):
        assert response.status_code == 400
        assert "This link to reset your password does not work" in page_text(response)
    assert user.password_hash == password_hash
    assert rows() == before


def test_reset_refuses_an_expired_link(app, client, user, monkeypatch):
    link = _reset_link(user)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_MAX_AGE", -1)
    before = rows()
    response = client.get(link)
    assert response.status_code == 400
    assert "The link has expired." in page_text(response)
    assert "Get a new link to reset your password" in page_text(response)
    assert rows() == before


def test_reset_refuses_a_link_for_an_account_closed_since(client, user, db_session):
    link = _reset_link(user)
    user.deactivated_at = utcnow()
    db_session.commit()
    assert client.get(link).status_code == 400


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter your email address"),
        ("amira", "Enter an email address in the correct format, like name@example.com"),
        ("' OR 1=1 --", "Enter an email address in the correct format, like name@example.com"),
        ("a" * 10_000, "Email address must be 254 characters or fewer"),
    ],
)
def test_forgot_password_refuses_a_bad_email_and_keeps_it(client, user, email, message):
    before = rows()
    response = post_form(client, "/password/forgot", {"email": email})
    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert value_attribute(email.lower()) in page_text(response)
    assert rows() == before


# Invitations ---------------------------------------------------------------------------------------


@pytest.fixture
def owner(db_session):
    return factories.make_provider(Role.OWNER, name="Olu Owner")


def _invite(db_session, owner, email="invitee@example.org", role=Role.MEMBER) -> tuple[Invitation, str]:
    """Invite as the owner would from the people page (the email's link needs a request)."""
    with current_app.test_request_context():
        invitation = services.invite(email=email, role=role, actor=owner, organisation=owner.organisations[0])
    db_session.commit()
    [message] = emails_to(email.strip().lower())
    assert message.subject == f"You've been invited to join {owner.organisations[0].name} on Local Partners"
    return invitation, link_in(message)


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OWNER])
def test_a_new_person_accepts_an_invitation_by_creating_an_account(client, db_session, owner, role):
    invitation, link = _invite(db_session, owner, "New.Person@Example.org", role)
    organisation = owner.organisations[0]
    page = client.get(link)
    assert page.status_code == 200
    html = page_text(page)
    assert f"Join {organisation.name}" in html
    assert f"Olu Owner has invited new.person@example.org to join as {role.label.lower()}" in html

    response = post_form(client, link, {"your_name": "Nia Newcomer", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in"

    user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.org"))
    assert user.name == "Nia Newcomer"
    assert user.email_verified_at is not None  # the invitation reached the inbox
    assert user.role_in(organisation) == role
    [membership] = user.memberships
    assert membership.created_by_id == owner.id
    assert invitation.accepted_at is not None and invitation.accepted_by_id == user.id
    assert audit_actions(AuditEvent.actor_id == user.id) == ["invitation.accepted", "membership.created"]

    response = sign_in(client, "new.person@example.org", NEW_PASSWORD)
    assert response.headers["Location"] == "/"
    assert organisation.name in page_text(client.get("/account"))


@pytest.mark.parametrize(
    "changes, messages, kept",
    [
        ({"your_name": ""}, ["Enter your full name"], None),
        ({"your_name": "   "}, ["Enter your full name"], None),
        (
            {"your_name": "<script>alert(1)</script>"},
            ["Your full name must not contain < or >"],
            "<script>alert(1)</script>",
        ),
        ({"your_name": "<b>x</b>"}, ["Your full name must not contain < or >"], "<b>x</b>"),
        ({"your_name": "x" * 10_000}, ["Your full name must be 120 characters or fewer"], "x" * 10_000),
        ({"password": ""}, ["Enter a password"], "Nia Newcomer"),
        ({"password": "short"}, ["Password must be 12 characters or more"], "Nia Newcomer"),
        ({"password": "p" * 129}, ["Password must be 128 characters or fewer"], "Nia Newcomer"),
        ({"password": "invitee@example.org"}, ["Password must not be your email address"], "Nia Newcomer"),
        ({"your_name": "", "password": ""}, ["Enter your full name", "Enter a password"], None),
    ],
)
def test_accepting_an_invitation_refuses_bad_input_and_keeps_it(client, db_session, owner, changes, messages, kept):
    invitation, link = _invite(db_session, owner)
    before = rows()
    response = post_form(client, link, {"your_name": "Nia Newcomer", "password": NEW_PASSWORD, **changes})
    assert response.status_code == 200
    assert error_summary(response) == messages
    html = page_text(response)
    assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
    if kept is not None:
        assert value_attribute(kept) in html
    assert rows() == before
    assert invitation.is_open


def test_an_existing_user_must_sign_in_as_the_invited_email_to_accept(client, db_session, owner):
    existing = factories.make_user("invitee@example.org", name="Ivy Invitee")
    invitation, link = _invite(db_session, owner)
    organisation = owner.organisations[0]

    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/sign-in?next={link}"
    assert "Sign in as invitee@example.org to accept the invitation." in page_text(
        client.get(response.headers["Location"])
    )
    before = rows()
    # Posting the new-account form anyway makes no account and accepts nothing.
    data = {"your_name": "Someone Else", "password": NEW_PASSWORD}
    response = post_form(client, link, data, from_url="/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert rows() == before
    assert invitation.is_open

    response = post_form(
        client, f"/sign-in?next=/invitations/{_token(link)}", {"email": "invitee@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == link
    page = client.get(link)
    assert page.status_code == 200
    assert "Accept invitation" in page_text(page)
    assert 'name="your_name"' not in page_text(page)

    response = post_form(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert existing.role_in(organisation) == Role.MEMBER
    assert invitation.accepted_by_id == existing.id
    assert audit_actions(AuditEvent.actor_id == existing.id) == ["invitation.accepted", "membership.created"]
    assert count_memberships(existing) == 1


def count_memberships(user):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(Membership.user_id == user.id))


def test_someone_signed_in_as_another_user_is_told_and_stays_signed_in(client, db_session, owner):
    """Opening a link (a GET) never signs anyone out: the page explains and offers a button."""
    factories.make_user("invitee@example.org")
    other = factories.make_user("other@example.org")
    invitation, link = _invite(db_session, owner)
    sign_in(client, "other@example.org")
    response = client.get(link)
    assert response.status_code == 200
    html = page_text(response)
    assert "You are signed in as other@example.org" in html
    assert "sign in as invitee@example.org" in html
    assert client.get("/account").status_code == 200  # still signed in
    assert post_form(client, link, from_url=link).status_code == 200  # a POST doesn't accept either
    assert other.memberships == []
    assert invitation.is_open


def test_a_used_invitation_shows_already_been_used(client, db_session, owner):
    invitation, link = _invite(db_session, owner)
    post_form(client, link, {"your_name": "Nia Newcomer", "password": NEW_PASSWORD})
    assert not invitation.is_open
    before = rows()
    again = {"your_name": "Again", "password": NEW_PASSWORD}
    for response in (client.get(link), post_form(client, link, again, from_url="/sign-in")):
        assert response.status_code == 400
        assert "This invitation has already been used" in page_text(response)
    assert rows() == before


def test_a_cancelled_invitation_cannot_be_accepted(client, db_session, owner):
    invitation, link = _invite(db_session, owner)
    invitation.cancelled_at = utcnow()
    db_session.commit()
    before = rows()
    response = client.get(link)
    assert response.status_code == 400
    assert "This invitation has already been used" in page_text(response)
    assert rows() == before


BAD_INVITATION_LINKS = {
    "tampered": lambda invitation, link: tamper(_token(link)),
    "verify-token": lambda invitation, link: tokens.make_token(
        "verify-email", {"u": invitation.id, "e": invitation.email}
    ),
    "reset-token": lambda invitation, link: tokens.make_token(
        "reset-password", {"i": invitation.id, "e": invitation.email}
    ),
    "other-email": lambda invitation, link: tokens.make_token(
        "invitation", {"i": invitation.id, "e": "me@example.org"}
    ),
    "unknown-invitation": lambda invitation, link: tokens.make_token(
        "invitation", {"i": invitation.id + 1000, "e": invitation.email}
    ),
    "garbage": lambda invitation, link: "not-a-token",
}


@pytest.mark.parametrize("kind", BAD_INVITATION_LINKS)
def test_an_invitation_link_that_is_changed_or_borrowed_does_not_work(client, db_session, owner, kind):
    invitation, link = _invite(db_session, owner)
    bad = f"/invitations/{BAD_INVITATION_LINKS[kind](invitation, link)}"
    before = rows()
    data = {"your_name": "Nia", "password": NEW_PASSWORD}
    for response in (client.get(bad), post_form(client, bad, data, from_url="/sign-in")):
        assert response.status_code == 400
        assert "This invitation link does not work" in page_text(response)
    assert rows() == before
    assert invitation.is_open


def test_an_expired_invitation_link_does_not_work(app, client, db_session, owner, monkeypatch):
    _, link = _invite(db_session, owner)
    monkeypatch.setitem(app.config, "INVITATION_MAX_AGE", -1)
    before = rows()
    response = client.get(link)
    assert response.status_code == 400
    assert "This invitation link does not work" in page_text(response)
    assert "The link has expired." in page_text(response)
    assert rows() == before
