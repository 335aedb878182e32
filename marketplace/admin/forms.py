from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from ..forms import FreeText, PoundsField

REASON_CHARACTERS = 500


class UserStatusForm(FlaskForm):
    """Close or reopen an account, always with a reason for the record."""

    reason = FreeText(
        "Reason",
        noun="Reason",
        characters=REASON_CHARACTERS,
        empty="Enter a reason",
        plain=True,
        hint="This is kept in the audit trail.",
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())


class ResetTwoFactorForm(FlaskForm):
    """Reset someone's two-factor authentication, with a reason for the record: how the
    admin checked it was them asking."""

    reason = FreeText(
        "How did you check that the person asking is the account's owner?",
        noun="Reason",
        characters=REASON_CHARACTERS,
        empty="Enter how you checked who is asking",
        plain=True,
        hint="For example, a call back on the number in their organisation's records. This is kept in the audit trail.",
    )
    submit = SubmitField("Reset two-factor authentication", widget=GovSubmitInput())


class ThresholdForm(FlaskForm):
    """An area's sign-off threshold in pounds; empty to use its region's, or the default."""

    threshold = PoundsField(
        "Sign-off threshold",
        noun="The sign-off threshold",
        description="Awards of a lot worth more than this need a board member's approval. Leave empty to use the region's threshold, or the service default.",
    )
    reason = FreeText(
        "Reason for the change",
        noun="Reason",
        characters=REASON_CHARACTERS,
        empty="Enter a reason for the change",
        plain=True,
        hint="This is kept in the audit trail.",
    )
    submit = SubmitField("Save threshold", widget=GovSubmitInput())
