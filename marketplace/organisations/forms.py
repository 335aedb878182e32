import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
# What is wrong with a charity number (0) or a company number (1): left in when the legal
# form has none, missing, not in the register's format, already registered.
_NUMBER_MESSAGES = (
    (
        _l("Leave the charity number blank: a %(form)s does not have one"),
        _l("Enter your charity number"),
        _l("Enter a charity number in the correct format, like %(example)s"),
        _l("An organisation with this charity number is already registered"),
    ),
    (
        _l("Leave the company number blank: a %(form)s does not have one"),
        _l("Enter your company number"),
        _l("Enter a company number in the correct format, like %(example)s"),
        _l("An organisation with this company number is already registered"),
    ),
)


class OrganisationDetailsForm(FlaskForm):
    """The legal identity of a provider: asked at registration and kept on the profile."""

    name = name_field(
        _l("Organisation name"),
        _l("Enter your organisation's name"),
        maximum=200,
        hint=_l("As it appears on the Charity Commission or Companies House register, if it is on one"),
        autocomplete="organization",
    )
    legal_form = Radios(
        _l("Legal form"),
        message=_l("Select your organisation's legal form"),
        choices=[SelectChoice(f.value, label) for f, label in LEGAL_FORM_LABELS.items()],
        widget=GovRadioInput(),
    )
    charity_number = StringField(
        _l("Charity number"),
        filters=[normalise_charity_number],
        validators=[MaxLength(_l("Charity number"), 20)],
        widget=GovTextInput(),
        description=_l(
            "Registered charities and CIOs must give one; companies limited by guarantee and community benefit societies may. For example, 1123456"
        ),
        render_kw={"inputmode": "numeric", "spellcheck": "false"},
    )
    company_number = StringField(
        _l("Company number"),
        filters=[normalise_company_number],
        validators=[MaxLength(_l("Company number"), 20)],
        widget=GovTextInput(),
        description=_l("CICs and companies must give one. 8 characters, for example 01234567 or SC123456"),
        render_kw={"spellcheck": "false"},
    )
    income_band = Radios(
        _l("Annual income"),
        message=_l("Select your organisation's annual income"),
        choices=[SelectChoice(b.value, label) for b, label in INCOME_BAND_LABELS.items()],
        widget=GovRadioInput(),
        description=_l(
            "From your latest accounts or budget. We use it only to report how much work goes to small organisations: it never stops you bidding."
        ),
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
        self._check_number(field, 0, CHARITY_NUMBER, "1123456", Organisation.charity_number)

    def validate_company_number(self, field):
        self._check_number(field, 1, COMPANY_NUMBER, "01234567", Organisation.company_number)

    def _check_number(self, field, position, pattern, example, column):
        blank, enter, correct_format, taken = _NUMBER_MESSAGES[position]
        try:
            form = LegalForm(self.legal_form.data)
        except ValueError:
            return  # the legal form has its own error
        rule = REGISTER_NUMBERS[form][position]
        if rule is None:
            if field.data:
                raise ValidationError(blank % {"form": str(form.label).split(" (")[0].lower()})
            return
        if not field.data:
            if rule == "required":
                raise ValidationError(str(enter))
            return
        if not pattern.match(field.data):
            raise ValidationError(correct_format % {"example": example})
        if self._taken(column, field.data):
            raise ValidationError(str(taken))


def _pdu_choices():
    from ..reference.services import current_pdus

    return [SelectChoice(str(a.id), a.local_name) for a in current_pdus()]


def _category_choices():
    from ..reference.services import current_categories

    return [SelectChoice(str(c.id), c.local_name) for c in current_categories()]


class OrganisationProfileForm(OrganisationDetailsForm):
    """Everything on the profile, reused in every bid."""

    description = FreeText(
        _l("What your organisation does"),
        noun=_l("Description"),
        characters=2000,
        hint=_l("Who you work with and how. Commissioners read this on your profile."),
    )
    contact_name = name_field(_l("Contact name"), _l("Enter the name of a contact"), autocomplete="name")
    contact_email = email_field(_l("Contact email address"), _l("Enter a contact email address"))
    contact_phone = StringField(
        _l("Contact telephone number"),
        filters=[strip],
        validators=[Optional(), MaxLength(_l("Telephone number"), 20)],
        widget=GovTextInput(),
        render_kw={"autocomplete": "tel", "type": "tel"},
    )
    address = FreeText(_l("Address"), noun=_l("Address"), characters=500, plain=True)
    postcode = StringField(
        _l("Postcode"),
        filters=[lambda v: re.sub(r"\s+", " ", v.strip().upper()) if isinstance(v, str) else v],
        validators=[Optional(), MaxLength(_l("Postcode"), 10)],
        widget=GovTextInput(),
        render_kw={"autocomplete": "postal-code"},
    )
    website = StringField(
        _l("Website"),
        filters=[strip],
        validators=[Optional(), MaxLength(_l("Website"), 300)],
        widget=GovTextInput(),
        description=_l("For example, https://www.example.org.uk"),
        render_kw={"type": "url", "spellcheck": "false"},
    )
    pdus = ListedChoices(_l("Probation delivery units you serve"), noun=_l("probation delivery units"))
    specialisms = ListedChoices(_l("Services you provide"), noun=_l("services"))
    # The conditions of participation a need may ask for: said once here, shown beside the
    # eligibility declaration of every bid. Nothing financial is ever asked.
    policies = ListedChoices(
        _l("Which of these does your organisation have?"),
        noun=_l("policies and arrangements"),
        choices=[SelectChoice(c.value, c.label) for c in Condition],
    )
    # Reused in every bid: the statement fills a new bid's social value; the safeguarding
    # arrangements are shown beside the eligibility declaration and go with each submission.
    social_value_statement = FreeText(
        _l("Your social value statement"),
        noun=_l("Your social value statement"),
        words=SOCIAL_VALUE_STATEMENT_WORDS,
        hint=_l(
            "The social value your organisation adds wherever it works, for example jobs or volunteering "
            "for people with lived experience. It fills in the social value of each new bid, where you can "
            "add what is particular to that need. Up to %(count)s words.",
            count=SOCIAL_VALUE_STATEMENT_WORDS,
        ),
    )
    safeguarding = FreeText(
        _l("Your safeguarding arrangements"),
        noun=_l("Your safeguarding arrangements"),
        words=SAFEGUARDING_WORDS,
        hint=_l(
            "Who leads on safeguarding, the training your staff and volunteers have, how concerns are raised, "
            "and how you use DBS checks. Shown with every bid you submit. Up to %(count)s words.",
            count=SAFEGUARDING_WORDS,
        ),
    )
    submit = SubmitField(_l("Save profile"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pdus.choices = _pdu_choices()
        self.specialisms.choices = _category_choices()

    def validate_contact_phone(self, field):
        if field.data and not PHONE.match(field.data):
            raise ValidationError(_("Enter a telephone number, like 01632 960 001 or 07700 900 982"))

    def validate_postcode(self, field):
        if field.data and not UK_POSTCODE.match(field.data):
            raise ValidationError(_("Enter a real postcode, like SW1A 2AA"))

    def validate_website(self, field):
        if field.data and not re.match(r"^https?://[^\s<>\"]+\.[^\s<>\"]+$", field.data):
            raise ValidationError(_("Enter a website address in the correct format, like https://www.example.org.uk"))


class InviteMemberForm(FlaskForm):
    email = email_field(_l("Email address"), _l("Enter the email address of the person to invite"))
    role = Radios(
        _l("Role"),
        message=_l("Select a role"),
        choices=[
            SelectChoice("member", _l("Member: can edit the profile, and later bid and report")),
            SelectChoice("owner", _l("Owner: can also invite and remove people")),
        ],
        default="member",
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Send invitation"), widget=GovSubmitInput())


class RegistrationForm(OrganisationDetailsForm):
    your_name = name_field(_l("Your full name"), _l("Enter your full name"), autocomplete="name")
    email = email_field(
        _l("Your email address"), _l("Enter your email address"), hint=_l("We'll send you a link to confirm it")
    )
    password = password_field()
    submit = SubmitField(_l("Create account"), widget=GovSubmitInput())

    def validate_password(self, field):
        check_new_password(self, field)
