"""Signing in and out: who may, where they land, and the limits on guessing passwords."""

from urllib.parse import urlencode, urlsplit

import pytest

from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import PASSWORD, csrf_token, error_summary, page_text, post_form, sign_in
from . import (
    emails_to,
    link_in,
    rows,
    value_attribute,
)

WRONG = "Enter a correct email address and password"
TOO_MANY = "Too many failed sign-in attempts"


@pytest.fixture
def user(db_session):
    return factories.make_user("amira@example.org", name="Amira Hassan")


def test_sign_in_redirects_home_and_greets_the_user_by_name(client, user):
    response = sign_in(client, "amira@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Hello, Amira Hassan" in page_text(client.get("/"))
    assert client.get("/account").status_code == 200
    assert user.last_signed_in_at is not None


@pytest.mark.parametrize("typed", ["AMIRA@example.org", "  amira@EXAMPLE.org  "])
def test_sign_in_ignores_the_case_and_spaces_of_the_email(client, user, typed):
    response = sign_in(client, typed)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "email, password",
    [
        ("amira@example.org", "not the right password"),
        ("amira@example.org", PASSWORD.upper()),
        ("amira@example.org", PASSWORD + " "),
        ("nobody@example.org", PASSWORD),
        ("nobody@example.org", "not the right password"),
    ],
    ids=["wrong-password", "wrong-case", "trailing-space", "unknown-email", "unknown-both"],
)
def test_sign_in_refuses_a_wrong_password_and_an_unknown_email_with_the_same_message(client, user, email, password):
    before = rows()
    response = sign_in(client, email, password)
    assert response.status_code == 200
    assert error_summary(response) == [WRONG]
    html = page_text(response)
    assert value_attribute(email) in html  # the email is kept
    assert password not in html  # the password is not
    assert client.get("/account").status_code == 302
    assert rows() == before


@pytest.mark.parametrize(
    "email, password, messages",
    [
        ("", "", ["Enter your email address", "Enter your password"]),
        ("   ", PASSWORD, ["Enter your email address"]),
        ("amira@example.org", "", ["Enter your password"]),
        ("amira", PASSWORD, ["Enter an email address in the correct format, like name@example.com"]),
        (
            "<script>alert(1)</script>",
            PASSWORD,
            ["Enter an email address in the correct format, like name@example.com"],
        ),
        ("' OR 1=1 --", PASSWORD, ["Enter an email address in the correct format, like name@example.com"]),
        (
            "amira@example.org' OR '1'='1",
            PASSWORD,
            ["Enter an email address in the correct format, like name@example.com"],
        ),
        ("a" * 10_000, PASSWORD, ["Email address must be 254 characters or fewer"]),
        ("amira@example.org", "x" * 10_000, ["Password must be 128 characters or fewer"]),
        ("amira@example.org", "' OR 1=1 --", [WRONG]),
        ("amira@example.org", "\x00", [WRONG]),
        ("amira\x00@example.org", PASSWORD, None),
    ],
    ids=[
        "empty",
        "spaces",
        "no-password",
        "no-at",
        "html",
        "sql",
        "sql-suffix",
        "long-email",
        "long-password",
        "sql-password",
        "nul-password",
        "nul-email",
    ],
)
def test_sign_in_refuses_bad_input_without_a_server_error(client, user, email, password, messages):
    before = rows()
    response = sign_in(client, email, password)
    if messages is None:
        # NUL is dropped from an email address, as from any text: this one is then right.
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert error_summary(response) == messages
    html = page_text(response)
    assert "<script>alert(1)</script>" not in html
    if email.strip():
        assert value_attribute(email.strip().lower()) in html
    assert client.get("/account").status_code == 302
    assert rows() == before


def test_sign_in_tells_an_unverified_user_to_confirm_and_sends_a_new_link(client, db_session):
    factories.make_user("new@example.org", verified=False)
    before = rows()
    response = sign_in(client, "new@example.org")
    assert response.status_code == 200
    assert error_summary(response) == ["Confirm your email address before you sign in. We've sent you a new link"]
    assert value_attribute("new@example.org") in page_text(response)
    assert client.get("/account").status_code == 302
    [email] = emails_to("new@example.org")
    assert link_in(email).startswith("/verify-email/")
    assert rows() == {**before, "OutboxEmail": before["OutboxEmail"] + 1}


def test_sign_in_with_a_wrong_password_sends_an_unverified_user_nothing(client, db_session):
    factories.make_user("new@example.org", verified=False)
    response = sign_in(client, "new@example.org", "not the right password")
    assert error_summary(response) == [WRONG]
    assert emails_to("new@example.org") == []


def test_sign_in_refuses_a_deactivated_user(client, db_session):
    factories.make_user("gone@example.org", deactivated_at=utcnow())
    before = rows()
    response = sign_in(client, "gone@example.org")
    assert response.status_code == 200
    assert error_summary(response) == [
        "This account has been closed. Contact the service team if you think this is wrong"
    ]
    assert client.get("/account").status_code == 302
    assert rows() == before


def test_a_user_deactivated_while_signed_in_is_signed_out(client, user, db_session):
    sign_in(client, "amira@example.org")
    assert client.get("/account").status_code == 200
    user.deactivated_at = utcnow()
    db_session.commit()
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_in_page_redirects_a_signed_in_user_home(client, user):
    sign_in(client, "amira@example.org")
    response = client.get("/sign-in")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# Where sign-in leads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url, location",
    [
        ("/account", "/account"),
        ("/organisations", "/organisations"),
        ("https://evil.example/", "/"),
        ("http://evil.example/account", "/"),
        ("//evil.example", "/"),
        ("//evil.example/account", "/"),
        ("javascript:alert(1)", "/"),
        ("JavaScript:alert(1)", "/"),
        ("data:text/html,<script>alert(1)</script>", "/"),
        ("evil.example", "/"),
        ("account", "/"),
        ("", "/"),
        (" //evil.example", "/"),
        ("/\t/evil.example", "/"),
        ("/\r\n//evil.example", "/"),
        ("/account\r\nSet-Cookie: x=1", "/"),
        ("/\x00/evil.example", "/"),
        ("/\x7f", "/"),
    ],
)
def test_sign_in_follows_next_only_when_it_is_a_path_on_this_site(client, user, next_url, location):
    url = "/sign-in?" + urlencode({"next": next_url})
    response = post_form(client, url, {"email": "amira@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_a_next_with_a_control_character_is_ignored_not_a_500(client, user):
    response = post_form(
        client, "/sign-in?next=/%0D%0A//evil.example", {"email": "amira@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_sign_in_never_redirects_to_another_host_through_a_backslash(client, user):
    url = "/sign-in?" + urlencode({"next": "/\\evil.example"})
    response = post_form(client, url, {"email": "amira@example.org", "password": PASSWORD})
    location = response.headers["Location"]
    # Browsers read "/\evil.example" as "//evil.example": it must not reach them as that.
    assert "\\" not in location
    assert not location.startswith("//")
    assert urlsplit(location).netloc == ""


def test_account_page_sends_a_signed_out_visitor_to_sign_in_and_back(client, user):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=%2Faccount"
    response = post_form(client, response.headers["Location"], {"email": "amira@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/account"


# Limits on failed attempts ---------------------------------------------------------------------


def _attempt(client, email, password, address="127.0.0.1"):
    return sign_in(client, email, password, environ_base={"REMOTE_ADDR": address})


def test_sign_in_refuses_a_sixth_attempt_on_one_account_after_five_failures_even_with_the_right_password(client, user):
    for n in range(5):
        # From five different addresses, so only the per-account limit can trip.
        response = _attempt(client, "amira@example.org", f"wrong password {n}", address=f"10.0.0.{n + 1}")
        assert response.status_code == 200
        assert error_summary(response) == [WRONG]
    response = _attempt(client, "AMIRA@example.org", PASSWORD, address="10.0.0.99")
    assert response.status_code == 429
    assert TOO_MANY in page_text(response)
    assert client.get("/account").status_code == 302


def test_sign_in_limit_on_one_account_leaves_other_accounts_alone(client, user):
    factories.make_user("other@example.org")
    for n in range(5):
        _attempt(client, "amira@example.org", "wrong password", address=f"10.0.0.{n + 1}")
    response = _attempt(client, "other@example.org", PASSWORD, address="10.0.1.1")
    assert response.status_code == 302


def test_sign_in_refuses_a_sixth_attempt_from_one_address_across_different_emails(client, user):
    for n in range(5):
        response = _attempt(client, f"guess{n}@example.org", "wrong password")
        assert response.status_code == 200
    response = _attempt(client, "amira@example.org", PASSWORD)
    assert response.status_code == 429
    assert TOO_MANY in page_text(response)
    assert client.get("/account").status_code == 302
    # Another address is not held back.
    assert _attempt(client, "amira@example.org", PASSWORD, address="10.9.9.9").status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_limit(app, client, user):
    for _ in range(4):
        assert _attempt(client, "amira@example.org", "wrong password").status_code == 200
    for _ in range(6):
        browser = app.test_client()
        assert _attempt(browser, "amira@example.org", PASSWORD).status_code == 302
    # The fifth failure is still only a failure; the sixth attempt is refused.
    response = _attempt(client, "amira@example.org", "wrong password")
    assert response.status_code == 200
    assert error_summary(response) == [WRONG]
    assert _attempt(client, "amira@example.org", PASSWORD).status_code == 429


def test_form_errors_do_not_count_towards_the_limit(client, user):
    for _ in range(6):
        response = _attempt(client, "amira@example.org", "")
        assert error_summary(response) == ["Enter your password"]
    assert _attempt(client, "amira@example.org", PASSWORD).status_code == 302


def test_asking_for_the_sign_in_page_counts_nothing_towards_the_limit_and_is_never_refused(client, user):
    for _ in range(4):
        assert _attempt(client, "amira@example.org", "wrong password").status_code == 200
    for _ in range(10):
        assert client.get("/sign-in").status_code == 200
    assert error_summary(_attempt(client, "amira@example.org", "wrong password")) == [WRONG]
    assert _attempt(client, "amira@example.org", PASSWORD).status_code == 429
    response = client.get("/sign-in")  # still there, with its link to reset a password
    assert response.status_code == 200 and "Forgotten your password?" in page_text(response)


# Signing out -------------------------------------------------------------------------------------


def test_get_sign_out_shows_a_confirm_page_and_signs_nobody_out(client, user):
    sign_in(client, "amira@example.org")
    response = client.get("/sign-out")
    assert response.status_code == 200
    html = page_text(response)
    assert ">Sign out<" in html
    assert 'name="csrf_token"' in html
    assert client.get("/account").status_code == 200


def test_sign_out_post_signs_out_and_then_account_needs_sign_in(client, user):
    sign_in(client, "amira@example.org")
    response = post_form(client, "/sign-out")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "You have signed out." in page_text(client.get("/"))
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("token", [None, "", "not-a-token"])
def test_sign_out_post_without_a_good_csrf_token_is_refused(client, user, token):
    sign_in(client, "amira@example.org")
    data = {} if token is None else {"csrf_token": token}
    response = client.post("/sign-out", data=data)
    assert response.status_code == 400
    assert "Your form could not be sent" in page_text(response)
    assert client.get("/account").status_code == 200


def test_sign_out_post_with_another_sessions_csrf_token_is_refused(app, client, user):
    other = app.test_client()
    stolen = csrf_token(other, "/sign-in")
    sign_in(client, "amira@example.org")
    response = client.post("/sign-out", data={"csrf_token": stolen})
    assert response.status_code == 400
    assert client.get("/account").status_code == 200


def test_get_sign_out_when_signed_out_goes_home(client, db_session):
    response = client.get("/sign-out")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
