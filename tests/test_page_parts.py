"""The GOV.UK page's fixed parts (header, footer, phase banner, skip link, service
navigation) are rendered once per process and kept (marketplace/page_parts.py): every page
is byte for byte what it is with them rendered on each request, for anyone signed in or
not, and nothing of one request (a CSRF token, a person's organisations) reaches another's
page. Each template imports the GOV.UK macros it calls, and only those."""

from pathlib import Path

import pytest
from jinja2 import Environment, nodes

from marketplace.accounts.models import Role

from . import factories
from .helpers import CSRF, PASSWORD, page_text, per_request_masked, sign_in

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
_masked = per_request_masked


def _same_with_and_without_the_cache(app, client, url: str, method: str = "get", **kwargs) -> None:
    app.config["CACHE_PAGE_PARTS"] = True
    getattr(client, method)(url, **kwargs)  # fills the cache (and shows any message once)
    cached = getattr(client, method)(url, **kwargs)
    app.config["CACHE_PAGE_PARTS"] = False
    uncached = getattr(client, method)(url, **kwargs)
    app.config["CACHE_PAGE_PARTS"] = True
    assert cached.status_code == uncached.status_code, url
    assert cached.mimetype == "text/html", url
    assert "govuk-footer" in cached.get_data(as_text=True), url
    assert _masked(cached) == _masked(uncached), url


def test_public_pages_are_byte_for_byte_the_same_with_the_parts_kept(app, client, db_session):
    need = factories.make_need()
    urls = ["/", "/sign-in", "/needs", f"/needs/{need.id}", "/areas", "/register", "/accessibility", "/no-such-page"]
    for url in urls:
        _same_with_and_without_the_cache(app, client, url)


def test_a_form_with_errors_is_byte_for_byte_the_same_with_the_parts_kept(app, client, db_session):
    def post():
        token = CSRF.search(client.get("/sign-in").get_data(as_text=True))
        return {"data": {"email": "", "password": "", "csrf_token": token.group(1) or token.group(2)}}

    app.config["CACHE_PAGE_PARTS"] = True
    cached = client.post("/sign-in", **post())
    app.config["CACHE_PAGE_PARTS"] = False
    uncached = client.post("/sign-in", **post())
    assert cached.status_code == uncached.status_code == 200
    assert "govuk-error-summary" in cached.get_data(as_text=True)
    assert _masked(cached) == _masked(uncached)


def test_a_blank_field_is_kept_and_what_a_person_typed_never_is(app, client, db_session):
    """A blank text, password or textarea field renders alike for everyone and is kept; a
    field with what someone typed, or with an error, is rendered for that request only."""
    kept = app.extensions["page_parts"].called
    kept.cache_clear()
    app.extensions["page_parts"].forms.cache_clear()  # the sign-in form, kept whole: rendered again
    page = client.get("/sign-in").get_data(as_text=True)
    blank = kept.cache_info().currsize
    assert blank >= 3  # the service navigation, the email field, the password field
    token = CSRF.search(page)
    typed = {"email": "someone.typed.this@example.org", "password": "not-their-password"}
    refused = client.post("/sign-in", data={**typed, "csrf_token": token.group(1) or token.group(2)})
    assert "someone.typed.this@example.org" in refused.get_data(as_text=True)
    assert kept.cache_info().currsize == blank
    _same_with_and_without_the_cache(app, client, "/sign-in", "post", data=typed)


def test_the_kept_sign_in_form_carries_each_sessions_own_csrf_token(app, db_session):
    """The sign-in page's form is kept whole for a GET (page_parts.form_part), its CSRF
    token filled in per request: each session gets its own, and only its own signs in."""
    factories.make_user(email="first@example.org")
    factories.make_user(email="second@example.org")
    first, second = app.test_client(), app.test_client()
    pages = [client.get("/sign-in") for client in (first, second)]
    tokens = [CSRF.search(page.get_data(as_text=True)) for page in pages]
    tokens = [token.group(1) or token.group(2) for token in tokens]
    assert tokens[0] != tokens[1]
    assert _masked(pages[0]) == _masked(pages[1])
    refused = first.post("/sign-in", data={"email": "first@example.org", "password": PASSWORD, "csrf_token": tokens[1]})
    assert refused.status_code != 302
    for client, email, token in ((first, "first@example.org", tokens[0]), (second, "second@example.org", tokens[1])):
        response = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, email


def _person(role):
    if role == "admin":
        return factories.make_user(admin=True)
    if role in (Role.OWNER, Role.MEMBER):
        return factories.make_provider(role)
    return factories.make_area_staff(role)


@pytest.mark.parametrize(
    "role", ["admin", Role.OWNER, Role.COMMISSIONER, Role.EVALUATOR, Role.BOARD_MEMBER, Role.FINANCE]
)
def test_each_roles_pages_are_byte_for_byte_the_same_with_the_parts_kept(app, client, db_session, role):
    sign_in(client, _person(role).email)
    for url in ("/", "/needs", "/account", "/no-such-page"):
        _same_with_and_without_the_cache(app, client, url)


def test_one_persons_navigation_never_reaches_anothers_page(app, db_session):
    """Two providers of different organisations, one after the other, with the parts kept:
    each sees their own organisation in the navigation, and their own sign-out form."""
    first = factories.make_provider(organisation=factories.make_organisation("Alder Women's Centre"))
    second = factories.make_provider(organisation=factories.make_organisation("Birch Housing Trust"))
    for person, own, other in ((first, "Alder", "Birch"), (second, "Birch", "Alder")):
        client = app.test_client()
        sign_in(client, person.email, PASSWORD)
        text = page_text(client.get("/account"))
        assert own in text and other not in text
        # The sign-out form in the navigation carries this session's token: it signs out.
        token = CSRF.search(client.get("/account").get_data(as_text=True))
        response = client.post("/sign-out", data={"csrf_token": token.group(1) or token.group(2)})
        assert response.status_code == 302
        assert client.get("/account").status_code == 302  # signed out: to the sign-in page


def _imports_and_calls(path: Path) -> tuple[set[str], set[str]]:
    """The GOV.UK macros a template imports, and the names of those it uses."""
    tree = Environment(extensions=["jinja2.ext.do", "jinja2.ext.i18n"]).parse(path.read_text())
    imported = {
        name if isinstance(name, str) else name[1]
        for node in tree.find_all(nodes.FromImport)
        if str(node.template.value).startswith("govuk_frontend_jinja/")
        for name in node.names
    }
    used = {node.name for node in tree.find_all(nodes.Name) if node.ctx == "load" and node.name.startswith("govuk")}
    return imported, used - {macro.name for macro in tree.find_all(nodes.Macro)}


def _templates():
    return sorted(p for p in TEMPLATES.rglob("*.html") if "govuk_frontend_jinja" not in p.relative_to(TEMPLATES).parts)


def test_templates_import_only_the_govuk_macros_they_call():
    """An import costs on every render, and base.html's used to reach every page."""
    unused = {}
    for path in _templates():
        imported, used = _imports_and_calls(path)
        if imported - used:
            unused[str(path.relative_to(TEMPLATES))] = sorted(imported - used)
    assert unused == {}


def test_templates_import_every_govuk_macro_they_call():
    """Not through base.html or a template that includes them: each names its own."""
    missing = {}
    for path in _templates():
        imported, used = _imports_and_calls(path)
        if used - imported:
            missing[str(path.relative_to(TEMPLATES))] = sorted(used - imported)
    assert missing == {}
    assert len(_templates()) > 100
