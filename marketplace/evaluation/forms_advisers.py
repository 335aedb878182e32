"""The form a commissioner invites a lived-experience adviser to a need's panel with:
input shape only, with GOV.UK messages (the rules are in advisers.py). Field names match
the services' EvaluationError.field: `name`, `email`, `paid`, `fee`, `parts`."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSubmitInput
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice

from ..forms import ListedChoices, PoundsField, Radios, email_field, name_field

PAID = "yes"
UNPAID = "no"


class InviteAdviserForm(FlaskForm):
    name = name_field(_l("Full name"), _l("Enter the adviser's full name"), autocomplete="off")
    email = email_field(hint=_l("We will email them a link to accept the invitation."))
    paid = Radios(
        _l("Is the adviser paid for this work?"),
        message=_l("Select whether the adviser is paid"),
        choices=[SelectChoice(PAID, _l("Yes, paid")), SelectChoice(UNPAID, _l("No, a volunteer"))],
        widget=GovRadioInput(),
    )
    fee = PoundsField(
        _l("Fee agreed (optional)"),
        noun=_l("The fee"),
        description=_l("In pounds, for the whole of this panel's work. Leave empty if it is not agreed yet."),
    )
    parts = ListedChoices(_l("What will the adviser score?"), noun=_l("the parts"), widget=GovCheckboxesInput())
    submit = SubmitField(_l("Send the invitation"), widget=GovSubmitInput())

    def __init__(self, *args, parts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.parts.choices = [SelectChoice(p.key, p.label) for p in parts]
        self.parts.hints = {p.key: p.question for p in parts if p.question != p.label}

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if not self.parts.errors and not self.parts.data:
            self.parts.errors = [_("Select at least one part for the adviser to score")]
            ok = False
        if self.paid.data == UNPAID and self.fee.data and not self.fee.errors:
            self.fee.errors = [_("Give a fee only when the adviser is paid")]
            ok = False
        return ok

    @property
    def is_paid(self) -> bool:
        return self.paid.data == PAID
