"""The commissioner's need forms' own fields: a 24-hour clock time, yes-or-no radios, a
text field with its length and markup checks, and the base of a section form, which asks
for the reason for the change (and whether it is a correction) while the need is open."""

import re
from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovTextInput
from wtforms import BooleanField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from ..forms import FreeText, MaxLength, NoMarkup, Radios, required, strip

# Fields --------------------------------------------------------------------------------


TIME = re.compile(r"^([0-9]{1,2})[:.]([0-9]{2})$")


class ClockField(StringField):
    """A 24-hour time ('12:00', '17:30') in Europe/London; the time is in `.clock`."""

    widget = GovTextInput()

    def __init__(self, label, *, empty, invalid, **kwargs):
        kwargs.setdefault("filters", [strip])
        kwargs.setdefault("description", _l("Use the 24-hour clock, for example 12:00 or 17:30"))
        super().__init__(label, **kwargs)
        self.empty, self.invalid = empty, invalid
        self.clock: time | None = None

    def pre_validate(self, form):
        self.clock = None
        if not self.data:
            raise StopValidation(str(self.empty))
        match = TIME.match(self.data)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise StopValidation(str(self.invalid))
        self.clock = time(int(match.group(1)), int(match.group(2)))


class YesNoRadios(Radios):
    """Yes or no radios. A POST without them (not a browser, which always sends the
    choice shown) leaves the saved answer as it is; anything else but yes or no is an error."""

    def __init__(self, label, *, message: str, **kwargs):
        kwargs.setdefault("validators", [])
        kwargs.setdefault("choices", [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))])
        kwargs.setdefault("widget", GovRadioInput())
        super().__init__(label, message=message, **kwargs)

    def pre_validate(self, form):
        if self.data is None:
            return
        super().pre_validate(form)

    def set_answer(self, value: bool) -> None:
        self.data = "yes" if value else "no"

    @property
    def answer(self) -> bool | None:
        return None if self.data is None else self.data == "yes"


def text_field(label, empty, maximum, *, hint="", textarea=False, optional=False):
    if textarea:
        return FreeText(label, noun=label, characters=maximum, empty=None if optional else empty, plain=True, hint=hint)
    validators = ([] if optional else [required(empty)]) + [MaxLength(label, maximum), NoMarkup(label)]
    return StringField(label, filters=[strip], validators=validators, widget=GovTextInput(), description=hint)


REASON_FOR_THE_CHANGE = _l("Reason for the change")


def reason_field(label=REASON_FOR_THE_CHANGE):
    return text_field(
        label,
        _l("Enter the reason for the change"),
        2000,
        textarea=True,
        hint=_l("Providers following this need are told about the change and read this reason."),
    )


class AmendableForm(FlaskForm):
    """A section form. When the need is open, saving it is an amendment, so a reason is
    required; for a draft, the reason field is not there at all."""

    reason = reason_field()
    correction = BooleanField(
        _l("This is a correction of wording that does not affect bids (for example a typo)"),
        widget=GovCheckboxInput(),
        description=_l(
            "Bidders are still told and the correction is shown on the need, but no submitted bid has to be "
            "confirmed again and the closing time does not move. A change to a budget, a weight, a percentage, a "
            "date or a choice is never a correction."
        ),
    )

    def __init__(self, *args, amending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.amending = amending
        if not amending:
            del self.reason
            del self.correction
