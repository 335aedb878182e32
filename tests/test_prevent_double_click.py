"""Every button that changes something (the submit button of a POST form) carries
data-prevent-double-click, so GOV.UK Frontend's JavaScript sends the form once however
fast it is clicked. The server makes each change once all the same
(tests/test_double_submit.py).

The attribute comes from one place, templates/govuk_frontend_jinja/components/button/
macro.html, which wraps the GOV.UK button macro; the few buttons written as plain HTML
carry it themselves. Checked three ways: the macro itself, the plain HTML buttons of
every template, and the pages the demo's people reach by following links.
"""

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from marketplace.contracts.models import Contract
from marketplace.demo.bids import FINISHED_NEED
from marketplace.extensions import db
from marketplace.needs.models import Need

from .crawl import DEMO_PEOPLE, crawl, shape
from .helpers import DEMO_PASSWORD, sign_in

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _button(params: str) -> str:
    return render_template_string(
        '{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}'
        "{{ govukButton(" + params + ") }}"
    )


def test_a_govuk_button_ignores_a_second_click_unless_told_otherwise(app):
    with app.test_request_context():
        assert 'data-prevent-double-click="true"' in _button('{"text": "Record the payment"}')
        assert 'data-module="govuk-button"' in _button('{"text": "Record the payment"}')
        assert 'data-prevent-double-click="false"' in _button('{"text": "Apply filters", "preventDoubleClick": false}')
        link = _button('{"text": "Post a need", "href": "/needs/new"}')
        assert link.lstrip().startswith("<a ") and "data-prevent-double-click" not in link


def test_a_form_submit_button_ignores_a_second_click(app):
    class ExampleForm(FlaskForm):
        submit = SubmitField("Approve the report", widget=GovSubmitInput())

    with app.test_request_context():
        html = str(ExampleForm(meta={"csrf": False}).submit())
    assert "<button" in html and 'data-prevent-double-click="true"' in html and "Approve the report" in html


# Plain HTML buttons in the templates ------------------------------------------------------

TAGS = re.compile(r"<form\b[^>]*>|</form>|<button\b[^>]*>", re.I)


def test_every_plain_html_submit_button_in_a_template_ignores_a_second_click():
    """A <button> written out in a template (not through govukButton) inside a POST form,
    or in a template that is part of one, must carry the attribute and the GOV.UK button
    module that reads it."""
    missing = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if "emails" in path.relative_to(TEMPLATES).parts:
            continue
        methods = []
        for tag in TAGS.finditer(path.read_text(encoding="utf-8")):
            text = tag.group(0)
            if text.lower() == "</form>":
                if methods:
                    methods.pop()
            elif text.lower().startswith("<form"):
                methods.append("post" if re.search(r'method="post"', text, re.I) else "get")
            elif (
                methods[-1:] != ["get"]
                and not re.search(r'type="(button|reset)"', text, re.I)
                and ('data-prevent-double-click="true"' not in text or 'data-module="govuk-button"' not in text)
            ):
                missing.append(f"{path.relative_to(TEMPLATES)}: {text}")
    assert missing == []


# The pages people reach ---------------------------------------------------------------------


def test_every_post_form_on_the_pages_people_reach_has_buttons_that_ignore_a_second_click(
    demo_app, demo_session, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("what a page draws does not depend on the database: once, on SQLite, is enough")
    app = demo_app
    # From the home page, and from the contract in delivery (a report waits for approval).
    need = db.session.scalar(sa.select(Need).where(Need.title == FINISHED_NEED))
    contract = db.session.scalar(sa.select(Contract).where(Contract.need_id == need.id))
    starts = ["/", f"/contracts/{contract.id}"]
    missing, actions = [], set()
    for email in DEMO_PEOPLE:
        client = app.test_client()
        assert sign_in(client, email, DEMO_PASSWORD).status_code == 302, email
        for url, page in crawl(client, starts):
            for form in page.forms:
                if form["method"] != "post":
                    continue
                actions.add(shape(urlsplit(form["action"] or url).path))
                for button in form["buttons"]:
                    if button.get("data-prevent-double-click") != "true" or button.get("data-module") != "govuk-button":
                        missing.append((email, url, form["action"], " ".join(button["text"].split())))
    assert missing == []
    # The crawl reached the forms that matter, not just the sign-out button.
    wanted = (
        "/sign-out",
        "/payments/<n>/record",
        "/contracts/<n>/milestones/<n>/report/review",
        "/needs/<n>/lots/<n>/award",
        "/bids/<n>/check",
    )
    assert [a for a in wanted if a not in actions] == []
