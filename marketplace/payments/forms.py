"""Payment forms: input shape only, with GOV.UK messages. The rules (the payment is due,
the date paid is not before it became payable nor in the future) live in services.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField

from ..forms import GovDateField, MaxLength, NoMarkup, required, strip
from .services import REFERENCE_MAX


class LedgerPaymentForm(FlaskForm):
    paid_on = GovDateField(_l("Date the bank transfer was made"), noun=_l("the date paid"))
    reference = StringField(
        _l("Bank transfer reference"),
        filters=[strip],
        validators=[
            required(_l("Enter the bank transfer's reference")),
            MaxLength(_l("The reference"), REFERENCE_MAX),
            NoMarkup(_l("The reference")),
        ],
        widget=GovTextInput(),
        description=_l("As it appears on the remittance, for example BACS-2026-00123."),
    )
    submit = SubmitField(_l("Record the payment"), widget=GovSubmitInput())


class ReleaseForm(FlaskForm):
    submit = SubmitField(_l("Release the payment"), widget=GovSubmitInput())
