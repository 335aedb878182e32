import re

import sqlalchemy as sa
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..accounts.forms import check_new_password, password_field
from ..conditions import Condition
from ..extensions import db
from ..forms import (
    FreeText,
    ListedChoices,
    MaxLength,
    Radios,
    email_field,
    name_field,
    strip,
)
from .models import (
    CHARITY_NUMBER,
    COMPANY_NUMBER,
    INCOME_BAND_LABELS,
    LEGAL_FORM_LABELS,
    REGISTER_NUMBERS,
    SAFEGUARDING_WORDS,
    SOCIAL_VALUE_STATEMENT_WORDS,
    LegalForm,
    Organisation,
    normalise_charity_number,
    normalise_company_number,
)

UK_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
PHONE = re.compile(r"^[0-9 +()-]{7,20}$")


class OrganisationDetailsForm(FlaskForm):
    """The legal identity of a provider: asked at registration and kept on the profile."""

    name = name_field(
        "Organisation name",
        "Enter your organisation's name",
        maximum=200,
        hint="As it appears on the Charity Commission or Companies House register, if it is on one",
        autocomplete="organization",
    )
    legal_form = Radios(
        "Legal form",
        message="Select your organisation's legal form",
        choices=[SelectChoice(f.value, label) for f, label in LEGAL_FORM_LABELS.items()],
        widget=GovRadioInput(),
    )
    charity_number = StringField(
        "Charity number",
        filters=[normalise_charity_number],
        validators=[MaxLength("Charity number", 20)],
        widget=GovTextInput(),
        description="Registered charities and CIOs must give one; companies limited by guarantee and community benefit societies may. For example, 1123456",
        render_kw={"inputmode": "numeric", "spellcheck": "false"},
    )
    company_number = StringField(
        "Company number",
        filters=[normalise_company_number],
        validators=[MaxLength("Company number", 20)],
        widget=GovTextInput(),
        description="CICs and companies must give one. 8 characters, for example 01234567 or SC123456",
        render_kw={"spellcheck": "false"},
    )
    income_band = Radios(
        "Annual income",
        message="Select your organisation's annual income",
        choices=[SelectChoice(b.value, label) for b, label in INCOME_BAND_LABELS.items()],
        widget=GovRadioInput(),
        description="From your latest accounts or budget. We use it only to report how much work goes to small organisations: it never stops you bidding.",
    )

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._organisation = organisation

    def _taken(self, column, value) -> bool:
        query = sa.select(Organisation.id).where(column == value)
        if self._organisation is not None and self._organisation.id is not None:
            query = query.where(Organisation.id != self._organisation.id)
        return db.session.scalar(query) is not None

    def validate_charity_number(self, field):
        self._check_number(field, 0, "charity number", CHARITY_NUMBER, "1123456", Organisation.charity_number)

    def validate_company_number(self, field):
        self._check_number(field, 1, "company number", COMPANY_NUMBER, "01234567", Organisation.company_number)

    def _check_number(self, field, position, noun, pattern, example, column):
        try:
            form = LegalForm(self.legal_form.data)
        except ValueError:
            return  # the legal form has its own error
        rule = REGISTER_NUMBERS[form][position]
        if rule is None:
            if field.data:
                raise ValidationError(
                    f"Leave the {noun} blank: a {form.label.split(' (')[0].lower()} does not have one"
                )
            return
        if not field.data:
            if rule == "required":
                raise ValidationError(f"Enter your {noun}")
            return
        if not pattern.match(field.data):
            raise ValidationError(f"Enter a {noun} in the correct format, like {example}")
        if self._taken(column, field.data):
            raise ValidationError(f"An organisation with this {noun} is already registered")


def _pdu_choices():
    from ..reference.services import current_pdus

    return [SelectChoice(str(a.id), a.name) for a in current_pdus()]


def _category_choices():
    from ..reference.services import current_categories

    return [SelectChoice(str(c.id), c.name) for c in current_categories()]


class OrganisationProfileForm(OrganisationDetailsForm):
    """Everything on the profile, reused in every bid."""

    description = FreeText(
        "What your organisation does",
        noun="Description",
        characters=2000,
        hint="Who you work with and how. Commissioners read this on your profile.",
    )
    contact_name = name_field("Contact name", "Enter the name of a contact", autocomplete="name")
    contact_email = email_field("Contact email address", "Enter a contact email address")
    contact_phone = StringField(
        "Contact telephone number",
        filters=[strip],
        validators=[Optional(), MaxLength("Telephone number", 20)],
        widget=GovTextInput(),
        render_kw={"autocomplete": "tel", "type": "tel"},
    )
    address = FreeText("Address", noun="Address", characters=500, plain=True)
    postcode = StringField(
        "Postcode",
        filters=[lambda v: re.sub(r"\s+", " ", v.strip().upper()) if isinstance(v, str) else v],
        validators=[Optional(), MaxLength("Postcode", 10)],
        widget=GovTextInput(),
        render_kw={"autocomplete": "postal-code"},
    )
    website = StringField(
        "Website",
        filters=[strip],
        validators=[Optional(), MaxLength("Website", 300)],
        widget=GovTextInput(),
        description="For example, https://www.example.org.uk",
        render_kw={"type": "url", "spellcheck": "false"},
    )
    pdus = ListedChoices("Probation delivery units you serve", noun="probation delivery units")
    specialisms = ListedChoices("Services you provide", noun="services")
    # The conditions of participation a need may ask for: said once here, shown beside the
    # eligibility declaration of every bid. Nothing financial is ever asked.
    policies = ListedChoices(
        "Which of these does your organisation have?",
        noun="policies and arrangements",
        choices=[SelectChoice(c.value, c.label) for c in Condition],
    )
    # Reused in every bid: the statement fills a new bid's social value; the safeguarding
    # arrangements are shown beside the eligibility declaration and go with each submission.
    social_value_statement = FreeText(
        "Your social value statement",
        noun="Your social value statement",
        words=SOCIAL_VALUE_STATEMENT_WORDS,
        hint=(
            "The social value your organisation adds wherever it works, for example jobs or volunteering "
            "for people with lived experience. It fills in the social value of each new bid, where you can "
            f"add what is particular to that need. Up to {SOCIAL_VALUE_STATEMENT_WORDS} words."
        ),
    )
    safeguarding = FreeText(
        "Your safeguarding arrangements",
        noun="Your safeguarding arrangements",
        words=SAFEGUARDING_WORDS,
        hint=(
            "Who leads on safeguarding, the training your staff and volunteers have, how concerns are raised, "
            f"and how you use DBS checks. Shown with every bid you submit. Up to {SAFEGUARDING_WORDS} words."
        ),
    )
    submit = SubmitField("Save profile", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pdus.choices = _pdu_choices()
        self.specialisms.choices = _category_choices()

    def validate_contact_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError("Enter a telephone number, like 01632 960 001 or 07700 900 982")

    def validate_postcode(self, field):
        if field.data and not UK_POSTCODE.match(field.data):
            raise ValidationError("Enter a real postcode, like SW1A 2AA")

    def validate_website(self, field):
        if field.data and not re.match(r"^https?://[^\s<>\"]+\.[^\s<>\"]+$", field.data):
            raise ValidationError("Enter a website address in the correct format, like https://www.example.org.uk")


class InviteMemberForm(FlaskForm):
    email = email_field("Email address", "Enter the email address of the person to invite")
    role = Radios(
        "Role",
        message="Select a role",
        choices=[
            SelectChoice("member", "Member: can edit the profile, and later bid and report"),
            SelectChoice("owner", "Owner: can also invite and remove people"),
        ],
        default="member",
        widget=GovRadioInput(),
    )
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class RegistrationForm(OrganisationDetailsForm):
    your_name = name_field("Your full name", "Enter your full name", autocomplete="name")
    email = email_field("Your email address", "Enter your email address", hint="We'll send you a link to confirm it")
    password = password_field()
    submit = SubmitField("Create account", widget=GovSubmitInput())

    def validate_password(self, field):
        check_new_password(self, field)
