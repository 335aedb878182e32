"""An email goes in its recipient's language: the one kept in their profile, whatever the
language of the page that sent it; someone who registers on a Welsh page has Welsh kept
in their new profile, so their confirmation email is in Welsh. The account pages, their
own messages and WTForms' built-in ones are Welsh on a Welsh page."""

import sqlalchemy as sa
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from marketplace.accounts.models import User
from marketplace.extensions import db

from .. import factories
from ..accounts import emails_to
from ..helpers import PASSWORD, error_summary, page_text, post_form


def _request_reset(client, email: str, lang: str) -> None:
    response = post_form(client, f"/password/forgot?lang={lang}", {"email": email})
    assert response.status_code == 200


def test_an_email_goes_in_its_recipients_language_not_the_pages(client, db_session):
    factories.make_user("cerys@example.org", name="Cerys", language="cy")
    factories.make_user("sam@example.org", name="Sam", language="en")

    # Asked for on an English page, Cerys's email is in Welsh; on a Welsh page, Sam's is in English.
    _request_reset(client, "cerys@example.org", "en")
    _request_reset(client, "sam@example.org", "cy")

    [welsh] = emails_to("cerys@example.org")
    assert welsh.subject == "Ailosod eich cyfrinair"
    assert welsh.language == "cy"  # the admin's outbox marks it lang="cy"
    assert welsh.body.startswith("Helo Cerys,")
    assert "I ddewis cyfrinair newydd, agorwch y ddolen hon:" in welsh.body
    assert "Mae’r ddolen yn gweithio am 60 munud a dim ond unwaith." in welsh.body
    assert "Someone asked" not in welsh.body and "The link" not in welsh.body

    [english] = emails_to("sam@example.org")
    assert english.subject == "Reset your password"
    assert english.language == "en"
    assert english.body.startswith("Hello Sam,")
    assert "The link works for 60 minutes and only once." in english.body
    assert "Helo" not in english.body and "cyfrinair" not in english.body


def test_registering_on_a_welsh_page_keeps_welsh_and_the_confirmation_email_is_in_welsh(client, db_session):
    form = {
        "name": "Canolfan Menywod Caerdydd",
        "legal_form": "registered_charity",
        "charity_number": "1123456",
        "company_number": "",
        "income_band": "micro",
        "your_name": "Nia Davies",
        "email": "nia@example.org",
        "password": PASSWORD,
    }
    response = post_form(client, "/register?lang=cy", form)
    assert response.status_code == 302

    user = db.session.scalar(sa.select(User).where(User.email == "nia@example.org"))
    assert user.language == "cy"
    [email] = emails_to("nia@example.org")
    assert email.subject == "Cadarnhewch eich cyfeiriad e-bost"
    assert email.body.startswith("Helo Nia Davies,")
    assert "Cadarnhewch eich cyfeiriad e-bost ar gyfer Local Partners drwy agor y ddolen hon:" in email.body
    assert "Confirm" not in email.body and "Hello" not in email.body


def test_registering_on_an_english_page_keeps_english(client, db_session):
    form = {
        "name": "Thanet Women's Centre",
        "legal_form": "registered_charity",
        "charity_number": "1123457",
        "company_number": "",
        "income_band": "micro",
        "your_name": "Amira Hassan",
        "email": "amira@example.org",
        "password": PASSWORD,
    }
    assert post_form(client, "/register", form).status_code == 302
    assert db.session.scalar(sa.select(User.language).where(User.email == "amira@example.org")) == "en"
    [email] = emails_to("amira@example.org")
    assert email.subject == "Confirm your email address"


def test_the_account_pages_and_their_errors_are_welsh_on_a_welsh_page(client, db_session):
    page = page_text(client.get("/sign-in?lang=cy"))
    assert "Mewngofnodi i Local Partners" in page and "Wedi anghofio eich cyfrinair?" in page
    assert "Sign in to Local Partners" not in page

    response = post_form(client, "/sign-in", {"email": "nobody", "password": ""})
    assert error_summary(response) == [
        "Rhowch gyfeiriad e-bost yn y fformat cywir, fel enw@enghraifft.com",
        "Rhowch eich cyfrinair",
    ]
    assert "Mae problem wedi codi" in page_text(response)


def test_wtforms_own_messages_are_welsh_on_a_welsh_page(app):
    """Flask-WTF gives WTForms' built-in messages ("Not a valid choice") WTForms' own
    catalogue in the page's language (WTF_I18N_ENABLED, with Flask-Babel)."""

    class Choose(FlaskForm):
        class Meta:
            csrf = False

        colour = SelectField(choices=[SelectChoice("red", "Red")])

    for lang, message in (("cy", "Nid yw hwn yn ddewis dilys"), ("en", "Not a valid choice.")):
        with app.test_request_context(f"/?lang={lang}", method="POST", data={"colour": "blue"}):
            form = Choose()
            assert not form.validate()
            assert form.colour.errors == [message]
