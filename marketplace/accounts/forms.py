from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError
from zxcvbn import zxcvbn

from ..forms import MaxLength, Radios, Text, email_field, name_field, required, strip
from ..i18n import current_language
from ..notifications import EmailFrequency

PASSWORD_MIN, PASSWORD_MAX = 12, 128
# zxcvbn's score from 0 (too guessable) to 4 (very unguessable); 3 is "safely unguessable".
PASSWORD_MIN_STRENGTH = 3


PASSWORD = _l("Password")
ENTER_A_PASSWORD = _l("Enter a password")


def password_field(label: Text = PASSWORD, empty: Text = ENTER_A_PASSWORD, new: bool = True) -> PasswordField:
    return PasswordField(
        label,
        validators=[required(empty), MaxLength(label, PASSWORD_MAX)],
        widget=PasswordInput(),
        description=_l(
            "At least %(count)s characters, and hard to guess. A few unrelated words make a strong password.",
            count=PASSWORD_MIN,
        )
        if new
        else "",
        render_kw={"autocomplete": "new-password" if new else "current-password"},
    )


def check_new_password(form, field) -> None:
    """At least PASSWORD_MIN characters, not the email address, and hard to guess:
    zxcvbn (offline, with its own dictionaries of common passwords, names and words, and
    the person's email and name as more words to avoid) must score it
    PASSWORD_MIN_STRENGTH or more, and its advice is the error."""
    if not field.data or len(field.data) > PASSWORD_MAX:
        return
    if len(field.data) < PASSWORD_MIN:
        raise ValidationError(_("Password must be %(count)s characters or more", count=PASSWORD_MIN))
    email = getattr(form, "email", None)
    # Forms without an email field (reset, invitation) are told the account's address.
    email = email.data if email is not None else getattr(form, "account_email", None)
    if email and field.data.strip().lower() == email:
        raise ValidationError(_("Password must not be your email address"))
    name = getattr(form, "your_name", None)
    words = [w for w in (email, *(email or "").split("@"), name.data if name is not None else None) if w]
    strength = zxcvbn(field.data, user_inputs=words, max_length=PASSWORD_MAX)
    if strength["score"] < PASSWORD_MIN_STRENGTH:
        # zxcvbn's advice is in English only: a Welsh page gives ours.
        feedback = strength["feedback"] if current_language() == "en" else {}
        advice = " ".join(part for part in (feedback.get("warning"), *feedback.get("suggestions", [])[:1]) if part)
        raise ValidationError(
            _("Password is too easy to guess.")
            + " "
            + (advice or _("Add another word or two: uncommon words are better."))
        )


class PasswordInput(GovPasswordInput):
    """The GOV.UK password input, its show and hide button in the page's language."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.update(
            showPasswordText=_("Show"),
            hidePasswordText=_("Hide"),
            showPasswordAriaLabelText=_("Show password"),
            hidePasswordAriaLabelText=_("Hide password"),
            passwordShownAnnouncementText=_("Your password is visible"),
            passwordHiddenAnnouncementText=_("Your password is hidden"),
        )
        return params


class _KnowsAccountEmail:
    """A new-password form for an account whose email address is known but not asked."""

    def __init__(self, *args, account_email: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class SignInForm(FlaskForm):
    email = email_field(_l("Email address"), _l("Enter your email address"))
    password = PasswordField(
        _l("Password"),
        validators=[required(_l("Enter your password")), MaxLength(_l("Password"), PASSWORD_MAX)],
        widget=PasswordInput(),
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = email_field(_l("Email address"), _l("Enter your email address"))
    submit = SubmitField(_l("Send reset link"), widget=GovSubmitInput())


class ResendVerificationForm(FlaskForm):
    email = email_field(_l("Email address"), _l("Enter your email address"))
    submit = SubmitField(_l("Send a new link"), widget=GovSubmitInput())


class ResetPasswordForm(_KnowsAccountEmail, FlaskForm):
    password = password_field(_l("New password"), _l("Enter a new password"))
    submit = SubmitField(_l("Save new password"), widget=GovSubmitInput())

    def validate_password(self, field):
        check_new_password(self, field)


class AcceptInvitationForm(_KnowsAccountEmail, FlaskForm):
    """For someone invited who has no account yet."""

    your_name = name_field(_l("Your full name"), _l("Enter your full name"), autocomplete="name")
    password = password_field()
    submit = SubmitField(_l("Accept invitation"), widget=GovSubmitInput())

    def validate_password(self, field):
        check_new_password(self, field)


class InviteStaffForm(FlaskForm):
    email = email_field(_l("Email address"), _l("Enter the email address of the person to invite"))
    area = SelectField(_l("Area"), coerce=str, validate_choice=False, widget=GovSelect())
    role = Radios(
        _l("Role"),
        message=_l("Select a role"),
        choices=[
            SelectChoice("commissioner", _l("Commissioner: posts needs, evaluates bids, awards and manages contracts")),
            SelectChoice("evaluator", _l("Evaluator: declares conflicts and scores bids")),
            SelectChoice("board_member", _l("Board member: reviews partnerships and signs off large awards")),
        ],
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Send invitation"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from ..reference.services import current_pdus, current_regions

        self.area.choices = (
            [SelectChoice("", _("Choose an area"))]
            + [SelectChoice(str(a.id), a.label, optgroup=_("Regions")) for a in current_regions()]
            + [SelectChoice(str(a.id), a.local_name, optgroup=a.local_parent_name) for a in current_pdus()]
        )

    def validate_area(self, field):
        if not field.data or field.data not in {choice.value for choice in field.choices[1:]}:
            raise ValidationError(_("Select an area from the list"))


class _CodeShape:
    """A 6-digit code as a person types it: spaces and dashes anywhere are fine (GOV.UK
    asks services to accept them); anything else gets one clear message."""

    def __call__(self, form, field):
        from .two_factor import DIGITS, looks_like_code, normalise_code

        if not looks_like_code(normalise_code(field.data)):
            raise ValidationError(_("Enter the code using %(count)s digits, like 123456", count=DIGITS))


def code_field(label: Text) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[required(_l("Enter the 6-digit code from your authenticator app")), _CodeShape()],
        widget=GovTextInput(),
        description=_l("The code is 6 digits. A new one shows every 30 seconds."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"},
    )


class TwoFactorCodeForm(FlaskForm):
    code = code_field(_l("Code from your authenticator app"))
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class TwoFactorSetUpForm(FlaskForm):
    code = code_field(_l("Enter the 6-digit code the app shows"))
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    code = StringField(
        _l("Recovery code"),
        filters=[strip],
        validators=[required(_l("Enter a recovery code"))],
        widget=GovTextInput(),
        description=_l("It looks like abcd-efgh-jkmn. Each recovery code works once."),
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class TurnOffTwoFactorForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[required(_l("Enter your password")), MaxLength(_l("Password"), PASSWORD_MAX)],
        widget=PasswordInput(),
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Turn off two-factor authentication"), widget=GovSubmitInput())


class EmailSettingsForm(FlaskForm):
    frequency = Radios(
        _l("How do you want to get emails from Local Partners?"),
        message=_l("Select how you want to get emails"),
        choices=[SelectChoice(f.value, f.label) for f in EmailFrequency],
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Save email settings"), widget=GovSubmitInput())
