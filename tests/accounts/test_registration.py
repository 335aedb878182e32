"""Registering an organisation and its first user: what is written, and every way to get it wrong."""

import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role, User
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.organisations import forms as organisation_forms
from marketplace.organisations.models import IncomeBand, LegalForm, Organisation

from .. import factories
from ..helpers import PASSWORD, count, error_summary, page_text, post_form, sign_in
from . import (
    audit_actions,
    emails_to,
    link_in,
    rows,
    value_attribute,
)

GOOD = {
    "name": "Thanet Women's Centre",
    "legal_form": "registered_charity",
    "charity_number": "1123456",
    "company_number": "",
    "income_band": "micro",
    "your_name": "Amira Hassan",
    "email": "amira@example.org",
    "password": PASSWORD,
}

TEXT_FIELDS = ["name", "charity_number", "company_number", "your_name", "email", "password"]
ALL_FIELDS = TEXT_FIELDS + ["legal_form", "income_band"]

SQL = ["'; DROP TABLE users; --", "1 OR 1=1"]
HTML = ["<script>alert(1)</script>", "<b>x</b>"]


def register(client, **changes):
    return post_form(client, "/register", {**GOOD, **changes})


def assert_refused(response, before, *messages):
    """Re-rendered with exactly these errors, and nothing written."""
    assert response.status_code == 200, response.headers.get("Location")
    assert error_summary(response) == list(messages)
    assert "There is a problem" in page_text(response)
    assert rows() == before


# The happy path ---------------------------------------------------------------------------


def test_registration_creates_user_organisation_owner_membership_audit_and_one_email(client, db_session):
    before = rows()
    response = register(client, email="  Amira@Example.ORG ")

    assert response.status_code == 302
    assert response.headers["Location"] == "/register/check-your-email"
    after = rows()
    assert {k: after[k] - before[k] for k in after} == {
        "User": 1,
        "Organisation": 1,
        "Membership": 1,
        "Invitation": 0,
        "OutboxEmail": 1,
        "AuditEvent": 2,
    }

    user = db.session.scalar(sa.select(User).where(User.email == "amira@example.org"))
    assert user.name == "Amira Hassan"
    assert user.email_verified_at is None
    assert user.password_hash and PASSWORD not in user.password_hash
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.charity_number == "1123456"))
    assert organisation.name == "Thanet Women's Centre"
    assert organisation.legal_form == LegalForm.REGISTERED_CHARITY
    assert organisation.income_band == IncomeBand.MICRO
    assert organisation.company_number is None
    assert organisation.contact_email == "amira@example.org"
    assert organisation.verified_at is None
    [membership] = user.memberships
    assert (membership.organisation_id, membership.role) == (organisation.id, Role.OWNER)

    assert audit_actions(AuditEvent.actor_id == user.id) == ["user.registered", "organisation.registered"]
    [email] = emails_to("amira@example.org")
    assert email.subject == "Confirm your email address"
    assert link_in(email).startswith("/verify-email/")

    page = client.get(response.headers["Location"])
    assert "Check your email" in page_text(page)
    assert "amira@example.org" in page_text(page)


def test_registered_user_cannot_sign_in_until_the_email_is_verified(client, db_session):
    register(client)
    [email] = emails_to("amira@example.org")

    response = sign_in(client, "amira@example.org")
    assert response.status_code == 200
    assert error_summary(response) == ["Confirm your email address before you sign in. We've sent you a new link"]
    assert client.get("/account").status_code == 302

    # Opened in the browser that registered, the link confirms the address and signs in.
    assert client.get(link_in(email)).headers["Location"] == "/"
    assert "Hello, Amira Hassan" in page_text(client.get("/"))


def test_registering_from_a_need_takes_one_email_back_to_the_bid_signed_in(client, db_session):
    need = factories.make_need(title="Peer mentoring in Thanet")
    start = f"/needs/{need.id}/bid"
    need_page = page_text(client.get(f"/needs/{need.id}"))
    assert "Register your organisation to bid" in need_page
    assert f'href="/register?next=/needs/{need.id}/bid"' in client.get(f"/needs/{need.id}").get_data(as_text=True)

    response = post_form(client, f"/register?next={start}", GOOD, from_url=f"/register?next={start}")
    assert response.headers["Location"] == "/register/check-your-email"
    [email] = emails_to("amira@example.org")

    confirmed = client.get(link_in(email))
    assert confirmed.headers["Location"] == start
    page = client.get(start)
    assert page.status_code == 200
    assert "Peer mentoring in Thanet" in page_text(page)
    assert "Hello, Amira Hassan" in page_text(client.get("/"))


def test_a_confirmation_link_opened_in_another_browser_confirms_but_does_not_sign_in(app, client, db_session):
    need = factories.make_need()
    start = f"/needs/{need.id}/bid"
    post_form(client, f"/register?next={start}", GOOD, from_url=f"/register?next={start}")
    [email] = emails_to("amira@example.org")

    elsewhere = app.test_client()
    confirmed = elsewhere.get(link_in(email))
    assert confirmed.headers["Location"] == f"/sign-in?next=/needs/{need.id}/bid"
    assert db.session.scalar(sa.select(User).where(User.email == "amira@example.org")).email_verified_at is not None
    assert elsewhere.get("/account").status_code == 302  # not signed in
    signed_in = post_form(
        elsewhere, confirmed.headers["Location"], {"email": "amira@example.org", "password": PASSWORD}
    )
    assert signed_in.headers["Location"] == start


@pytest.mark.parametrize("target", ["https://evil.example/bid", "//evil.example/bid", "/\\evil.example", "bid"])
def test_the_confirmation_link_only_ever_leads_to_a_page_of_this_site(client, db_session, target):
    url = f"/register?next={quote(target, safe='')}"
    assert post_form(client, url, GOOD).headers["Location"] == "/register/check-your-email"
    [email] = emails_to("amira@example.org")
    assert client.get(link_in(email)).headers["Location"] == "/"


def test_registration_page_redirects_a_signed_in_user_home(client, db_session):
    user = factories.make_user()
    sign_in(client, user.email)
    response = client.get("/register")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "legal_form, charity_number, company_number, stored_charity, stored_company",
    [
        ("registered_charity", "1 123 456", "", "1123456", None),
        ("cio", "223456", "", "223456", None),
        ("cic", "", "1234567", None, "01234567"),
        ("company_limited_by_shares", "", " sc 123456 ", None, "SC123456"),
        ("clg", "", "12345678", None, "12345678"),
        ("clg", "1123456", "12345678", "1123456", "12345678"),
        ("community_benefit_society", "", "", None, None),
        ("community_group", "", "", None, None),
        ("public_body", "", "", None, None),
    ],
)
def test_registration_normalises_register_numbers_for_each_legal_form(
    client, db_session, legal_form, charity_number, company_number, stored_charity, stored_company
):
    response = register(client, legal_form=legal_form, charity_number=charity_number, company_number=company_number)
    assert response.status_code == 302, error_summary(response)
    organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == GOOD["name"]))
    assert organisation.legal_form == LegalForm(legal_form)
    assert (organisation.charity_number, organisation.company_number) == (stored_charity, stored_company)


def test_registration_accepts_a_seven_digit_company_number_and_pads_it_to_eight(client, db_session):
    response = register(client, legal_form="cic", charity_number="", company_number="1234567")
    assert response.status_code == 302, error_summary(response)
    assert (
        db.session.scalar(sa.select(Organisation.company_number).where(Organisation.name == GOOD["name"])) == "01234567"
    )


@pytest.mark.parametrize(
    "password",
    [
        "kettle marsh",
        "orchard lantern " * 8,
        "'; DROP TABLE users; --",
        "<script>alert(1)</script>",
    ],
    ids=["12 characters", "128 characters", "sql", "markup"],
)
def test_registration_accepts_any_hard_to_guess_password_of_12_to_128_characters_and_it_signs_in(
    client, db_session, password
):
    assert register(client, password=password).status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "amira@example.org"))
    user.email_verified_at = user.created_at
    db.session.commit()
    response = sign_in(client, "amira@example.org", password)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    "password, advice",
    [
        ("aaaaaaaaaaaa", 'Repeats like "aaa" are easy to guess.'),
        ("password1234", "This is a very common password."),
        ("qwertyuiop12", "This is similar to a commonly used password."),
        ("amira@example.org1", None),
        ("Amira Hassan 1990", None),
    ],
    ids=["repeats", "common", "keyboard", "email", "own name"],
)
def test_registration_refuses_a_guessable_password_with_advice_and_nothing_written(
    client, db_session, password, advice
):
    users = count(User)
    response = register(client, password=password)
    assert response.status_code == 200
    [message] = error_summary(response)
    assert message.startswith("Password is too easy to guess.")
    if advice:
        assert advice in message
    assert count(User) == users


# Missing and empty fields -------------------------------------------------------------------

REQUIRED = [
    ("name", "Enter your organisation's name"),
    ("legal_form", "Select your organisation's legal form"),
    ("charity_number", "Enter your charity number"),
    ("income_band", "Select your organisation's annual income"),
    ("your_name", "Enter your full name"),
    ("email", "Enter your email address"),
    ("password", "Enter a password"),
]


@pytest.mark.parametrize("field, message", REQUIRED)
@pytest.mark.parametrize("blank", ["", "   ", None], ids=["empty", "spaces", "missing"])
def test_registration_refuses_each_required_field_left_blank(client, db_session, field, message, blank):
    before = rows()
    data = {**GOOD, field: blank}
    if blank is None:
        del data[field]
    response = post_form(client, "/register", data)
    assert_refused(response, before, message)
    html = page_text(response)
    # Everything else typed is kept.
    for other in ("name", "your_name", "email", "charity_number"):
        if other != field:
            assert value_attribute(GOOD[other]) in html
    assert PASSWORD not in html


def test_registration_of_an_empty_form_lists_every_problem_in_page_order(client, db_session):
    before = rows()
    response = post_form(client, "/register", {})
    assert_refused(
        response,
        before,
        "Enter your organisation's name",
        "Select your organisation's legal form",
        "Select your organisation's annual income",
        "Enter your full name",
        "Enter your email address",
        "Enter a password",
    )


# Too long -----------------------------------------------------------------------------------

OVERLONG = [
    ("name", "Organisation name must be 200 characters or fewer"),
    ("charity_number", "Charity number must be 20 characters or fewer"),
    ("company_number", "Company number must be 20 characters or fewer"),
    ("your_name", "Your full name must be 120 characters or fewer"),
    ("email", "Your email address must be 254 characters or fewer"),
    ("password", "Password must be 128 characters or fewer"),
]


@pytest.mark.parametrize("field, message", OVERLONG)
def test_registration_refuses_10000_characters_in_every_text_field(client, db_session, field, message):
    value = {
        "charity_number": "1" * 10_000,
        "company_number": "1" * 10_000,
        "email": "a" * 9_988 + "@example.org",
    }.get(field, "x" * 10_000)
    before = rows()
    response = register(client, **{field: value})
    assert_refused(response, before, message)
    if field != "password":
        assert value_attribute(value) in page_text(response)
    else:
        assert value not in page_text(response)


@pytest.mark.parametrize("field, limit", [("name", 200), ("your_name", 120)])
def test_registration_accepts_names_of_exactly_the_maximum_length(client, db_session, field, limit):
    response = register(client, **{field: "n" * limit})
    assert response.status_code == 302, error_summary(response)


# Email address ------------------------------------------------------------------------------

MALFORMED_EMAILS = [
    "amira",
    "amira.example.org",
    "amira@",
    "@example.org",
    "amira@@example.org",
    "amira@example",
    "amira hassan@example.org",
    "amira@exam ple.org",
    "amira@example..org",
    ".amira@example.org",
    "amira@-example.org",
    "amira@example.org, other@example.org",
    "amira@example.org\nbcc:other@example.org",
]


@pytest.mark.parametrize("email", MALFORMED_EMAILS)
def test_registration_refuses_a_malformed_email_address(client, db_session, email):
    before = rows()
    response = register(client, email=email)
    assert_refused(response, before, "Enter an email address in the correct format, like name@example.com")
    if "\n" not in email:
        assert value_attribute(email.strip().lower()) in page_text(response)


@pytest.mark.parametrize(
    "existing, typed",
    [
        ("Someone@Example.org", "someone@example.org"),
        ("someone@example.org", "Someone@Example.org"),
        ("someone@example.org", "  SOMEONE@EXAMPLE.ORG  "),
    ],
)
def test_registering_an_address_that_has_an_account_says_the_same_as_a_new_one_and_emails_the_owner(
    app, client, db_session, existing, typed
):
    """No account enumeration: the answer is the same "Check your email" as for a new
    registration; no organisation or user is made; the owner is emailed the ways back in."""
    owner = factories.make_user(existing)
    before = rows()
    response = register(client, email=typed)
    assert response.status_code == 302 and response.headers["Location"] == "/register/check-your-email"
    after = rows()
    assert {**after, "OutboxEmail": 0} == {**before, "OutboxEmail": 0}
    assert after["OutboxEmail"] == before["OutboxEmail"] + 1
    taken = page_text(client.get("/register/check-your-email"))
    newcomer = app.test_client()
    assert register(newcomer, email="newcomer@example.org").headers["Location"] == "/register/check-your-email"
    new = page_text(newcomer.get("/register/check-your-email"))
    main = re.compile(r"<main.*</main>", re.S)
    assert main.search(taken).group().replace("someone@example.org", "ADDRESS") == (
        main.search(new).group().replace("newcomer@example.org", "ADDRESS")
    )
    [email] = emails_to(owner.email)
    assert email.subject == "You already have a Local Partners account"
    assert "/sign-in" in email.body and "/password/forgot" in email.body


def test_registration_race_on_the_same_email_is_refused_without_an_error_page(client, db_session, monkeypatch):
    """Two people register one address at once: the check passes for both, the database refuses one."""
    from marketplace.accounts import services

    factories.make_user("amira@example.org")
    db_session.commit()  # the view's rollback must not take it away
    monkeypatch.setattr(services, "email_taken", lambda email: False)
    before = rows()
    response = register(client)
    assert_refused(
        response,
        before,
        "This email address, charity number or company number was registered a moment ago. Check them and try again",
    )


def test_registration_race_on_the_same_charity_number_is_refused_without_an_error_page(client, db_session, monkeypatch):
    factories.make_organisation(charity_number="1123456")
    db_session.commit()  # the view's rollback must not take it away
    monkeypatch.setattr(organisation_forms.OrganisationDetailsForm, "_taken", lambda self, column, value: False)
    before = rows()
    response = register(client)
    assert_refused(
        response,
        before,
        "This email address, charity number or company number was registered a moment ago. Check them and try again",
    )


# Charity and company numbers ----------------------------------------------------------------

CHARITY_FORMAT = "Enter a charity number in the correct format, like 1123456"
COMPANY_FORMAT = "Enter a company number in the correct format, like 01234567"


@pytest.mark.parametrize("legal_form", ["registered_charity", "cio"])
@pytest.mark.parametrize(
    "number",
    [
        "ABC1234",
        "12345",
        "12345678",
        "1123456A",
        "11-23456",
        "١١٢٣٤٥٦",  # Arabic-Indic digits: \d matches them, the register does not use them
        "１１２３４５６",  # full-width digits
    ],
)
def test_registration_refuses_a_charity_number_in_the_wrong_format(client, db_session, legal_form, number):
    before = rows()
    response = register(client, legal_form=legal_form, charity_number=number)
    assert_refused(response, before, CHARITY_FORMAT)
    assert value_attribute(number) in page_text(response)


@pytest.mark.parametrize("legal_form", ["registered_charity", "cio"])
def test_registration_requires_a_charity_number_for_a_registered_charity_and_a_cio(client, db_session, legal_form):
    before = rows()
    response = register(client, legal_form=legal_form, charity_number="")
    assert_refused(response, before, "Enter your charity number")


@pytest.mark.parametrize("legal_form", ["cic", "company_limited_by_shares", "clg"])
def test_registration_requires_a_company_number_for_cics_and_companies(client, db_session, legal_form):
    before = rows()
    response = register(client, legal_form=legal_form, charity_number="", company_number="")
    assert_refused(response, before, "Enter your company number")


@pytest.mark.parametrize(
    "number", ["123456789", "ABCD1234", "SC12345", "S1234567", "0123456٧", "1234567８", "12-34-56"]
)
def test_registration_refuses_a_company_number_in_the_wrong_format(client, db_session, number):
    before = rows()
    response = register(client, legal_form="cic", charity_number="", company_number=number)
    assert_refused(response, before, COMPANY_FORMAT)


@pytest.mark.parametrize(
    "legal_form, field, message",
    [
        ("cic", "charity_number", "Leave the charity number blank: a community interest company does not have one"),
        (
            "company_limited_by_shares",
            "charity_number",
            "Leave the charity number blank: a company limited by shares does not have one",
        ),
        (
            "registered_charity",
            "company_number",
            "Leave the company number blank: a registered charity does not have one",
        ),
        (
            "community_group",
            "charity_number",
            "Leave the charity number blank: a constituted community group does not have one",
        ),
        ("public_body", "company_number", "Leave the company number blank: a public body does not have one"),
    ],
)
def test_registration_refuses_a_register_number_the_legal_form_does_not_have(
    client, db_session, legal_form, field, message
):
    data = {"charity_number": "", "company_number": ""}
    if legal_form in ("cic", "company_limited_by_shares"):
        data["company_number"] = "01234567"
    if legal_form == "registered_charity":
        data["charity_number"] = "1123456"
    data[field] = "1123456" if field == "charity_number" else "01234567"
    before = rows()
    response = register(client, legal_form=legal_form, **data)
    assert_refused(response, before, message)


def test_registration_refuses_a_charity_number_already_registered(client, db_session):
    factories.make_organisation(charity_number="1123456")
    before = rows()
    response = register(client, charity_number=" 1123 456 ")
    assert_refused(response, before, "An organisation with this charity number is already registered")


@pytest.mark.parametrize("typed", ["1234567", "01234567", " 0123 4567 "])
def test_registration_refuses_a_company_number_already_registered(client, db_session, typed):
    factories.make_organisation(legal_form=LegalForm.CIC, company_number="01234567")
    before = rows()
    response = register(client, legal_form="cic", charity_number="", company_number=typed)
    assert_refused(response, before, "An organisation with this company number is already registered")


def test_registration_refuses_a_company_number_already_registered_in_lower_case(client, db_session):
    factories.make_organisation(legal_form=LegalForm.CIC, company_number="SC123456")
    before = rows()
    response = register(client, legal_form="company_limited_by_shares", charity_number="", company_number="sc123456")
    assert_refused(response, before, "An organisation with this company number is already registered")


# Crafted choices ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["charity", "REGISTERED_CHARITY", "Registered charity", "<script>alert(1)</script>", "' OR 1=1 --", " cio"]
)
def test_registration_refuses_an_unknown_legal_form(client, db_session, value):
    before = rows()
    response = register(client, legal_form=value)
    assert_refused(response, before, "Select your organisation's legal form")
    assert "<script>alert(1)</script>" not in page_text(response)


@pytest.mark.parametrize("value", ["huge", "MICRO", "0", "<b>x</b>", "'; DROP TABLE users; --"])
def test_registration_refuses_an_unknown_income_band(client, db_session, value):
    before = rows()
    response = register(client, income_band=value)
    assert_refused(response, before, "Select your organisation's annual income")
    assert "<b>x</b>" not in page_text(response)


def test_registration_keeps_the_chosen_radios_when_it_is_refused(client, db_session):
    response = register(client, legal_form="cio", charity_number="12", income_band="large")
    html = page_text(response)
    assert 'value="cio" checked' in html
    assert 'value="large" checked' in html
    assert 'value="registered_charity" checked' not in html


# Passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password, message",
    [
        ("a" * 11, "Password must be 12 characters or more"),
        ("short", "Password must be 12 characters or more"),
        ("a" * 129, "Password must be 128 characters or fewer"),
        ("amira@example.org", "Password must not be your email address"),
        ("Amira@Example.org", "Password must not be your email address"),
        (" AMIRA@EXAMPLE.ORG ", "Password must not be your email address"),
    ],
)
def test_registration_refuses_a_weak_or_overlong_password(client, db_session, password, message):
    before = rows()
    response = register(client, password=password)
    assert_refused(response, before, message)
    html = page_text(response)
    assert value_attribute(GOOD["your_name"]) in html
    assert value_attribute(GOOD["email"]) in html
    assert re.search(r'<input[^>]*name="password"[^>]*>', html)
    assert not re.search(r'<input[^>]*name="password"[^>]*value="[^"]', html)  # a password is never sent back


# Markup and SQL ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HTML)
@pytest.mark.parametrize(
    "field, message",
    [
        ("name", "Organisation name must not contain < or >"),
        ("your_name", "Your full name must not contain < or >"),
    ],
)
def test_registration_refuses_markup_in_names_and_shows_it_back_escaped(client, db_session, field, message, value):
    before = rows()
    response = register(client, **{field: value})
    assert_refused(response, before, message)
    html = page_text(response)
    assert value not in html
    assert value_attribute(value) in html


TOO_LONG_NUMBER = "{} must be 20 characters or fewer"
EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.com"


def shown_back(field: str, value: str) -> str:
    """What the form puts back in the box: the value after the field's filters."""
    if field == "email":
        return value.strip().lower()
    if field == "charity_number":
        return "".join(value.split())
    if field == "company_number":
        return "".join(value.split()).upper()
    return value


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "<script>alert(1)</script>", EMAIL_FORMAT),
        ("email", "<b>x</b>", EMAIL_FORMAT),
        ("email", "<script>@example.org", EMAIL_FORMAT),
        ("charity_number", "<script>alert(1)</script>", TOO_LONG_NUMBER.format("Charity number")),
        ("charity_number", "<b>x</b>", CHARITY_FORMAT),
        ("company_number", "<script>alert(1)</script>", TOO_LONG_NUMBER.format("Company number")),
        ("company_number", "<b>x</b>", "Leave the company number blank: a registered charity does not have one"),
    ],
)
def test_registration_refuses_markup_in_other_fields_and_never_renders_it(client, db_session, field, value, message):
    before = rows()
    response = register(client, **{field: value})
    assert_refused(response, before, message)
    html = page_text(response)
    assert value not in html
    assert shown_back(field, value) not in html
    assert value_attribute(shown_back(field, value)) in html  # shown back, escaped


@pytest.mark.parametrize("value", SQL)
@pytest.mark.parametrize("field", ["name", "your_name"])
def test_registration_stores_sql_in_a_name_as_plain_text(client, db_session, field, value):
    response = register(client, **{field: value})
    assert response.status_code == 302, error_summary(response)
    user = db.session.scalar(sa.select(User).where(User.email == "amira@example.org"))
    organisation = user.organisations[0]
    assert (organisation.name if field == "name" else user.name) == value
    # Every table is still there and still answers.
    assert {k: v >= 1 for k, v in rows().items() if k in ("User", "Organisation", "Membership")} == {
        "User": True,
        "Organisation": True,
        "Membership": True,
    }


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("email", "'; DROP TABLE users; --", EMAIL_FORMAT),
        ("email", "1 OR 1=1", EMAIL_FORMAT),
        ("charity_number", "'; DROP TABLE users; --", CHARITY_FORMAT),
        ("charity_number", "1 OR 1=1", CHARITY_FORMAT),
        (
            "company_number",
            "'; DROP TABLE users; --",
            "Leave the company number blank: a registered charity does not have one",
        ),
        ("company_number", "1 OR 1=1", "Leave the company number blank: a registered charity does not have one"),
    ],
)
def test_registration_refuses_sql_in_formatted_fields(client, db_session, field, value, message):
    before = rows()
    response = register(client, **{field: value})
    assert_refused(response, before, message)
    assert value_attribute(shown_back(field, value)) in page_text(response)


@pytest.mark.parametrize("value", ["'; DROP TABLE users; --", "1 OR 1=1"])
def test_registration_refuses_sql_as_a_company_number_for_a_company(client, db_session, value):
    before = rows()
    response = register(client, legal_form="cic", charity_number="", company_number=value)
    assert_refused(response, before, COMPANY_FORMAT)


def test_registration_with_sql_in_the_email_does_not_touch_other_accounts(client, db_session):
    factories.make_user("someone@example.org")
    before = rows()
    response = register(client, email="someone@example.org' OR '1'='1")
    assert_refused(response, before, "Enter an email address in the correct format, like name@example.com")


# Whatever is typed, never a server error -----------------------------------------------------

NASTY = [
    "\x00",
    "abc\x00def",
    "\u202eevil",
    "😀" * 60,
    "{{ 7 * 7 }}",
    "{% raw %}",
    "%s%s%s%n",
    "../../etc/passwd",
    "null",
    "\r\n\r\nSet-Cookie: a=b",
    "Ω≈ç√∫˜µ≤≥÷",
    "\ufeff",
]


@pytest.mark.parametrize("value", NASTY, ids=[f"nasty{i}" for i in range(len(NASTY))])
@pytest.mark.parametrize("field", ALL_FIELDS)
def test_registration_never_gives_a_server_error(client, db_session, field, value):
    response = register(client, **{field: value})
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        user = db.session.scalar(sa.select(User).where(User.email == "amira@example.org"))
        organisation = user.organisations[0]
        for stored in (user.name, user.email, organisation.name, organisation.charity_number or ""):
            assert "\x00" not in stored
    else:
        assert error_summary(response)


def test_registration_shows_template_syntax_in_a_name_literally(client, db_session):
    assert register(client, your_name="{{ 7 * 7 }} {% if true %}yes{% endif %}").status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "amira@example.org"))
    user.email_verified_at = user.created_at
    db.session.commit()
    sign_in(client, "amira@example.org")
    html = page_text(client.get("/"))
    assert "Hello, {{ 7 * 7 }} {% if true %}yes{% endif %}" in html
