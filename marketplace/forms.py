"""Form pieces shared by every area of the portal: validators with GOV.UK-style messages."""

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, StopValidation, ValidationError

MARKUP = re.compile(r"[<>]")


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change state."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class Radios(RadioField):
    """Radio buttons whose one message covers both "nothing chosen" and "not a choice"
    (a crafted POST), as GOV.UK asks: "Select your organisation's legal form"."""

    def __init__(self, label, *, message: str, **kwargs):
        kwargs.setdefault("validators", [InputRequired(message=message)])
        super().__init__(label, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise StopValidation(self.message)


class NoMarkup:
    """Names and other plain text may not contain < or >, which only ever mean markup."""

    def __init__(self, label: str):
        self.message = f"{label} must not contain < or >"

    def __call__(self, form, field):
        if field.data and MARKUP.search(field.data):
            raise ValidationError(self.message)


class MaxLength(Length):
    def __init__(self, label: str, maximum: int):
        super().__init__(max=maximum, message=f"{label} must be {maximum:,} characters or fewer")

    def __call__(self, form, field):
        # Stop at the first problem: "too long" is the one to fix first.
        try:
            super().__call__(form, field)
        except ValidationError as error:
            raise StopValidation(str(error)) from None


def strip(value):
    return value.strip() if isinstance(value, str) else value


def strip_lower(value):
    return value.strip().lower() if isinstance(value, str) else value


def required(message: str) -> InputRequired:
    return InputRequired(message=message)


def email_field(
    label: str = "Email address", empty: str = "Enter an email address", hint: str = ""
) -> StringField:
    return StringField(
        label,
        filters=[strip_lower],
        validators=[
            required(empty),
            MaxLength(label, 254),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                granular_message=False,
                check_deliverability=False,
            ),
        ],
        widget=GovTextInput(),
        render_kw={"autocomplete": "email", "spellcheck": "false", "type": "email"},
        description=hint,
    )


def name_field(label: str, empty_message: str, maximum: int = 120, hint: str = "", autocomplete: str | None = None) -> StringField:
    render_kw = {"autocomplete": autocomplete} if autocomplete else {}
    return StringField(
        label,
        filters=[strip],
        validators=[required(empty_message), MaxLength(label, maximum), NoMarkup(label)],
        widget=GovTextInput(),
        description=hint,
        render_kw=render_kw,
    )
