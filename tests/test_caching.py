"""Nothing a signed-in person sees, and no download, is kept by a browser or a proxy:
`Cache-Control: private, no-store`. Public pages and the static assets may be cached. The
portal sets no remember-me cookie, and clears one with its flags."""

import pytest

from marketplace.accounts.models import Role

from . import factories
from .helpers import sign_in

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


def test_the_remember_me_cookie_is_only_ever_cleared_and_with_its_flags(app, client, db_session, monkeypatch):
    """The portal never sets a remember-me cookie; Flask-Login clears one when its "strong"
    session protection finds a session used from another browser (a changed User-Agent),
    and the clearing carries the same flags: HttpOnly, SameSite=Lax, and Secure when the
    app runs on HTTPS."""
    monkeypatch.setitem(app.config, "REMEMBER_COOKIE_SECURE", True)
    client.get("/sign-in", headers={"User-Agent": "first browser"})
    response = client.get("/sign-in", headers={"User-Agent": "another browser"})
    remember = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert remember, "the session was started afresh, clearing any remember-me cookie"
    for cookie in remember:
        assert cookie.startswith("remember_token=;") and "Max-Age=0" in cookie
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
