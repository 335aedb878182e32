"""Forms for consortium bids: input shape only, with GOV.UK messages.

The rules (who may be a partner, one bid per organisation per lot, at most 10 partners,
the need is open) live in consortium.py; these forms make sure a share is a whole percent
in range and an organisation id is at least a number, and say so by the field.
"""

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import HiddenField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from ..forms import MaxLength, Radios, email_field, name_field, strip

PERCENT = re.compile(r"^[0-9]{1,12}\s*%?$")


class PercentField(StringField):
    """A share typed as a whole percent ('40' or '40%'); the number is in `.number`."""

    widget = GovTextInput()

    def __init__(self, label, *, noun: str, minimum: int, maximum: int, **kwargs):
        kwargs.setdefault("filters", [strip])
        render_kw = {"inputmode": "numeric", "spellcheck": "false", **kwargs.pop("render_kw", {})}
        super().__init__(label, render_kw=render_kw, **kwargs)
        self.noun, self.minimum, self.maximum = noun, minimum, maximum
        self.number: int | None = None

    def process_data(self, value):
        super().process_data(None if value is None else str(value))

    def pre_validate(self, form):
        self.number = None
        text = self.data or ""
        noun = self.noun[0].upper() + self.noun[1:]
        if not text:
            raise StopValidation(f"Enter {self.noun}")
        if not PERCENT.match(text):
            raise StopValidation(f"{noun} must be a whole number, like 40")
        number = int(text.rstrip("% "))
        if not self.minimum <= number <= self.maximum:
            raise StopValidation(f"{noun} must be between {self.minimum}% and {self.maximum}%")
        self.number = number


def partner_work(noun_owner: str = "the partner's") -> PercentField:
    return PercentField(
        "Share of the work",
        noun=f"{noun_owner} share of the work",
        minimum=1,
        maximum=99,
        description="Whole percent, from 1 to 99",
    )


def partner_price(noun_owner: str = "the partner's") -> PercentField:
    return PercentField(
        "Share of the price",
        noun=f"{noun_owner} share of the price",
        minimum=0,
        maximum=99,
        description="Whole percent, from 0 to 99",
    )


class OrganisationChoice(Radios):
    """The organisation chosen from the search results. Any id is accepted here when it is
    a number: the view looks it up and the services decide whether it may join, so a
    forged id gets the same clear message as a wrong choice."""

    def pre_validate(self, form):
        if not self.data:
            raise StopValidation(self.message)
        if not str(self.data).isdigit() or len(str(self.data)) > 12:
            raise StopValidation("Select an organisation from the search results")


class OrganisationSearchForm(FlaskForm):
    """The search box (a GET form: nothing is changed, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        "Organisation name, charity or company number",
        filters=[strip],
        validators=[MaxLength("The search", 200)],
        widget=GovTextInput(),
        description="Only organisations registered and verified on Local Partners can be added",
    )


class AddPartnerForm(FlaskForm):
    organisation = OrganisationChoice(
        "Select the organisation", message="Select the organisation to add as a partner", widget=GovRadioInput()
    )
    work_percent = partner_work()
    price_percent = partner_price()
    query = HiddenField(filters=[strip])
    submit = SubmitField("Add partner", widget=GovSubmitInput())

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [SelectChoice(str(o.id), o.name) for o in organisations]

    @property
    def organisation_id(self) -> int:
        return int(self.organisation.data)


class InvitePartnerForm(FlaskForm):
    name = name_field("Organisation name", "Enter the organisation's name", maximum=200)
    email = email_field(
        "Contact email address",
        empty="Enter the email address of someone at the organisation",
        hint="We will email them a link to register on Local Partners and confirm their share",
    )
    work_percent = partner_work()
    price_percent = partner_price()
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


def shares_form(lead_name: str, partners, **kwargs) -> FlaskForm:
    """Everyone's shares in one form: the lead's (lead_work, lead_price) and each current
    partner's (work_<partner id>, price_<partner id>)."""

    class SharesForm(FlaskForm):
        lead_work = PercentField(
            "Share of the work",
            noun=f"{lead_name}'s share of the work",
            minimum=1,
            maximum=100,
        )
        lead_price = PercentField(
            "Share of the price",
            noun=f"{lead_name}'s share of the price",
            minimum=0,
            maximum=100,
        )
        submit = SubmitField("Save shares", widget=GovSubmitInput())

    for partner in partners:
        setattr(
            SharesForm,
            f"work_{partner.id}",
            PercentField(
                "Share of the work",
                noun=f"{partner.name}'s share of the work",
                minimum=1,
                maximum=99,
            ),
        )
        setattr(
            SharesForm,
            f"price_{partner.id}",
            PercentField(
                "Share of the price",
                noun=f"{partner.name}'s share of the price",
                minimum=0,
                maximum=99,
            ),
        )
    form = SharesForm(**kwargs)
    form.partner_fields = [(p, form[f"work_{p.id}"], form[f"price_{p.id}"]) for p in partners]
    return form


DECISIONS = {"confirm": "Yes, confirm this share", "decline": "No, decline: we will not be part of this bid"}


class PartnerShareForm(FlaskForm):
    decision = Radios(
        "Do you agree to this share of the work and the price?",
        message="Select whether you confirm or decline this share",
        choices=[SelectChoice(value, label) for value, label in DECISIONS.items()],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class AcceptInvitationForm(FlaskForm):
    organisation = Radios(
        "Which of your organisations is joining the bid?",
        message="Select the organisation that is joining the bid",
        widget=GovRadioInput(),
    )
    submit = SubmitField("Accept the invitation", widget=GovSubmitInput())

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [SelectChoice(str(o.id), o.name) for o in organisations]
