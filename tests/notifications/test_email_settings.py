"""The email settings page, /account/emails: each person chooses each email as it happens
or one email a day, for themselves only; bad input is refused the GOV.UK way and changes
nothing."""

import pytest

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.notifications import EmailFrequency, OutboxEmail, queue_email

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in


def test_the_account_page_links_to_the_email_settings(client, db_session):
    user = factories.make_provider()
    sign_in(client, user.email)
    page = page_text(client.get("/account"))
    assert 'href="/account/emails"' in page and "Send each email as it happens" in page


def test_a_person_chooses_one_email_a_day_and_back(client, db_session):
    user = factories.make_provider()
    sign_in(client, user.email)
    page = page_text(client.get("/account/emails"))
    assert "One email a day with everything" in page and 'value="immediate" checked' in page
    response = post_form(client, "/account/emails", {"frequency": "daily"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    db.session.refresh(user)
    assert user.email_frequency == EmailFrequency.DAILY
    assert count(AuditEvent, AuditEvent.action == "user.email_frequency_changed") == 1
    assert "One email a day with everything" in page_text(client.get("/account"))
    # Saving the same choice again records nothing new.
    post_form(client, "/account/emails", {"frequency": "daily"})
    assert count(AuditEvent, AuditEvent.action == "user.email_frequency_changed") == 1


def test_going_back_to_each_email_releases_what_was_held(client, db_session, app):
    user = factories.make_provider(email_frequency=EmailFrequency.DAILY)
    with app.test_request_context():
        held = queue_email(
            user.email, "A change", "need_ended", user=user, need=_Need(), status=_Status(), reason="-", link="/"
        )
    db.session.flush()
    assert held.held_for_summary
    sign_in(client, user.email)
    post_form(client, "/account/emails", {"frequency": "immediate"})
    db.session.refresh(held)
    assert not held.held_for_summary and held.sent_at is None  # sent by the next send-emails


@pytest.mark.parametrize("choice", ["", "weekly", "DAILY", "daily' OR 1=1"])
def test_an_unknown_choice_keeps_the_page_with_a_govuk_error(client, db_session, choice):
    user = factories.make_provider()
    sign_in(client, user.email)
    response = post_form(client, "/account/emails", {"frequency": choice})
    assert response.status_code == 200
    assert error_summary(response) == ["Select how you want to get emails"]
    assert 'id="frequency-error"' in page_text(response)
    db.session.refresh(user)
    assert user.email_frequency == EmailFrequency.IMMEDIATE
    assert count(AuditEvent, AuditEvent.action == "user.email_frequency_changed") == 0


def test_only_a_signed_in_person_reaches_the_page_and_only_for_themselves(client, db_session):
    assert client.get("/account/emails").headers["Location"].startswith("/sign-in")
    assert client.post("/account/emails", data={"frequency": "daily"}).status_code in (302, 400)
    other = factories.make_area_staff(Role.COMMISSIONER)
    user = factories.make_provider()
    sign_in(client, user.email)
    # There is no user id in the address or the form: a crafted field changes nothing else.
    post_form(client, "/account/emails", {"frequency": "daily", "user_id": str(other.id), "email": other.email})
    db.session.refresh(other)
    db.session.refresh(user)
    assert other.email_frequency == EmailFrequency.IMMEDIATE and user.email_frequency == EmailFrequency.DAILY
    assert count(OutboxEmail) == 0


class _Need:
    title = "Allotment gardening in Thanet"


class _Status:
    label = "Withdrawn"
