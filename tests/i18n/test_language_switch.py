"""English and Cymraeg: `?lang=` on any URL switches the page's language, which a cookie
keeps and, for a signed-in person, their profile; `<html lang>` says which it is; the
switch on every page links to the same page in the other language."""

import re

from marketplace.accounts.models import User
from marketplace.audit import AuditEvent
from marketplace.extensions import db

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in


def _html_lang(response) -> str:
    match = re.search(r'<html lang="([a-z]+)"', response.get_data(as_text=True))
    assert match
    return match.group(1)


def test_pages_are_in_english_until_welsh_is_chosen(client, db_session):
    response = client.get("/")
    assert _html_lang(response) == "en"
    page = page_text(response)
    assert 'href="/?lang=cy" hreflang="cy" lang="cy" rel="alternate">Cymraeg</a>' in page
    assert '<span aria-current="true">English</span>' in page


def test_lang_cy_on_any_url_shows_the_page_in_welsh_and_keeps_the_choice_in_a_cookie(client, db_session):
    response = client.get("/needs?lang=cy")
    assert _html_lang(response) == "cy"
    assert "Neidio i’r prif gynnwys" in page_text(response)  # the skip link
    assert "lang=cy" in response.headers["Set-Cookie"] and "HttpOnly" in response.headers["Set-Cookie"]
    # Later pages stay in Welsh without asking again; the switch goes back to English.
    later = client.get("/sign-in")
    assert _html_lang(later) == "cy"
    assert 'href="/sign-in?lang=en" hreflang="en" lang="en" rel="alternate">English</a>' in page_text(later)
    assert _html_lang(client.get("/sign-in?lang=en")) == "en"
    assert _html_lang(client.get("/")) == "en"


def test_the_switch_keeps_the_page_and_its_other_query_arguments(client, db_session):
    page = page_text(client.get("/needs?q=housing&page=2"))
    assert 'href="/needs?q=housing&amp;page=2&amp;lang=cy"' in page


def test_an_unknown_language_is_ignored(client, db_session):
    response = client.get("/?lang=fr")
    assert response.status_code == 200 and _html_lang(response) == "en"
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


def test_a_signed_in_person_who_switches_keeps_welsh_in_their_profile(client, db_session):
    user = factories.make_provider()
    sign_in(client, user.email)
    client.get("/account?lang=cy")
    db.session.refresh(user)
    assert user.language == "cy"
    assert count(AuditEvent, AuditEvent.action == "user.language_changed") == 1
    # On another browser (no cookie), their pages are in Welsh once they sign in.
    other = client.application.test_client()
    sign_in(other, user.email)
    assert _html_lang(other.get("/account")) == "cy"


def test_the_language_page_saves_the_choice(client, db_session):
    user = factories.make_provider()
    sign_in(client, user.email)
    page = page_text(client.get("/account"))
    assert 'href="/account/language"' in page
    response = post_form(client, "/account/language", {"language": "cy"})
    assert response.status_code == 302 and response.headers["Location"] == "/account?lang=cy"
    assert db.session.get(User, user.id).language == "cy"
    assert "Mae eich iaith wedi’i chadw." in page_text(client.get(response.headers["Location"]))


def test_the_language_page_refuses_what_is_not_a_language(client, db_session):
    user = factories.make_provider()
    sign_in(client, user.email)
    for bad in ({}, {"language": "fr"}, {"language": "x" * 5000}):
        response = post_form(client, "/account/language", bad)
        assert response.status_code == 200
        assert error_summary(response)
    assert db.session.get(User, user.id).language == "en"
    assert count(AuditEvent, AuditEvent.action == "user.language_changed") == 0


def test_the_language_switch_is_on_every_kind_of_page(client, db_session):
    """Signed out, signed in, an error page: each shows the switch to the other language."""
    assert 'lang="cy" rel="alternate">Cymraeg</a>' in page_text(client.get("/sign-in"))
    missing = client.get("/needs/999999")
    assert missing.status_code == 404 and 'lang="cy" rel="alternate">Cymraeg</a>' in page_text(missing)
    sign_in(client, factories.make_provider().email)
    assert 'lang="cy" rel="alternate">Cymraeg</a>' in page_text(client.get("/account"))
