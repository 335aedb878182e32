"""Helpers to drive the app through HTTP as a browser would: forms carry their CSRF token."""

import html as html_module
import re

import sqlalchemy as sa

from marketplace.extensions import db

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')

PASSWORD = "correct horse battery staple"


def csrf_token(client, url: str) -> str:
    response = client.get(url)
    match = CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {response.status_code})"
    return match.group(1) or match.group(2)


def post_form(client, url: str, data: dict | None = None, *, from_url: str | None = None, **kwargs):
    """POST a form as the browser would: with the CSRF token from the page it sits on."""
    token = csrf_token(client, from_url or url)
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


def sign_in(client, email: str, password: str = PASSWORD, **kwargs):
    return post_form(client, "/sign-in", {"email": email, "password": password}, **kwargs)


def page_text(response) -> str:
    return response.get_data(as_text=True)


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def error_summary(response) -> list[str]:
    """The messages listed in the GOV.UK error summary, in order."""
    html = page_text(response)
    block = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    if not block:
        return []
    return [
        html_module.unescape(re.sub(r"\s+", " ", m).strip())
        for m in re.findall(r"<a [^>]*>(.*?)</a>", block.group(1), re.S)
    ]
