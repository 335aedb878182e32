"""Nothing a signed-in person sees, and no download, is kept by a browser or a proxy:
`Cache-Control: private, no-store`. Public pages and the static assets may be cached. The
portal sets no remember-me cookie, and clears one with its flags."""

import pytest
from flask import Response

from marketplace.accounts.models import Role
from marketplace.extensions import login_manager

from . import factories
from .helpers import post_form, sign_in

NO_STORE = "private, no-store"


@pytest.mark.parametrize("role", [Role.OWNER, Role.COMMISSIONER, Role.BOARD_MEMBER])
def test_signed_in_pages_are_not_stored(client, db_session, role):
    user = factories.make_provider(role) if role == Role.OWNER else factories.make_area_staff(role)
    sign_in(client, user.email)
    for url in ("/", "/needs", "/account"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == NO_STORE, url


def test_every_download_is_not_stored_even_a_public_document(client, db_session):
    """A published need's document, downloaded by anyone, and a board's CSV."""
    from marketplace.needs import documents

    need = factories.make_need()
    document = documents.store_document(need, filename="spec.csv", data=b"a,b\n1,2\n", actor=need.created_by)
    response = client.get(f"/needs/{need.id}/documents/{document.id}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == NO_STORE
    area = factories.area("N57EKNT")
    sign_in(client, factories.make_area_staff(Role.BOARD_MEMBER).email)
    response = client.get(f"/areas/{area.id}/decisions.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == NO_STORE


def test_public_pages_and_assets_are_not_marked_no_store(client, db_session):
    assert client.get("/needs").headers.get("Cache-Control") != NO_STORE
    assert client.get("/assets/css/govuk-frontend.min.css").headers.get("Cache-Control") != NO_STORE


def test_no_page_sets_or_clears_a_remember_me_cookie(client, db_session):
    """The portal never sets a remember-me cookie, so nothing need clear one: not on a
    visitor's pages, signing in, a signed-in person's pages, nor signing out."""
    responses = _pages(client)
    responses.append(sign_in(client, factories.make_provider().email))
    responses += _pages(client, "another browser")
    client.set_cookie("remember_token", "left by another site on this domain")
    responses.append(post_form(client, "/sign-out"))
    sent = [c for r in responses for c in r.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert sent == []


def test_a_remember_me_cookie_flask_login_clears_is_cleared_with_its_flags(app, monkeypatch):
    """Should Flask-Login clear one (its "strong" session protection does, for a session
    not kept past the browser's closing, which the portal never makes), the clearing
    carries the flags the portal's cookies have: HttpOnly, SameSite=Lax, Secure on HTTPS."""
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", True)
    response = Response()
    with app.test_request_context("/"):
        login_manager._clear_cookie(response)
    (cookie,) = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("remember_token=;") and "Max-Age=0" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def _pages(client, user_agent: str = "a browser"):
    return [client.get(url, headers={"User-Agent": user_agent}) for url in ("/", "/sign-in", "/needs", "/sign-in")]


def test_a_visitors_session_is_sent_once_not_again_with_every_page(client, db_session):
    """Nobody is signed in to a visitor's session (it holds the sign-in form's CSRF token),
    so it is written and sent when it starts and not again with each page they ask for,
    from the same browser or another: Flask-Login's session protection is for people's
    sessions (extensions._LoginManager)."""
    first = client.get("/sign-in", headers={"User-Agent": "a browser"})
    assert [c for c in first.headers.getlist("Set-Cookie") if c.startswith("session=")]
    token = client.get_cookie("session").value
    for user_agent in ("a browser", "another browser"):
        for response in _pages(client, user_agent):
            assert response.status_code == 200
            assert response.headers.getlist("Set-Cookie") == [], response.request.path
    assert client.get_cookie("session").value == token
