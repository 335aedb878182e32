"""Two-factor authentication in a real browser: a new member of staff sets up an
authenticator app at their first sign-in (QR code, the key to type, recovery codes), signs
in again with a recovery code; an admin resets it for a lost phone; a provider turns it on
and off from their account page.

Every page visited is checked by `tab` (see conftest.py): GOV.UK Frontend's JavaScript ran,
no console errors (Content-Security-Policy violations included), and no axe-core WCAG 2.2
A/AA violations.
"""

import re

import pyotp
import pytest
import sqlalchemy as sa

from marketplace.accounts import services as account_services
from marketplace.accounts.models import Membership, Role
from marketplace.extensions import db
from marketplace.reference.models import Area
from marketplace.timeutil import utcnow

from .conftest import DEMO_PASSWORD
from .test_accounts_journey import error_summary, service_navigation, sign_in

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails) every test, with the reason
    expect = None

pytestmark = pytest.mark.browser


def make_account(live_app, email: str, name: str, *, role: Role | None = None, secret: str | None = None) -> int:
    with live_app.app_context():
        user = account_services.create_user(email, name, DEMO_PASSWORD, verified=True)
        if secret:
            user.totp_secret, user.two_factor_enabled_at = secret, utcnow()
        if role is not None:
            area = db.session.scalar(sa.select(Area).where(Area.code == "N57EKNT"))
            db.session.add(Membership(user=user, area=area, role=role))
        db.session.commit()
        user_id = user.id
        db.session.remove()
    return user_id


def set_up_app(tab) -> list[str]:
    """On the set-up page: scan (here, read the key under "I cannot scan the QR code"),
    enter the app's code, and read the recovery codes."""
    page = tab.page
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    qr_code = page.get_by_role("img", name=re.compile(r"^QR code for your authenticator app"))
    expect(qr_code).to_be_visible()
    assert qr_code.evaluate("image => image.naturalWidth") > 100  # the SVG drew (CSP allows data: images)

    tab.click(page.get_by_role("button", name="Continue"))
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter the 6-digit code from your authenticator app"])

    page.get_by_text("I cannot scan the QR code").click()
    key = page.locator(".lp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", key)
    page.get_by_label("Enter the 6-digit code the app shows").fill(pyotp.TOTP(key).now())
    tab.click(page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = page.locator(".lp-recovery-codes li").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[2-9a-z]{4}-[2-9a-z]{4}-[2-9a-z]{4}", code) for code in codes)
    assert key not in page.content()
    return codes


def test_new_staff_set_up_an_app_at_first_sign_in_and_can_sign_in_with_a_recovery_code(tab, live_app):
    page = tab.page
    email = "new.evaluator@example.org"
    make_account(live_app, email, "Nia Evaluator", role=Role.EVALUATOR)

    sign_in(tab, email)
    expect(page).to_have_url(re.compile(r"/sign-in/set-up-authenticator$"))
    expect(service_navigation(page).get_by_role("button", name="Sign out")).to_have_count(0)
    codes = set_up_app(tab)
    tab.click(page.get_by_role("button", name="I have saved my recovery codes"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Nia Evaluator")
    tab.click(service_navigation(page).get_by_role("button", name="Sign out"))

    sign_in(tab, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    page.get_by_label("Code from your authenticator app").fill("000000")
    tab.click(page.get_by_role("button", name="Continue"))
    expect(page).to_have_title(re.compile(r"^Error: Enter the code"))
    expect(error_summary(page).get_by_role("link")).to_have_text(
        ["The code is not right. Check your authenticator app and try again"]
    )
    tab.click(page.get_by_role("link", name="I cannot use my authenticator app"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Use a recovery code")
    expect(page.get_by_role("main")).to_contain_text(
        "Ask the Local Partners service team to reset your two-factor authentication"
    )
    page.get_by_label("Recovery code").fill(codes[0].upper())
    tab.click(page.get_by_role("button", name="Continue"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Nia Evaluator")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("you have 9 left")


def test_an_admin_resets_two_factor_for_a_lost_phone(tab, live_app):
    page = tab.page
    user_id = make_account(
        live_app, "lost.phone@example.org", "Lee Commissioner", role=Role.COMMISSIONER, secret=pyotp.random_base32()
    )

    sign_in(tab, "admin@demo.test")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada Admin")
    tab.goto(f"/admin/users/{user_id}")
    tab.click(page.get_by_role("link", name="Reset two-factor authentication"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset two-factor authentication for Lee Commissioner")
    page.get_by_label("How did you check that the person asking is the account's owner?").fill(
        "Called back on the area office number"
    )
    tab.click(page.get_by_role("button", name="Reset two-factor authentication"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Two-factor authentication is reset for lost.phone@example.org"
    )
    expect(page.get_by_role("main")).to_contain_text("Not set up yet: asked at the next sign-in")
    expect(page.get_by_role("main")).to_contain_text(
        "user.two_factor_reset (Called back on the area office number) by admin@demo.test"
    )


def test_a_provider_turns_two_factor_on_and_off_from_their_account_page(tab, live_app):
    page = tab.page
    email = "careful.provider@example.org"
    make_account(live_app, email, "Cal Provider")

    sign_in(tab, email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Cal Provider")
    tab.goto("/account")
    tab.click(page.get_by_role("link", name="Turn on two-factor authentication"))
    set_up_app(tab)
    tab.click(page.get_by_role("button", name="I have saved my recovery codes"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("main")).to_contain_text("On: a code from your authenticator app")

    tab.click(page.get_by_role("link", name="Turn off two-factor authentication"))
    page.get_by_label("Your password").fill("not my password")
    tab.click(page.get_by_role("button", name="Turn off two-factor authentication"))
    expect(error_summary(page).get_by_role("link")).to_have_text(["Enter your correct password"])
    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    tab.click(page.get_by_role("button", name="Turn off two-factor authentication"))
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Two-factor authentication is turned off"
    )
    expect(page.get_by_role("main")).to_contain_text("Off")
