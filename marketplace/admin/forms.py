from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField

from ..forms import MaxLength, NoMarkup, required, strip


class UserStatusForm(FlaskForm):
    """Close or reopen an account, always with a reason for the record."""

    reason = TextAreaField(
        "Reason",
        filters=[strip],
        validators=[required("Enter a reason"), MaxLength("Reason", 500), NoMarkup("Reason")],
        widget=GovTextArea(),
        description="This is kept in the audit trail.",
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())
