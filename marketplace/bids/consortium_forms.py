"""Forms for consortium bids: input shape only, with GOV.UK messages.

The rules (who may be a partner, one bid per organisation per lot, at most 10 partners,
the need is open) live in consortium.py; these forms make sure a share is a whole percent
in range and an organisation id is at least a number, and say so by the field.
"""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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


def _share_messages(field: "PercentField") -> tuple[str, str, str]:
    """What is said of a share (`part`: "work" or "price") of the partner's (`owner` None)
    or of a named organisation's: when empty, when not a whole number, when out of range.
    Each one sentence, for the word order in Welsh."""
    low, high, owner = field.minimum, field.maximum, field.owner
    if owner is None and field.part == "work":
        return (
            _("Enter the partner's share of the work"),
            _("The partner's share of the work must be a whole number, like 40"),
            _("The partner's share of the work must be between %(low)s%% and %(high)s%%", low=low, high=high),
        )
    if owner is None:
        return (
            _("Enter the partner's share of the price"),
            _("The partner's share of the price must be a whole number, like 40"),
            _("The partner's share of the price must be between %(low)s%% and %(high)s%%", low=low, high=high),
        )
    if field.part == "work":
        return (
            _("Enter %(name)s's share of the work", name=owner),
            _("%(name)s's share of the work must be a whole number, like 40", name=owner),
            _("%(name)s's share of the work must be between %(low)s%% and %(high)s%%", name=owner, low=low, high=high),
        )
    return (
        _("Enter %(name)s's share of the price", name=owner),
        _("%(name)s's share of the price must be a whole number, like 40", name=owner),
        _("%(name)s's share of the price must be between %(low)s%% and %(high)s%%", name=owner, low=low, high=high),
    )


class PercentField(StringField):
    """A share typed as a whole percent ('40' or '40%'); the number is in `.number`.
    `part` is "work" or "price"; `owner` the organisation whose share it is (None: the
    partner's)."""

    widget = GovTextInput()

    def __init__(self, label, *, part: str, owner: str | None = None, minimum: int, maximum: int, **kwargs):
        kwargs.setdefault("filters", [strip])
        render_kw = {"inputmode": "numeric", "spellcheck": "false", **kwargs.pop("render_kw", {})}
        super().__init__(label, render_kw=render_kw, **kwargs)
        self.part, self.owner, self.minimum, self.maximum = part, owner, minimum, maximum
        self.number: int | None = None

    def process_data(self, value):
        super().process_data(None if value is None else str(value))

    def pre_validate(self, form):
        self.number = None
        text = self.data or ""
        empty, not_whole, out_of_range = _share_messages(self)
        if not text:
            raise StopValidation(empty)
        if not PERCENT.match(text):
            raise StopValidation(not_whole)
        number = int(text.rstrip("% "))
        if not self.minimum <= number <= self.maximum:
            raise StopValidation(out_of_range)
        self.number = number


def partner_work() -> PercentField:
    return PercentField(
        _l("Share of the work"),
        part="work",
        minimum=1,
        maximum=99,
        description=_l("Whole percent, from 1 to 99"),
    )


def partner_price() -> PercentField:
    return PercentField(
        _l("Share of the price"),
        part="price",
        minimum=0,
        maximum=99,
        description=_l("Whole percent, from 0 to 99"),
    )


class OrganisationChoice(Radios):
    """The organisation chosen from the search results. Any id is accepted here when it is
    a number: the view looks it up and the services decide whether it may join, so a
    forged id gets the same clear message as a wrong choice."""

    def pre_validate(self, form):
        if not self.data:
            raise StopValidation(self.message)
        if not str(self.data).isdigit() or len(str(self.data)) > 12:
            raise StopValidation(_("Select an organisation from the search results"))


class OrganisationSearchForm(FlaskForm):
    """The search box (a GET form: nothing is changed, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Organisation name, charity or company number"),
        filters=[strip],
        validators=[MaxLength(_l("The search"), 200)],
        widget=GovTextInput(),
        description=_l("Only organisations registered and verified on Local Partners can be added"),
    )


class AddPartnerForm(FlaskForm):
    organisation = OrganisationChoice(
        _l("Select the organisation"), message=_l("Select the organisation to add as a partner"), widget=GovRadioInput()
    )
    work_percent = partner_work()
    price_percent = partner_price()
    query = HiddenField(filters=[strip])
    submit = SubmitField(_l("Add partner"), widget=GovSubmitInput())

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [SelectChoice(str(o.id), o.name) for o in organisations]

    @property
    def organisation_id(self) -> int:
        return int(self.organisation.data)


class InvitePartnerForm(FlaskForm):
    name = name_field(_l("Organisation name"), _l("Enter the organisation's name"), maximum=200)
    email = email_field(
        _l("Contact email address"),
        empty=_l("Enter the email address of someone at the organisation"),
        hint=_l("We will email them a link to register on Local Partners and confirm their share"),
    )
    work_percent = partner_work()
    price_percent = partner_price()
    submit = SubmitField(_l("Send invitation"), widget=GovSubmitInput())


def shares_form(lead_name: str, partners, **kwargs) -> FlaskForm:
    """Everyone's shares in one form: the lead's (lead_work, lead_price) and each current
    partner's (work_<partner id>, price_<partner id>)."""

    class SharesForm(FlaskForm):
        lead_work = PercentField(_l("Share of the work"), part="work", owner=lead_name, minimum=1, maximum=100)
        lead_price = PercentField(_l("Share of the price"), part="price", owner=lead_name, minimum=0, maximum=100)
        submit = SubmitField(_l("Save shares"), widget=GovSubmitInput())

    for partner in partners:
        setattr(
            SharesForm,
            f"work_{partner.id}",
            PercentField(_l("Share of the work"), part="work", owner=partner.name, minimum=1, maximum=99),
        )
        setattr(
            SharesForm,
            f"price_{partner.id}",
            PercentField(_l("Share of the price"), part="price", owner=partner.name, minimum=0, maximum=99),
        )
    form = SharesForm(**kwargs)
    form.partner_fields = [(p, form[f"work_{p.id}"], form[f"price_{p.id}"]) for p in partners]
    return form


DECISIONS = {
    "confirm": _l("Yes, confirm this share"),
    "decline": _l("No, decline: we will not be part of this bid"),
}


class PartnerShareForm(FlaskForm):
    decision = Radios(
        _l("Do you agree to this share of the work and the price?"),
        message=_l("Select whether you confirm or decline this share"),
        choices=[SelectChoice(value, label) for value, label in DECISIONS.items()],
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class AcceptInvitationForm(FlaskForm):
    organisation = Radios(
        _l("Which of your organisations is joining the bid?"),
        message=_l("Select the organisation that is joining the bid"),
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Accept the invitation"), widget=GovSubmitInput())

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [SelectChoice(str(o.id), o.name) for o in organisations]
