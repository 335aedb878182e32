"""Forms for the provider's bid pages: input shape only, with GOV.UK messages.

The rules (the need is open, one bid per organisation per lot, the payments add up to
the price, PDUs within the need) live in drafting.py, which the views call; these forms
make sure what a person typed can be read, and say so by the field when it cannot.

Word and character limits (textlimits.py) are counted here as well as live in the
browser (the GOV.UK character count). Going over a limit never loses text: the section is
saved as typed and the page shows the error, and the bid cannot be submitted until it is
within its limits (submission.problems says so too). Only absurd input (far longer than any
answer, or hidden formatting characters) is refused outright, and then the text stays in
the form.
"""

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from ..forms import (
    FreeText,
    ListedChoices,
    PoundsField,
    Radios,
    WholeNumberField,
    limit_errors,
)
from ..money import MAX_PENCE, MoneyError, format_pounds, parse_pounds
from ..textlimits import character_limit
from .drafting import CONFLICT_WORD_LIMIT
from .models import Declaration

MAX_PEOPLE = 1_000_000
NONE_OF_THESE = "none"
WITHDRAW_REASON_CHARACTERS = 2000


class AmountField(PoundsField):
    """An amount in pounds that may be £0 (a payment with nothing in it): the amount for
    one payment (`part`) of the payment profile, each message one sentence with its name."""

    def __init__(self, label, *, part: str, **kwargs):
        super().__init__(label, noun=part, **kwargs)
        self.part = part

    def pre_validate(self, form):
        self.pence = None
        text = self.data or ""
        if not text:
            return
        part = self.part
        not_money = _("The amount for %(part)s must be an amount of money, like £12,500 or £12,500.50", part=part)
        if len(text) > 30:
            raise StopValidation(not_money)
        if text.lstrip("£ ").startswith("-"):
            raise StopValidation(_("The amount for %(part)s must be £0 or more", part=part))
        try:
            pence = parse_pounds(text)
        except MoneyError:
            raise StopValidation(not_money) from None
        if pence > MAX_PENCE:
            raise StopValidation(
                _(
                    "The amount for %(part)s must be %(most)s or less",
                    part=part,
                    most=format_pounds(MAX_PENCE, whole=True),
                )
            )
        self.pence = pence


# Starting a bid --------------------------------------------------------------------------


class StartBidForm(FlaskForm):
    lot = Radios(
        _l("Which lot are you bidding for?"), message=_l("Select the lot you are bidding for"), widget=GovRadioInput()
    )
    organisation = Radios(
        _l("Which organisation is bidding?"),
        message=_l("Select the organisation that is bidding"),
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Start your bid"), widget=GovSubmitInput())

    def __init__(self, *args, lots=(), organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.lot.choices = [
            SelectChoice(str(lot.id), _("Lot %(number)s: %(title)s", number=lot.number, title=lot.title))
            for lot in lots
        ]
        self.lot_hints = {
            str(lot.id): _(
                "Budget %(budget)s. %(reservation)s.",
                budget=format_pounds(lot.value_pence),
                reservation=lot.reservation.label,
            )
            for lot in lots
        }
        self.organisation.choices = [SelectChoice(str(o.id), o.name) for o in organisations]
        if len(self.organisation.choices) <= 1:
            # One organisation: nothing to choose (the view uses it).
            del self.organisation


# Sections ------------------------------------------------------------------------------


class SaveForm(FlaskForm):
    submit = SubmitField(_l("Save and return to your bid"), widget=GovSubmitInput())

    def limit_errors(self) -> bool:
        """Put by each answer over its word or character limit what is wrong (it is saved
        as typed all the same); True when there was one."""
        return limit_errors(self)


def answers_form(criteria, **kwargs) -> FlaskForm:
    """One box per quality question, named answer_<criterion id>. Empty answers may be
    saved (a draft is filled in over time); the task list shows what is missing."""

    class AnswersForm(SaveForm):
        pass

    for criterion in criteria:
        setattr(
            AnswersForm,
            f"answer_{criterion.id}",
            FreeText(
                _("Question %(number)s: %(question)s", number=criterion.number, question=criterion.question),
                noun=_("Your answer to question %(number)s", number=criterion.number),
                words=criterion.word_limit,
                draft=True,
            ),
        )
    form = AnswersForm(**kwargs)
    form.questions = [(c, form[f"answer_{c.id}"]) for c in criteria]
    return form


def price_form(parts, **kwargs) -> FlaskForm:
    """Total price, the number of people, and one amount per payment of the need's
    payment profile (`parts`: (key, label, percent) from drafting.payment_parts), named
    part_<key>. Left all empty, the breakdown is filled in from the payment profile."""

    class PriceForm(SaveForm):
        price = PoundsField(
            _l("Total price"),
            empty=_l("Enter your total price"),
            description=_l("In pounds, for the whole contract, for example £45,000"),
        )
        people = WholeNumberField(
            _l("Number of people you will support"),
            minimum=1,
            maximum=MAX_PEOPLE,
            empty=_l("Enter the number of people you will support"),
            example=40,
        )

        def validate(self, extra_validators=None):
            ok = super().validate(extra_validators)
            fields = [field for _, _, _, field in self.parts]
            filled = [f for f in fields if f.data]
            self.breakdown = None  # None: share the price by the payment profile
            if not filled:
                return ok
            if len(filled) < len(fields):
                for _key, label, _percent, field in self.parts:
                    if not field.data:
                        field.errors = [
                            _(
                                "Enter the amount for %(part)s, or leave every payment empty to share the price "
                                "by the payment profile",
                                part=label,
                            )
                        ]
                return False
            if not ok or any(f.errors for f in fields):
                return False
            total = sum(f.pence for f in fields)
            if self.price.pence is not None and total != self.price.pence:
                fields[0].errors = [
                    _(
                        "The payments add up to %(total)s, not the total price of %(price)s",
                        total=format_pounds(total),
                        price=format_pounds(self.price.pence),
                    )
                ]
                return False
            self.breakdown = {key: field.pence for key, _, _, field in self.parts}
            return ok

    for key, label, percent in parts:
        setattr(
            PriceForm,
            f"part_{key}",
            AmountField(_("%(part)s (%(percent)s%%)", part=label, percent=percent), part=label),
        )
    form = PriceForm(**kwargs)
    form.parts = [(key, label, percent, form[f"part_{key}"]) for key, label, percent in parts]
    return form


class SocialValueForm(SaveForm):
    """The social value commitments, up to the need's own word limit (`limit`)."""

    social_value = FreeText(
        _l("Your social value commitments"),
        noun=_l("Your social value commitments"),
        words=500,  # replaced by the need's limit
        draft=True,
        empty=_l("Enter your social value commitments"),
    )

    def __init__(self, *args, limit: int, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.social_value
        field.words, field.characters = limit, character_limit(limit)
        field.description = _(
            "What you will do for the local community beyond the service itself, for example jobs or "
            "volunteering for people with lived experience. Up to %(limit)s words.",
            limit=format_decimal(limit),
        )


class LocalPresenceForm(SaveForm):
    pdus = ListedChoices(_l("Where do you have staff or premises?"), noun=_l("delivery units this need covers"))

    def __init__(self, *args, pdus=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pdus.choices = [SelectChoice(str(p.id), p.local_name) for p in pdus] + [
            SelectChoice(NONE_OF_THESE, _("None of these"))
        ]

    def validate_pdus(self, field):
        chosen = field.data or []
        if not chosen:
            raise ValidationError(
                _("Select the delivery units where you have staff or premises, or select 'None of these'")
            )
        if NONE_OF_THESE in chosen and len(chosen) > 1:
            raise ValidationError(_("Select delivery units, or select 'None of these', not both"))

    @property
    def none_chosen(self) -> bool:
        return NONE_OF_THESE in (self.pdus.data or [])

    @property
    def pdu_ids(self) -> list[int]:
        return [int(v) for v in self.pdus.data or [] if v != NONE_OF_THESE]


class DeclarationsForm(SaveForm):
    declarations = ListedChoices(
        _l("Declarations"),
        noun=_l("declarations"),
        choices=[SelectChoice(d.value, d.label) for d in Declaration],
    )
    conflict_details = FreeText(
        _l("Conflict of interest (optional)"),
        noun=_l("The description of a conflict of interest"),
        words=CONFLICT_WORD_LIMIT,
        draft=True,
        hint=_l(
            "Describe any link with the commissioning area or its staff. Up to %(limit)s words.",
            limit=CONFLICT_WORD_LIMIT,
        ),
    )


class BidDocumentForm(FlaskForm):
    document = FileField(
        _l("Upload a document"), widget=GovFileInput(), description=_l("PDF, ODT, Word (DOCX), Excel (XLSX) or CSV")
    )
    submit = SubmitField(_l("Upload"), widget=GovSubmitInput())

    def validate_document(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise StopValidation(_("Select a file to upload"))


class WithdrawBidForm(FlaskForm):
    reason = FreeText(
        _l("Why are you withdrawing the bid?"),
        noun=_l("The reason"),
        characters=WITHDRAW_REASON_CHARACTERS,
        empty=_l("Enter the reason for withdrawing the bid"),
        hint=_l("The reason is recorded with your bid's history."),
    )
    submit = SubmitField(_l("Withdraw the bid"), widget=GovSubmitInput())
