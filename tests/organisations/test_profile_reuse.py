"""What the profile says once for every bid: the social value statement and the
safeguarding arrangements, saved, audited and shown; over their word limits refused with
a GOV.UK error and what was typed kept."""

import pytest

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db

from .. import factories
from ..helpers import count, error_summary, page_text, post_form
from .test_routes import _profile_data, _signed_in

STATEMENT = "We train and employ women with lived experience as peer mentors."
SAFEGUARDING = "Our safeguarding lead is Jo Smith. Every volunteer has an enhanced DBS check."


@pytest.fixture
def org(db_session):
    return factories.make_organisation("Margate Mentors")


def test_the_texts_reused_in_every_bid_are_saved_audited_and_shown(client, org):
    _signed_in(client, factories.make_provider(Role.OWNER, org))
    form_page = page_text(client.get(f"/organisations/{org.id}/edit"))
    assert "Reused in every bid" in form_page
    assert 'data-maxwords="500"' in form_page and 'data-maxwords="300"' in form_page
    events = count(AuditEvent)
    data = _profile_data(org, social_value_statement=STATEMENT, safeguarding=SAFEGUARDING)
    response = post_form(client, f"/organisations/{org.id}/edit", data)
    assert response.status_code == 302
    db.session.refresh(org)
    assert (org.social_value_statement, org.safeguarding) == (STATEMENT, SAFEGUARDING)
    assert count(AuditEvent) == events + 1
    event = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    assert event.action == "organisation.updated"
    assert event.before["social_value_statement"] == "" and event.after["social_value_statement"] == STATEMENT
    assert event.after["safeguarding"] == SAFEGUARDING
    shown = page_text(client.get(f"/organisations/{org.id}"))
    assert STATEMENT in shown and SAFEGUARDING in shown


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("social_value_statement", "word " * 501, "Your social value statement must be 500 words or fewer"),
        ("social_value_statement", "x" * 5001, "Your social value statement must be 5,000 characters or fewer"),
        ("safeguarding", "word " * 301, "Your safeguarding arrangements must be 300 words or fewer"),
        ("safeguarding", "Lead\u202e", "Your safeguarding arrangements must not contain hidden formatting characters"),
    ],
)
def test_a_reused_text_over_its_limit_is_refused_and_kept(client, org, field, value, message):
    _signed_in(client, factories.make_provider(Role.OWNER, org))
    events = count(AuditEvent)
    response = post_form(client, f"/organisations/{org.id}/edit", _profile_data(org, **{field: value}))
    assert response.status_code == 200
    assert message in error_summary(response)
    html = page_text(response)
    assert "govuk-error-message" in html and value.strip()[:40] in html  # kept in its box
    db.session.refresh(org)
    assert getattr(org, field) == "" and count(AuditEvent) == events


def test_an_unchanged_profile_records_nothing(client, org):
    org.social_value_statement = STATEMENT
    _signed_in(client, factories.make_provider(Role.OWNER, org))
    data = _profile_data(org, social_value_statement=STATEMENT, safeguarding="")
    post_form(client, f"/organisations/{org.id}/edit", data)
    events = count(AuditEvent)
    response = post_form(client, f"/organisations/{org.id}/edit", data)
    assert response.status_code == 302 and count(AuditEvent) == events
