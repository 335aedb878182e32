"""Accounts in a real browser: registering an organisation, confirming the email, signing
in and out, each demo role's home page, a wrong password, and editing a profile.

Every page visited is checked by `tab` (see conftest.py): GOV.UK Frontend's JavaScript ran,
no console errors, and no axe-core WCAG 2.2 A/AA violations.
"""

import re

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.notifications import OutboxEmail
from marketplace.organisations.models import Organisation

from .conftest import DEMO_PASSWORD, give_demo_code

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails) every test, with the reason
    expect = None

pytestmark = pytest.mark.browser

NEW_PASSWORD = "marsh kettle orchard lantern"


def sign_in(tab, email: str, password: str = DEMO_PASSWORD) -> None:
    page = tab.page
    tab.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    tab.click(page.get_by_role("button", name="Sign in", exact=True))
    give_demo_code(tab, email)


def error_summary(page):
    return page.locator(".govuk-error-summary")


def service_navigation(page):
    return page.locator(".govuk-service-navigation")


def latest_email_body(live_app, to: str) -> str:
    with live_app.app_context():
        body = db.session.scalar(
            sa.select(sa.func.coalesce(OutboxEmail.private_body, OutboxEmail.body))
            .where(OutboxEmail.to == to)
            .order_by(OutboxEmail.id.desc())
            .limit(1)
        )
        db.session.remove()
    assert body is not None, f"no email to {to} in the outbox"
    return body


def test_register_confirm_email_sign_in_and_sign_out(tab, live_app, live_server, tmp_path):
    page = tab.page
    email = "priya@medwayfoodhub.example"

    tab.goto("/register")
    expect(page.get_by_role("heading", level=1)).to_have_text("Register your organisation")

    # Nothing filled in: the GOV.UK error summary lists every missing answer.
    tab.click(page.get_by_role("button", name="Create account"))
    expect(page).to_have_title(re.compile(r"^Error: Register your organisation"))
    summary = error_summary(page)
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Enter your organisation's name",
            "Select your organisation's legal form",
            "Select your organisation's annual income",
            "Enter your full name",
            "Enter your email address",
            "Enter a password",
        ]
    )
    # GOV.UK Frontend's error summary takes focus, and its links move focus to the field.
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Enter your organisation's name").click()
    expect(page.get_by_label("Organisation name")).to_be_focused()

    # Filled in as a person would, finding each field by its label.
    page.get_by_label("Organisation name").fill("Medway Food Hub")
    page.get_by_label("Registered charity (trust or unincorporated association)").check()
    page.get_by_label("Charity number").fill("1187654")
    page.get_by_label("Under £100,000 a year").check()
    page.get_by_label("Your full name").fill("Priya Shah")
    page.get_by_label("Your email address").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    tab.click(page.get_by_role("button", name="Create account"))

    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    expect(page).to_have_title("Check your email - Local Partners")
    expect(page.get_by_role("main")).to_contain_text(f"We've sent a link to {email}")

    # The link in the email, as queued in the outbox.
    body = latest_email_body(live_app, email)
    match = re.search(r"(https?://\S+/verify-email/\S+)", body)
    assert match, f"no verification link in the email:\n{body}"
    link = match.group(1)
    assert link.startswith(live_server + "/"), link

    # Opened in the browser that registered: confirmed and signed in, with no second form.
    tab.goto(link)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your email address is confirmed and you are signed in."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Priya Shah")
    expect(page.get_by_role("heading", level=2, name="Medway Food Hub")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("The service team is checking your organisation's details")
    expect(service_navigation(page).get_by_role("link", name="Medway Food Hub")).to_be_visible()
    screenshot = tmp_path / "home-after-registration.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0

    tab.click(service_navigation(page).get_by_role("button", name="Sign out"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Commission local partners for probation")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("You have signed out.")
    nav = service_navigation(page)
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("link", name="Register an organisation")).to_be_visible()
    expect(nav.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(nav.get_by_role("link", name="Your account")).to_have_count(0)

    # Signed out for real: the account page asks to sign in again.
    tab.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Local Partners")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))

    # And back in with the password chosen at registration.
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    tab.click(page.get_by_role("button", name="Sign in", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


DEMO_HOMES = [
    ("admin@demo.test", "Ada Admin", ["Service administration"]),
    ("commissioner@demo.test", "Chloe Commissioner", ["Commissioning", "Payments to providers"]),
    ("evaluator@demo.test", "Evan Evaluator", ["Evaluating"]),
    ("board@demo.test", "Bola Board", ["Board", "Payments to providers"]),
    ("finance@demo.test", "Femi Finance", ["Finance", "Payments to providers"]),
    (
        "charity@demo.test",
        "Amira Hassan",
        ["Thanet Women's Centre", "What to do next", "Your bids", "Your contracts", "Payments on their way"],
    ),
    ("cic@demo.test", "Tom Okafor", ["Green Shoots Growing CIC", "What to do next", "Your bids"]),
    ("bigco@demo.test", "Richard Blake", ["Nationwide Justice Services Ltd", "What to do next", "Your bids"]),
]


@pytest.mark.parametrize("email, name, headings", DEMO_HOMES, ids=[e for e, _, _ in DEMO_HOMES])
def test_each_demo_login_lands_on_its_role_home_page(tab, email, name, headings):
    page = tab.page
    sign_in(tab, email)
    expect(page).to_have_title("Home - Local Partners")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello, {name}")
    # Exactly the sections for this account's role, and no other.
    expect(page.get_by_role("main").get_by_role("heading", level=2)).to_have_text(headings)
    expect(service_navigation(page).get_by_role("button", name="Sign out")).to_be_visible()


def test_wrong_password_is_refused_and_the_email_is_kept(tab):
    page = tab.page
    sign_in(tab, "charity@demo.test", "not the right password")

    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Local Partners")
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter a correct email address and password"])
    expect(page.locator(".govuk-error-message")).to_have_text(["Error: Enter a correct email address and password"])
    expect(page.get_by_label("Email address")).to_have_value("charity@demo.test")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    expect(service_navigation(page).get_by_role("button", name="Sign out")).to_have_count(0)


def test_govuk_frontend_javascript_works(tab):
    """Beyond the checks on every page: a component's behaviour, which needs the JS."""
    page = tab.page
    tab.goto("/sign-in")
    assert "govuk-frontend-supported" in page.evaluate("() => document.body.className")
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("type", "password")
    page.get_by_role("button", name="Show password").click()
    expect(password).to_have_attribute("type", "text")
    expect(page.get_by_role("button", name="Hide password")).to_be_visible()

    # On a phone the service navigation folds behind a "Menu" button that only the JS shows.
    page.set_viewport_size({"width": 375, "height": 700})
    nav = service_navigation(page)
    expect(nav.get_by_role("link", name="Register an organisation")).to_be_hidden()
    nav.get_by_role("button", name="Menu").click()
    expect(nav.get_by_role("link", name="Register an organisation")).to_be_visible()


def test_provider_edits_their_profile(tab, live_app):
    page = tab.page
    with live_app.app_context():
        organisation_id = db.session.scalar(
            sa.select(Organisation.id).where(Organisation.name == "Thanet Women's Centre")
        )
        db.session.remove()

    sign_in(tab, "charity@demo.test")
    tab.click(page.get_by_role("link", name="Check your organisation's profile"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thanet Women's Centre")
    tab.click(page.get_by_role("button", name="Edit profile"))
    expect(page).to_have_url(re.compile(rf"/organisations/{organisation_id}/edit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit your profile")

    west_kent = page.get_by_label("West Kent", exact=True)
    accommodation = page.get_by_label("Accommodation", exact=True)
    expect(page.get_by_label("East Kent", exact=True)).to_be_checked()
    expect(west_kent).not_to_be_checked()
    expect(accommodation).not_to_be_checked()
    west_kent.check()
    accommodation.check()
    tab.click(page.get_by_role("button", name="Save profile"))

    expect(page).to_have_url(re.compile(rf"/organisations/{organisation_id}$"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Profile saved.")
    summary = page.locator(".govuk-summary-list")
    expect(summary.locator(".govuk-summary-list__row", has_text="Probation delivery units served")).to_contain_text(
        "West Kent"
    )
    services = page.locator(".govuk-summary-list__key", has_text=re.compile(r"^\s*Services\s*$"))
    expect(summary.locator(".govuk-summary-list__row", has=services)).to_contain_text("Accommodation")
