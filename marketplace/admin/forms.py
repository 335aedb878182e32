from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from ..forms import FreeText, PoundsField

REASON_CHARACTERS = 500


class UserStatusForm(FlaskForm):
    """Close or reopen an account, always with a reason for the record."""

    reason = FreeText(
        _l("Reason"),
        noun=_l("Reason"),
        characters=REASON_CHARACTERS,
        empty=_l("Enter a reason"),
        plain=True,
        hint=_l("This is kept in the audit trail."),
    )
    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class ResetTwoFactorForm(FlaskForm):
    """Reset someone's two-factor authentication, with a reason for the record: how the
    admin checked it was them asking."""

    reason = FreeText(
        _l("How did you check that the person asking is the account's owner?"),
        noun=_l("Reason"),
        characters=REASON_CHARACTERS,
        empty=_l("Enter how you checked who is asking"),
        plain=True,
        hint=_l(
            "For example, a call back on the number in their organisation's records. This is kept in the audit trail."
        ),
    )
    submit = SubmitField(_l("Reset two-factor authentication"), widget=GovSubmitInput())


class ThresholdForm(FlaskForm):
    """An area's sign-off threshold in pounds; empty to use its region's, or the default."""

    threshold = PoundsField(
        _l("Sign-off threshold"),
        noun=_l("The sign-off threshold"),
        description=_l(
            "Awards of a lot worth more than this need a board member's approval. Leave empty to use the region's threshold, or the service default."
        ),
    )
    reason = FreeText(
        _l("Reason for the change"),
        noun=_l("Reason"),
        characters=REASON_CHARACTERS,
        empty=_l("Enter a reason for the change"),
        plain=True,
        hint=_l("This is kept in the audit trail."),
    )
    submit = SubmitField(_l("Save threshold"), widget=GovSubmitInput())
