"""Two-factor authentication: staff give a code from an authenticator app after their
password, set it up at their first sign-in, keep ten single-use recovery codes, and an
admin resets it when a phone is lost; providers may turn it on and off. Codes are limited
and never work twice."""

import base64
import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from config import ProductionConfig
from marketplace.accounts import two_factor
from marketplace.accounts.models import Membership, RecoveryCode, Role, User
from marketplace.audit import AuditEvent
from marketplace.demo.people import DEMO_TOTP_SECRET
from marketplace.extensions import db
from marketplace.notifications import OutboxEmail

from .. import factories
from ..helpers import (
    PASSWORD,
    error_summary,
    next_code,
    page_text,
    post_form,
    set_up_authenticator,
    sign_in,
)
from . import audit_actions, emails_to

WRONG = "The code is not right. Check your authenticator app and try again"
EMPTY = "Enter the 6-digit code from your authenticator app"
SHAPE = "Enter the code using 6 digits, like 123456"
WRONG_RECOVERY = "The recovery code is not right, or it has been used. Check it and try again"
RECOVERY_CODE = re.compile(r"<li><strong>([2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4})</strong></li>")

STAFF = {
    "admin": lambda **kw: factories.make_user(admin=True, **kw),
    "commissioner": lambda **kw: factories.make_area_staff(Role.COMMISSIONER, **kw),
    "evaluator": lambda **kw: factories.make_area_staff(Role.EVALUATOR, **kw),
    "board member": lambda **kw: factories.make_area_staff(Role.BOARD_MEMBER, **kw),
    "finance officer": lambda **kw: factories.make_area_staff(Role.FINANCE, **kw),
}


def password_only(client, email, **kwargs):
    """The first step alone: the password, and nothing after it."""
    return post_form(client, "/sign-in", {"email": email, "password": PASSWORD}, **kwargs)


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def enter(client, code, **kwargs):
    return post_form(client, "/sign-in/code", {"code": code}, **kwargs)


# Staff must give a second factor -----------------------------------------------------------------


@pytest.mark.parametrize("role", STAFF)
def test_staff_cannot_reach_any_signed_in_page_with_only_a_password(client, db_session, role):
    user = STAFF[role]()
    response = password_only(client, user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in/code"
    for url in ("/", "/account", "/admin/", "/needs/new", "/areas/1/payments"):
        response = client.get(url)
        assert response.status_code in (302, 200, 404), url
        assert "Sign out" not in page_text(response), url
    assert client.get("/account").headers["Location"].startswith("/sign-in")
    assert user.last_signed_in_at is None


@pytest.mark.parametrize("role", STAFF)
def test_staff_without_an_app_set_up_are_asked_to_set_one_up_and_nothing_else(client, db_session, role):
    user = STAFF[role](two_factor=False)
    response = password_only(client, user.email)
    assert response.headers["Location"] == "/sign-in/set-up-authenticator"
    assert not signed_in(client)
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in/set-up-authenticator"


def test_staff_sign_in_with_password_and_code_goes_where_they_were_going(client, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER)
    response = post_form(client, "/sign-in?next=/account", {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/sign-in/code"
    page = client.get("/sign-in/code")
    assert "Enter the code from your authenticator app" in page_text(page)
    assert "I cannot use my authenticator app" in page_text(page)
    response = enter(client, next_code(user))
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert signed_in(client)
    assert user.last_signed_in_at is not None


def test_providers_without_two_factor_sign_in_with_a_password(client, db_session):
    provider = factories.make_provider()
    response = password_only(client, provider.email)
    assert response.headers["Location"] == "/"
    assert signed_in(client)


def test_the_code_page_without_a_password_first_goes_to_sign_in(client, db_session):
    for url in ("/sign-in/code", "/sign-in/recovery-code", "/sign-in/set-up-authenticator"):
        assert client.get(url).headers["Location"] == "/sign-in", url
    response = post_form(client, "/sign-in/code", {"code": "123456"}, from_url="/sign-in")
    assert response.headers["Location"] == "/sign-in"


def test_the_password_is_forgotten_after_five_minutes_without_a_code(client, db_session):
    user = factories.make_area_staff(Role.EVALUATOR)
    password_only(client, user.email)
    with client.session_transaction() as session:
        session["two_factor_pending"] = {**session["two_factor_pending"], "at": time.time() - 301}
    response = client.get("/sign-in/code")
    assert response.headers["Location"] == "/sign-in"
    assert "sign in again" in page_text(client.get("/sign-in"))
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"


def test_a_password_change_elsewhere_ends_the_wait_for_the_code(client, db_session):
    user = factories.make_area_staff(Role.EVALUATOR)
    password_only(client, user.email)
    user.session_nonce = "changed"
    db_session.flush()
    assert enter(client, next_code(user), from_url="/sign-in").headers["Location"] == "/sign-in"
    assert not signed_in(client)


def test_the_session_is_renewed_when_the_code_signs_in(client, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    password_only(client, user.email)
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
    enter(client, next_code(user))
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "two_factor_pending" not in session


# Wrong, replayed and too many codes -----------------------------------------------------------------


def test_a_wrong_code_is_refused(client, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER)
    password_only(client, user.email)
    right = next_code(user)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = enter(client, wrong)
    assert response.status_code == 200
    assert error_summary(response) == [WRONG]
    assert "<title>Error: Enter the code" in page_text(response)
    assert not signed_in(client)


def test_a_code_cannot_be_used_twice(app, client, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER)
    password_only(client, user.email)
    code = next_code(user)
    assert enter(client, code).status_code == 302
    assert signed_in(client)

    other = app.test_client()
    password_only(other, user.email)
    response = enter(other, code)
    assert error_summary(response) == [WRONG]
    assert not signed_in(other)


def test_a_code_older_than_the_last_used_is_refused(db_session):
    user = factories.make_area_staff(Role.COMMISSIONER)
    now = time.time()
    step = two_factor.step_now(now)
    assert two_factor.accept_code(user, two_factor.code_for_step(user.totp_secret, step + 1), now=now)
    assert not two_factor.accept_code(user, two_factor.code_for_step(user.totp_secret, step), now=now)
    assert not two_factor.accept_code(user, two_factor.code_for_step(user.totp_secret, step - 1), now=now)
    assert user.totp_last_step == step + 1


def test_a_code_is_accepted_one_step_either_side_of_now_and_no_further(db_session):
    user = factories.make_area_staff(Role.COMMISSIONER)
    now = 1_800_000_015.0
    step = two_factor.step_now(now)
    secret = user.totp_secret
    assert not two_factor.accept_code(user, two_factor.code_for_step(secret, step - 2), now=now)
    assert not two_factor.accept_code(user, two_factor.code_for_step(secret, step + 2), now=now)
    assert two_factor.accept_code(user, two_factor.code_for_step(secret, step - 1), now=now)
    assert two_factor.accept_code(user, two_factor.code_for_step(secret, step), now=now)
    assert two_factor.accept_code(user, two_factor.code_for_step(secret, step + 1), now=now)


def test_code_attempts_are_limited_per_account_even_with_the_right_code(app, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER)
    for n in range(5):
        # A new browser from another address each time: only the per-account limit counts.
        browser = app.test_client()
        password_only(browser, user.email, environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"})
        response = enter(
            browser,
            "000000" if next_code(user) != "000000" else "111111",
            environ_base={"REMOTE_ADDR": f"10.0.0.{n + 1}"},
        )
        assert error_summary(response) == [WRONG]
    browser = app.test_client()
    password_only(browser, user.email, environ_base={"REMOTE_ADDR": "10.0.0.99"})
    response = enter(browser, next_code(user), environ_base={"REMOTE_ADDR": "10.0.0.99"})
    assert response.status_code == 429
    assert "Too many wrong codes" in page_text(response)
    assert not signed_in(browser)


def test_code_attempts_are_limited_per_address_across_accounts(app, client, db_session):
    users = [factories.make_area_staff(Role.EVALUATOR) for _ in range(6)]
    for user in users[:5]:
        browser = app.test_client()
        password_only(browser, user.email)
        assert error_summary(enter(browser, "000000" if next_code(user) != "000000" else "111111")) == [WRONG]
    password_only(client, users[5].email)
    response = enter(client, next_code(users[5]))
    assert response.status_code == 429
    # Another address is not held back.
    other = app.test_client()
    password_only(other, users[5].email, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert enter(other, next_code(users[5]), environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code == 302


def test_recovery_code_guesses_count_towards_the_same_limit(app, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER)
    for _ in range(5):
        browser = app.test_client()
        password_only(browser, user.email)
        response = post_form(browser, "/sign-in/recovery-code", {"code": "aaaa-bbbb-cccc"})
        assert error_summary(response) == [WRONG_RECOVERY]
    browser = app.test_client()
    password_only(browser, user.email)
    assert enter(browser, next_code(user)).status_code == 429


@pytest.mark.parametrize(
    "typed, messages",
    [
        ("", [EMPTY]),
        ("      ", [EMPTY]),
        ("abcdef", [SHAPE]),
        ("12345", [SHAPE]),
        ("1234567", [SHAPE]),
        ("12a456", [SHAPE]),
        ("１２３４５６", [SHAPE]),  # full-width digits are not the code's digits
        ("1" * 10_000, [SHAPE]),
        ("\x00", [EMPTY]),
        ("<script>alert(1)</script>", [SHAPE]),
        ("' OR 1=1 --", [SHAPE]),
    ],
    ids=[
        "empty",
        "spaces",
        "letters",
        "5-digits",
        "7-digits",
        "a-letter-inside",
        "full-width",
        "10000-characters",
        "nul",
        "html",
        "sql",
    ],
)
def test_bad_codes_get_a_clear_error_and_no_server_error(client, db_session, typed, messages):
    user = factories.make_area_staff(Role.COMMISSIONER)
    password_only(client, user.email)
    response = enter(client, typed)
    assert response.status_code == 200
    assert error_summary(response) == messages
    assert "<script>alert(1)</script>" not in page_text(response)
    assert not signed_in(client)
    assert user.totp_last_step is None


@pytest.mark.parametrize("shape", ["{} {}", " {}{} ", "{}-{}", "{}  {}"])
def test_a_right_code_typed_with_spaces_or_a_dash_signs_in(client, db_session, shape):
    user = factories.make_area_staff(Role.COMMISSIONER)
    password_only(client, user.email)
    code = next_code(user)
    response = enter(client, shape.format(code[:3], code[3:]))
    assert response.status_code == 302
    assert signed_in(client)


def test_form_errors_do_not_count_towards_the_limit(client, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER)
    password_only(client, user.email)
    for _ in range(6):
        assert error_summary(enter(client, "abc")) == [SHAPE]
    assert enter(client, next_code(user)).status_code == 302


# Setting up an authenticator app ----------------------------------------------------------------------


def test_set_up_shows_a_qr_code_and_the_key_then_ten_recovery_codes_once(client, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER, two_factor=False)
    password_only(client, user.email)
    response = client.get("/sign-in/set-up-authenticator")
    assert response.headers["Cache-Control"] == "private, no-store"
    page = page_text(response)
    assert "Set up an authenticator app" in page
    qr = re.search(r'<img class="lp-qr-code" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)"', page)
    assert qr and "QR code" in qr.group(2)
    svg = base64.b64decode(qr.group(1)).decode()
    assert svg.startswith("<svg") and "<script" not in svg and "style=" not in svg
    key = re.search(r'class="lp-secret">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    assert len(key) == 32
    # The key on the page is the QR code's (the same secret in the otpauth:// link).
    assert two_factor.provisioning_uri(user, key).startswith("otpauth://totp/Local%20Partners:")

    response = post_form(client, "/sign-in/set-up-authenticator", {"code": pyotp.TOTP(key).now()})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    html = page_text(response)
    assert "Save your recovery codes" in html and "You will not see these codes again" in html
    codes = RECOVERY_CODE.findall(html)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert key not in html
    assert user.totp_secret == key and user.two_factor_enabled
    assert audit_actions(AuditEvent.object_type == "users", AuditEvent.object_id == user.id) == [
        "user.two_factor_enabled"
    ]
    # Kept only as argon2 hashes.
    stored = db.session.scalars(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10
    for row in stored:
        assert row.code_hash.startswith("$argon2") and all(code.replace("-", "") not in row.code_hash for code in codes)
    # Signed in now, and the codes are never shown again.
    assert signed_in(client)
    for url in ("/", "/account", "/sign-in/set-up-authenticator", "/account/two-factor/turn-on"):
        response = client.get(url, follow_redirects=True)
        assert all(code not in page_text(response) for code in codes), url


def test_set_up_refuses_a_wrong_code_and_keeps_the_same_key(client, db_session):
    user = factories.make_area_staff(Role.EVALUATOR, two_factor=False)
    password_only(client, user.email)
    key = re.search(r'class="lp-secret">([A-Z2-7 ]+)<', page_text(client.get("/sign-in/set-up-authenticator"))).group(1)
    code = pyotp.TOTP(key.replace(" ", "")).now()
    response = post_form(client, "/sign-in/set-up-authenticator", {"code": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert error_summary(response) == [WRONG]
    assert key in page_text(response)
    assert not user.two_factor_enabled and user.totp_secret is None
    assert not signed_in(client)
    assert error_summary(post_form(client, "/sign-in/set-up-authenticator", {"code": ""})) == [EMPTY]


def test_each_sign_in_before_set_up_gets_a_new_key(app, db_session):
    user = factories.make_area_staff(Role.EVALUATOR, two_factor=False)
    keys = set()
    for _ in range(2):
        browser = app.test_client()
        password_only(browser, user.email)
        keys.add(
            re.search(
                r'class="lp-secret">([A-Z2-7 ]+)<', page_text(browser.get("/sign-in/set-up-authenticator"))
            ).group(1)
        )
    assert len(keys) == 2
    assert user.totp_secret is None  # nothing in the database until a code confirms it


def test_the_code_that_set_up_the_app_cannot_sign_in(client, db_session):
    user = factories.make_area_staff(Role.EVALUATOR, two_factor=False)
    password_only(client, user.email)
    key = (
        re.search(r'class="lp-secret">([A-Z2-7 ]+)<', page_text(client.get("/sign-in/set-up-authenticator")))
        .group(1)
        .replace(" ", "")
    )
    code = pyotp.TOTP(key).now()
    post_form(client, "/sign-in/set-up-authenticator", {"code": code})
    post_form(client, "/sign-out")
    password_only(client, user.email)
    assert error_summary(enter(client, code)) == [WRONG]


def test_no_page_shows_the_secret_after_set_up(app, client, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER, two_factor=False)
    sign_in(client, user.email)
    assert user.two_factor_enabled
    secret = user.totp_secret
    spaced = two_factor.formatted_secret(secret)
    admin = app.test_client()
    sign_in(admin, factories.make_user(admin=True).email)
    pages = [
        client.get(url) for url in ("/", "/account", "/account/two-factor/turn-on", "/sign-in/set-up-authenticator")
    ]
    pages += [admin.get(url) for url in (f"/admin/users/{user.id}", "/admin/audit", "/admin/users", "/admin/emails")]
    for response in pages:
        html = page_text(response)
        assert secret not in html and spaced not in html and "otpauth" not in html
    stored = " ".join(
        str([event.before, event.after, event.reason]) for event in db.session.scalars(sa.select(AuditEvent))
    ) + " ".join(email.body + (email.private_body or "") for email in db.session.scalars(sa.select(OutboxEmail)))
    assert secret not in stored
    with client.session_transaction() as session:
        assert secret not in str(dict(session))


# Recovery codes -------------------------------------------------------------------------------------------


def _enabled_with_codes(user) -> list[str]:
    secret = pyotp.random_base32()
    codes = two_factor.enable(user, secret, pyotp.TOTP(secret).now())
    user.totp_last_step = None
    db.session.flush()
    return codes


def test_a_recovery_code_signs_in_once_only(client, db_session):
    user = factories.make_area_staff(Role.BOARD_MEMBER, two_factor=False)
    codes = _enabled_with_codes(user)
    password_only(client, user.email)
    page = page_text(client.get("/sign-in/recovery-code"))
    assert "Use a recovery code" in page and "ask the Local Partners service team" in page.replace("Ask", "ask")
    # As typed from paper: capitals and spaces are fine.
    response = post_form(client, "/sign-in/recovery-code", {"code": " " + codes[3].upper().replace("-", " ") + " "})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "you have 9 left" in page_text(client.get("/"))
    assert signed_in(client)
    assert "user.recovery_code_used" in audit_actions(
        AuditEvent.object_type == "users", AuditEvent.object_id == user.id
    )
    assert two_factor.recovery_codes_left(user) == 9

    post_form(client, "/sign-out")
    password_only(client, user.email)
    response = post_form(client, "/sign-in/recovery-code", {"code": codes[3]})
    assert error_summary(response) == [WRONG_RECOVERY]
    assert not signed_in(client)
    # Another of the codes still works.
    assert post_form(client, "/sign-in/recovery-code", {"code": codes[4]}).status_code == 302


@pytest.mark.parametrize(
    "typed, messages",
    [
        ("", ["Enter a recovery code"]),
        ("zzzz-zzzz-zzzz", [WRONG_RECOVERY]),
        ("x" * 10_000, [WRONG_RECOVERY]),
        ("<b>", [WRONG_RECOVERY]),
        ("123456", [WRONG_RECOVERY]),
    ],
    ids=["empty", "wrong", "10000-characters", "html", "an-app-code"],
)
def test_bad_recovery_codes_get_a_clear_error(client, db_session, typed, messages):
    user = factories.make_area_staff(Role.BOARD_MEMBER)
    password_only(client, user.email)
    response = post_form(client, "/sign-in/recovery-code", {"code": typed})
    assert response.status_code == 200
    assert error_summary(response) == messages
    assert not signed_in(client)


def test_one_recovery_code_cannot_be_used_twice_even_at_once(db_session):
    user = factories.make_area_staff(Role.BOARD_MEMBER, two_factor=False)
    codes = _enabled_with_codes(user)
    assert two_factor.use_recovery_code(user, codes[0])
    assert not two_factor.use_recovery_code(user, codes[0])


# An admin resets a lost phone ----------------------------------------------------------------------------------


def test_an_admin_resets_two_factor_audited_and_the_user_signed_out_everywhere(app, client, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER, two_factor=False)
    codes = _enabled_with_codes(user)
    sign_in(client, user.email)
    assert signed_in(client)
    admin_user = factories.make_user(admin=True)
    admin = app.test_client()
    sign_in(admin, admin_user.email)

    page = page_text(admin.get(f"/admin/users/{user.id}"))
    assert "Two-factor authentication" in page and f"/admin/users/{user.id}/reset-two-factor" in page
    url = f"/admin/users/{user.id}/reset-two-factor"
    assert "Reset two-factor authentication for" in page_text(admin.get(url))
    response = post_form(admin, url, {"reason": ""})
    assert error_summary(response) == ["Enter how you checked who is asking"]
    assert user.two_factor_enabled

    response = post_form(admin, url, {"reason": "Called back on the number in our records"})
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert not user.two_factor_enabled and user.totp_secret is None
    assert two_factor.recovery_codes_left(user) == 0
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.two_factor_reset"))
    assert event.object_id == user.id and event.actor_id == admin_user.id
    assert event.reason == "Called back on the number in our records"
    [email] = emails_to(user.email)
    assert "reset the two-factor authentication" in email.body
    # Signed out everywhere, and asked to set up an app at the next sign-in.
    assert not signed_in(client)
    assert password_only(client, user.email).headers["Location"] == "/sign-in/set-up-authenticator"
    assert not two_factor.use_recovery_code(user, codes[0])


def test_only_an_admin_resets_two_factor_and_not_their_own(app, client, db_session):
    admin_user = factories.make_user(admin=True)
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    sign_in(client, commissioner.email)
    assert (
        post_form(client, f"/admin/users/{admin_user.id}/reset-two-factor", {"reason": "x"}, from_url="/").status_code
        == 403
    )
    admin = app.test_client()
    sign_in(admin, admin_user.email)
    assert admin.get(f"/admin/users/{admin_user.id}/reset-two-factor").status_code == 403
    assert (
        post_form(admin, f"/admin/users/{admin_user.id}/reset-two-factor", {"reason": "x"}, from_url="/").status_code
        == 403
    )
    assert admin_user.two_factor_enabled and commissioner.two_factor_enabled
    assert count_events("user.two_factor_reset") == 0


def count_events(action):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


# Providers may turn it on -------------------------------------------------------------------------------------------


def test_providers_may_turn_two_factor_on_and_off(client, db_session):
    provider = factories.make_provider()
    sign_in(client, provider.email)
    page = page_text(client.get("/account"))
    assert "Turn on" in page and "/account/two-factor/turn-on" in page

    response = set_up_authenticator(client, "/account/two-factor/turn-on")
    assert len(RECOVERY_CODE.findall(page_text(response))) == 10
    assert provider.two_factor_enabled
    assert signed_in(client)  # this session carries on
    assert "Turn off" in page_text(client.get("/account"))

    post_form(client, "/sign-out")
    assert password_only(client, provider.email).headers["Location"] == "/sign-in/code"
    assert enter(client, next_code(provider)).status_code == 302

    response = post_form(client, "/account/two-factor/turn-off", {"password": "not my password"})
    assert error_summary(response) == ["Enter your correct password"]
    assert provider.two_factor_enabled
    response = post_form(client, "/account/two-factor/turn-off", {"password": PASSWORD})
    assert response.headers["Location"] == "/account"
    assert not provider.two_factor_enabled and provider.totp_secret is None
    assert two_factor.recovery_codes_left(provider) == 0
    assert audit_actions(AuditEvent.object_type == "users", AuditEvent.object_id == provider.id) == [
        "user.two_factor_enabled",
        "user.two_factor_disabled",
    ]
    assert [email.subject for email in emails_to(provider.email)] == ["Two-factor authentication is turned off"]
    post_form(client, "/sign-out")
    assert password_only(client, provider.email).headers["Location"] == "/"


def test_a_provider_who_turns_it_on_is_asked_for_a_code_in_their_other_sessions(app, client, db_session):
    provider = factories.make_provider()
    elsewhere = app.test_client()
    sign_in(elsewhere, provider.email)
    sign_in(client, provider.email)
    set_up_authenticator(client, "/account/two-factor/turn-on")
    assert signed_in(client)
    response = elsewhere.get("/account")
    assert response.headers["Location"] == "/sign-in/code"
    assert enter(elsewhere, next_code(provider)).headers["Location"] == "/account"


def test_staff_cannot_turn_two_factor_off(client, db_session):
    user = factories.make_area_staff(Role.FINANCE)
    sign_in(client, user.email)
    assert "/account/two-factor/turn-off" not in page_text(client.get("/account"))
    response = post_form(client, "/account/two-factor/turn-off", {"password": PASSWORD}, from_url="/account")
    assert response.headers["Location"] == "/account"
    assert user.two_factor_enabled
    with pytest.raises(two_factor.AccountError):
        two_factor.turn_off(user, PASSWORD)


def test_a_provider_made_staff_while_signed_in_must_set_up_an_app_before_any_page(client, db_session):
    provider = factories.make_provider()
    sign_in(client, provider.email)
    db_session.add(Membership(user=provider, area=factories.area("N57EKNT"), role=Role.EVALUATOR))
    db_session.flush()
    response = client.get("/")
    assert response.headers["Location"] == "/sign-in/set-up-authenticator"
    assert not signed_in(client)
    response = set_up_authenticator(client)
    assert response.status_code == 200 and signed_in(client)


# Demo accounts -------------------------------------------------------------------------------------------------------------


def test_demo_code_prints_a_code_that_signs_in(app, client, db_session):
    user = factories.make_area_staff(Role.COMMISSIONER, email="commissioner@demo.test", totp_secret=DEMO_TOTP_SECRET)
    result = app.test_cli_runner().invoke(args=["demo-code", "commissioner@demo.test"])
    assert result.exit_code == 0, result.output
    code, note = result.output.splitlines()
    assert re.fullmatch(r"\d{6}", code) and "Each code works once" in note
    password_only(client, user.email)
    assert enter(client, code).status_code == 302
    assert signed_in(client)
    # The next one printed is still good: the current code was used, so it gives the next.
    again = app.test_cli_runner().invoke(args=["demo-code", "commissioner@demo.test"]).output.splitlines()[0]
    assert again != code
    other = app.test_client()
    password_only(other, user.email)
    assert enter(other, again).status_code == 302


def test_demo_code_refuses_accounts_without_the_demo_key_and_production(app, db_session, monkeypatch):
    factories.make_area_staff(Role.COMMISSIONER, email="real@example.org")
    result = app.test_cli_runner().invoke(args=["demo-code", "real@example.org"])
    assert result.exit_code != 0 and "not a demo account" in result.output
    factories.make_area_staff(Role.COMMISSIONER, email="commissioner@demo.test", totp_secret=DEMO_TOTP_SECRET)
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", ProductionConfig.DEMO_DATA_ALLOWED)
    result = app.test_cli_runner().invoke(args=["demo-code", "commissioner@demo.test"])
    assert result.exit_code != 0 and "refused in production" in result.output


def test_demo_staff_have_the_demo_key_and_demo_providers_none(demo_session):
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@demo.test")))}
    for email in (
        "admin@demo.test",
        "commissioner@demo.test",
        "evaluator@demo.test",
        "board@demo.test",
        "finance@demo.test",
    ):
        assert users[email].two_factor_enabled and users[email].totp_secret == DEMO_TOTP_SECRET, email
    for email in ("charity@demo.test", "cic@demo.test", "bigco@demo.test"):
        assert not users[email].two_factor_enabled, email
