"""The admin's forms for Justice Data Lab results: record a published result, withdraw one."""

import re
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from ..extensions import db
from ..forms import FreeText, GovDateField, Radios, WholeNumberField, name_field, strip
from ..organisations.justice_data_lab import SIGNIFICANCE_LABELS, Significance
from ..organisations.models import Organisation, normalise_charity_number, normalise_company_number
from ..reference.models import ServiceCategory
from ..timeutil import london_date, utcnow
from .forms import REASON_CHARACTERS

FIRST_PUBLISHED = date(2013, 1, 1)  # the Justice Data Lab started publishing in 2013
HTTPS_URL = re.compile(r"^https://[^\s<>\"'/]+\.[^\s<>\"']+$")


class TenthsField(StringField):
    """A percentage (or percentage points) typed to one decimal place, "28.1" or "-4.2%",
    between `minimum` and `maximum`; in whole tenths in `.tenths`."""

    widget = GovTextInput()

    def __init__(self, label, *, minimum: int, maximum: int, example: str, empty: str, **kwargs):
        kwargs.setdefault("filters", [strip])
        render_kw = {"inputmode": "decimal", "spellcheck": "false", **kwargs.pop("render_kw", {})}
        super().__init__(label, render_kw=render_kw, **kwargs)
        self.minimum, self.maximum, self.example, self.empty = minimum, maximum, example, empty
        self.tenths: int | None = None

    def pre_validate(self, form):
        self.tenths = None
        text = (self.data or "").removesuffix("%").strip().replace("\u2212", "-")
        if not text:
            raise StopValidation(self.empty)
        if not re.fullmatch(r"-?[0-9]{1,3}(\.[0-9])?", text):
            raise StopValidation(
                _(
                    "%(label)s must be a number to one decimal place, like %(example)s",
                    label=self.label.text,
                    example=self.example,
                )
            )
        tenths = int(Decimal(text) * 10)
        if not self.minimum * 10 <= tenths <= self.maximum * 10:
            raise StopValidation(
                _(
                    "%(label)s must be between %(min)s and %(max)s",
                    label=self.label.text,
                    min=self.minimum,
                    max=self.maximum,
                )
            )
        self.tenths = tenths


def find_provider(text: str) -> Organisation | None:
    """The verified organisation with this charity number, company number or number on the
    portal (its id), or None."""
    text = (text or "").strip()
    if not text or len(text) > 20:
        return None
    clauses = [
        Organisation.charity_number == normalise_charity_number(text),
        Organisation.company_number == normalise_company_number(text),
    ]
    if text.isascii() and text.isdigit() and len(text) <= 9:
        clauses.append(Organisation.id == int(text))
    found = db.session.scalars(
        sa.select(Organisation).where(sa.or_(*clauses), Organisation.verified_at.is_not(None)).order_by(Organisation.id)
    ).first()
    return found


class JusticeDataLabForm(FlaskForm):
    provider = StringField(
        _l("Provider"),
        filters=[strip],
        widget=GovTextInput(),
        description=_l(
            "The organisation's charity number, company number or number on this portal (in the address of its "
            "profile page, like 123 in /organisations/123)."
        ),
        render_kw={"spellcheck": "false", "class": "govuk-input--width-20"},
    )
    service_name = name_field(_l("Name of the service"), _l("Enter the name of the service"), maximum=200)
    category = SelectField(_l("Service category"), coerce=str, validate_choice=False, widget=GovSelect())
    cohort_size = WholeNumberField(
        _l("People in the cohort"),
        minimum=1,
        maximum=1_000_000,
        empty=_l("Enter the number of people in the cohort"),
        example=120,
    )
    cohort_rate = TenthsField(
        _l("One-year proven reoffending rate of the cohort (%)"),
        minimum=0,
        maximum=100,
        example="28.1",
        empty=_l("Enter the cohort's reoffending rate"),
    )
    comparison_rate = TenthsField(
        _l("One-year proven reoffending rate of the matched comparison group (%)"),
        minimum=0,
        maximum=100,
        example="34.0",
        empty=_l("Enter the comparison group's reoffending rate"),
    )
    lower = TenthsField(
        _l("Lower end of the interval (95%), in percentage points"),
        minimum=-100,
        maximum=100,
        example="-9.6",
        empty=_l("Enter the lower end of the interval"),
        description=_l(
            "The difference is the cohort's rate less the comparison group's, as published: negative when the cohort reoffended less."
        ),
    )
    upper = TenthsField(
        _l("Upper end of the interval (95%), in percentage points"),
        minimum=-100,
        maximum=100,
        example="-2.2",
        empty=_l("Enter the upper end of the interval"),
    )
    significance = Radios(
        _l("Significance, as published"),
        message=_l("Select the significance as published"),
        choices=[SelectChoice(value, label) for value, label in SIGNIFICANCE_LABELS.items()],
        widget=GovRadioInput(),
    )
    published_on = GovDateField(
        _l("Date published"), noun=_l("the date published"), description=_l("For example, 27 3 2025")
    )
    url = StringField(
        _l("Link to the publication"),
        filters=[strip],
        widget=GovTextInput(),
        description=_l("The address of the published report, starting https://"),
        render_kw={"type": "url", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Record the result"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        categories = db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.name)).all()
        self.category.choices = [SelectChoice("", _("Choose a service category"))] + [
            SelectChoice(str(c.id), c.local_name) for c in categories
        ]
        self.organisation: Organisation | None = None

    def validate_provider(self, field):
        if not field.data:
            raise ValidationError(_("Enter the provider's charity number, company number or number on this portal"))
        self.organisation = find_provider(field.data)
        if self.organisation is None:
            raise ValidationError(
                _("No verified organisation on this portal has that charity, company or portal number")
            )

    def validate_category(self, field):
        if not field.data or field.data not in {choice.value for choice in field.choices[1:]}:
            raise ValidationError(_("Select a service category from the list"))

    def validate_upper(self, field):
        if self.lower.tenths is not None and field.tenths is not None and self.lower.tenths > field.tenths:
            raise ValidationError(_("The upper end of the interval must be the same as or more than the lower end"))

    def validate_published_on(self, field):
        if field.data is not None and not FIRST_PUBLISHED <= field.data <= london_date(utcnow()):
            raise ValidationError(_("The date published must be between 2013 and today"))

    def validate_url(self, field):
        if not field.data:
            raise ValidationError(_("Enter the link to the publication"))
        if len(field.data) > 500 or not HTTPS_URL.match(field.data):
            raise ValidationError(_("Enter a link that starts https://, like https://www.gov.uk/government/statistics"))

    def values(self) -> dict:
        """What the service records, from a valid form."""
        assert self.organisation is not None
        return {
            "organisation_id": self.organisation.id,
            "service_name": self.service_name.data,
            "category_id": int(self.category.data),
            "cohort_size": self.cohort_size.number,
            "cohort_rate_tenths": self.cohort_rate.tenths,
            "comparison_rate_tenths": self.comparison_rate.tenths,
            "difference_lower_tenths": self.lower.tenths,
            "difference_upper_tenths": self.upper.tenths,
            "significance": Significance(self.significance.data),
            "published_on": self.published_on.data,
            "url": self.url.data,
        }


class WithdrawResultForm(FlaskForm):
    reason = FreeText(
        _l("Why is this result being withdrawn?"),
        noun=_l("Reason"),
        characters=REASON_CHARACTERS,
        empty=_l("Enter why the result is being withdrawn"),
        plain=True,
        hint=_l(
            "For example, it was recorded for the wrong provider, or the publisher withdrew it. This is kept in the audit trail."
        ),
    )
    submit = SubmitField(_l("Withdraw the result"), widget=GovSubmitInput())
