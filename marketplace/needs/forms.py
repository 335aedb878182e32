"""Forms for the commissioner's side of needs: input shape only, with GOV.UK messages.

The rules themselves (PDUs within the area, outcomes from the category, reservations
below the threshold, weights, payment profile) live in drafting.py and dates.py; these forms check
what a person typed can be read, so the services get clean values and the user gets a
message by the field. No form here has, or will accept, any field for a bond, deposit,
guarantee or turnover: a crafted POST with one is simply ignored.
"""

import re
from datetime import datetime, time

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation, ValidationError

from ..forms import (
    FreeText,
    GovDateField,
    ListedChoices,
    MaxLength,
    NoMarkup,
    PoundsField,
    Radios,
    WholeNumberField,
    required,
    strip,
)
from ..money import format_pounds
from ..timeutil import LONDON
from .models import (
    CONDITION_LABELS,
    Procedure,
    Reservation,
    may_be_reserved,
    reservation_threshold_pence,
)

MILESTONE_ROWS = 6


# Fields --------------------------------------------------------------------------------


TIME = re.compile(r"^([0-9]{1,2})[:.]([0-9]{2})$")


class ClockField(StringField):
    """A 24-hour time ('12:00', '17:30') in Europe/London; the time is in `.clock`."""

    widget = GovTextInput()

    def __init__(self, label, *, noun: str, **kwargs):
        kwargs.setdefault("filters", [strip])
        kwargs.setdefault("description", "Use the 24-hour clock, for example 12:00 or 17:30")
        super().__init__(label, **kwargs)
        self.noun = noun
        self.clock: time | None = None

    def pre_validate(self, form):
        self.clock = None
        if not self.data:
            raise StopValidation(f"Enter {self.noun}")
        match = TIME.match(self.data)
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            noun = self.noun[0].upper() + self.noun[1:]
            raise StopValidation(f"{noun} must be a real time, like 12:00 or 17:30")
        self.clock = time(int(match.group(1)), int(match.group(2)))


class YesNoRadios(Radios):
    """Yes or no radios. A POST without them (not a browser, which always sends the
    choice shown) leaves the saved answer as it is; anything else but yes or no is an error."""

    def __init__(self, label, *, message: str, **kwargs):
        kwargs.setdefault("validators", [])
        kwargs.setdefault("choices", [SelectChoice("yes", "Yes"), SelectChoice("no", "No")])
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


def reason_field(label="Reason for the change"):
    return text_field(
        label,
        "Enter the reason for the change",
        2000,
        textarea=True,
        hint="Providers following this need are told about the change and read this reason.",
    )


class AmendableForm(FlaskForm):
    """A section form. When the need is open, saving it is an amendment, so a reason is
    required; for a draft, the reason field is not there at all."""

    reason = reason_field()
    correction = BooleanField(
        "This is a correction of wording that does not affect bids (for example a typo)",
        widget=GovCheckboxInput(),
        description="Bidders are still told and the correction is shown on the need, but no submitted bid has "
        "to be confirmed again and the closing time does not move. A change to a budget, a weight, a "
        "percentage, a date or a choice is never a correction.",
    )

    def __init__(self, *args, amending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.amending = amending
        if not amending:
            del self.reason
            del self.correction


# Creating ------------------------------------------------------------------------------


class NeedCreateForm(FlaskForm):
    area = Radios("Which area is the need for?", message="Select the area the need is for", widget=GovRadioInput())
    title = text_field(
        "Title",
        "Enter a title for the need",
        150,
        hint="What providers will see in the list of needs, for example 'Women's centre support in East Kent'",
    )
    submit = SubmitField("Create draft", widget=GovSubmitInput())

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = [SelectChoice(str(a.id), a.label) for a in areas]


# About ---------------------------------------------------------------------------------


class AboutForm(AmendableForm):
    title = text_field("Title", "Enter a title for the need", 150)
    summary = text_field(
        "Summary",
        "Enter a summary of the need",
        5000,
        textarea=True,
        hint="What the service is for and what a provider would do. Plain English, no jargon.",
    )
    pdus = ListedChoices("Probation delivery units covered", noun="delivery units in this area")
    category = Radios("Service category", message="Select a service category", widget=GovRadioInput())
    outcomes = ListedChoices("Desired outcomes", noun="outcomes")
    cohort = text_field(
        "Who the service is for (cohort)",
        "Say who the service is for (the cohort)",
        2000,
        textarea=True,
        hint="For example, women on probation in Thanet who have experienced domestic abuse",
    )
    expected_people = WholeNumberField(
        "Expected number of people", minimum=1, maximum=100_000, empty="Enter the expected number of people", example=40
    )
    duration_months = WholeNumberField(
        "Duration in months", minimum=1, maximum=120, empty="Enter how long the service runs, in months", example=12
    )
    procedure = Radios(
        "Procedure",
        message="Select grant or contract",
        choices=[SelectChoice(p.value, p.label) for p in Procedure],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def __init__(self, *args, pdus=(), outcome_groups=(), **kwargs):
        """`outcome_groups`: (category, [its current outcomes]) for each current category."""
        super().__init__(*args, **kwargs)
        self.pdus.choices = [SelectChoice(str(a.id), a.name) for a in pdus]
        self.category.choices = [SelectChoice(str(c.id), c.name) for c, _ in outcome_groups]
        self._outcome_category = {str(o.id): str(c.id) for c, outcomes in outcome_groups for o in outcomes}
        self.outcomes.choices = [SelectChoice(str(o.id), o.text) for _, outcomes in outcome_groups for o in outcomes]

    def validate_outcomes(self, field):
        if not self.category.data or self.category.errors:
            return
        if any(self._outcome_category.get(value) != self.category.data for value in field.data or []):
            raise ValidationError("Select outcomes from the service category you chose")


# Lots ----------------------------------------------------------------------------------


class LotForm(AmendableForm):
    title = text_field("Lot title", "Enter a title for the lot", 150)
    description = text_field(
        "Description",
        "Enter a description of the lot",
        5000,
        textarea=True,
        hint="What this lot covers: where, for whom, and what is different from the other lots",
    )
    budget = PoundsField("Budget", empty="Enter the budget for the lot", description="In pounds, for example £12,500")
    reservation = Radios(
        "Who can bid",
        message="Select who can bid for the lot",
        choices=[SelectChoice(r.value, r.label) for r in Reservation],
        default=Reservation.NONE.value,
        widget=GovRadioInput(),
    )
    submit = SubmitField("Save lot", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reservation.description = (
            "A lot can be reserved for VCSE or local organisations only when its budget is below "
            f"{format_pounds(reservation_threshold_pence(), whole=True)}"
        )

    def validate_reservation(self, field):
        if self.budget.pence is None or field.data == Reservation.NONE.value:
            return
        if not may_be_reserved(self.budget.pence):
            raise ValidationError(
                "A lot can be reserved only when its budget is below "
                f"{format_pounds(reservation_threshold_pence(), whole=True)}: choose 'Open to all' or lower the budget"
            )


class RemoveForm(AmendableForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())


# Evaluation criteria -------------------------------------------------------------------


class CriterionForm(AmendableForm):
    question = text_field(
        "Quality question",
        "Enter the question",
        1000,
        textarea=True,
        hint="One thing you want to know, for example 'How will you reach women who do not engage?'",
    )
    weight = WholeNumberField("Weight", minimum=1, maximum=90, empty="Enter the weight of the question", example=20)
    word_limit = WholeNumberField(
        "Word limit",
        minimum=50,
        maximum=500,
        empty="Enter the word limit",
        example=300,
        description="Between 50 and 500 words: keep answers short",
    )
    submit = SubmitField("Save question", widget=GovSubmitInput())


class WeightsForm(AmendableForm):
    social_value_weight = WholeNumberField(
        "Social value weight",
        minimum=10,
        maximum=100,
        empty="Enter the weight for social value",
        example=10,
        description="At least 10%",
    )
    price_weight = WholeNumberField(
        "Price weight",
        minimum=0,
        maximum=40,
        empty="Enter the weight for price",
        example=20,
        description="40% or less",
    )
    social_value_word_limit = WholeNumberField(
        "Word limit for the social value answer",
        minimum=50,
        maximum=500,
        empty="Enter the word limit for the social value answer",
        example=250,
        description="Between 50 and 500 words. It counts towards the need's word budget.",
    )
    submit = SubmitField("Save weights", widget=GovSubmitInput())


class FormKindForm(AmendableForm):
    """The short grant form or the need's own questions (a draft's choice only)."""

    short_form = Radios(
        "Which form should bidders fill in?",
        message="Select the short grant form or your own questions",
        choices=[
            SelectChoice("short", "Use the short grant form"),
            SelectChoice("own", "Use your own questions"),
        ],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


# Conditions of participation -----------------------------------------------------------


class ConditionsForm(AmendableForm):
    conditions = ListedChoices(
        "Conditions of participation",
        noun="conditions",
        choices=[SelectChoice(c.value, label) for c, label in CONDITION_LABELS.items()],
        description="Select all that apply. Nothing else can be asked of providers: no financial tests, bonds, deposits or guarantees.",
    )
    cost_floor = PoundsField(
        "Lowest cost per person (optional)",
        noun="Lowest cost per person",
        description="A bid costing less than this per person is flagged as abnormally low and its bidder asked to explain. In pounds, for example £350",
    )
    show_bid_count = YesNoRadios(
        "Show the number of bids received before closing?",
        message="Select yes if you want to see the number of bids received before closing",
        description="Only the number: nobody can open a bid before the need closes.",
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


# Payment profile -----------------------------------------------------------------------


class PaymentForm(AmendableForm):
    advance_percent = WholeNumberField(
        "Advance at contract start",
        minimum=0,
        maximum=25,
        empty="Enter the advance, or 0 for none",
        example=10,
        description="Between 0% and 25% of each lot's value, paid when the contract starts",
    )
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def milestone_rows(self):
        return [
            (i, self[f"milestone_{i}_title"], self[f"milestone_{i}_percent"], self[f"milestone_{i}_month"])
            for i in range(1, MILESTONE_ROWS + 1)
        ]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        rows = []
        for i, title, percent, month in self.milestone_rows():
            if not (title.data or percent.data or month.data):
                continue
            for field, message in (
                (title, f"Enter a title for milestone {i}"),
                (percent, f"Enter the percentage paid at milestone {i}"),
                (month, f"Enter the month milestone {i} is due"),
            ):
                if not field.data and not field.errors:
                    field.errors.append(message)
                    ok = False
            if title.errors or percent.errors or month.errors:
                continue
            rows.append((title.data, percent.number, month.number))
        if ok and not rows:
            self.milestone_1_title.errors.append("Add at least one milestone")
            ok = False
        if ok and self.advance_percent.number is not None:
            total = self.advance_percent.number + sum(p for _, p, _ in rows)
            if total != 100:
                self.advance_percent.errors.append(f"The advance and milestones must add up to 100%, not {total}%")
                ok = False
        self.milestones = rows
        return ok


for _i in range(1, MILESTONE_ROWS + 1):
    setattr(PaymentForm, f"milestone_{_i}_title", text_field(f"Milestone {_i} title", "", 150, optional=True))
    setattr(
        PaymentForm,
        f"milestone_{_i}_percent",
        WholeNumberField(f"Milestone {_i} percentage", minimum=1, maximum=100, example=25),
    )
    setattr(
        PaymentForm,
        f"milestone_{_i}_month",
        WholeNumberField(f"Milestone {_i} due month", minimum=1, maximum=120, example=6),
    )


# Dates ---------------------------------------------------------------------------------


class DatesForm(AmendableForm):
    question_deadline_date = GovDateField(
        "Question deadline", noun="the question deadline", description="For example, 27 3 2027"
    )
    question_deadline_time = ClockField("Time of the question deadline", noun="the time of the question deadline")
    closes_date = GovDateField("Closing date", noun="the closing date")
    closes_time = ClockField("Closing time", noun="the closing time")
    submit = SubmitField("Save and continue", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.question_deadline = self.closes_at = None

    @staticmethod
    def _combine(day_field, clock_field):
        if day_field.data is None or clock_field.clock is None:
            return None
        return datetime.combine(day_field.data, clock_field.clock, tzinfo=LONDON)

    def set_times(self, question_deadline: datetime | None, closes_at: datetime | None) -> None:
        for moment, day_field, clock_field in (
            (question_deadline, self.question_deadline_date, self.question_deadline_time),
            (closes_at, self.closes_date, self.closes_time),
        ):
            if moment is not None:
                local = moment.astimezone(LONDON)
                day_field.data = local.date()
                clock_field.data = f"{local:%H:%M}"

    def validate(self, extra_validators=None):
        """The shape of the dates; the rules they must keep are dates.date_problems,
        whose messages the view puts by these fields."""
        ok = super().validate(extra_validators)
        if ok:
            self.question_deadline = self._combine(self.question_deadline_date, self.question_deadline_time)
            self.closes_at = self._combine(self.closes_date, self.closes_time)
        return ok

    def field_for(self, name: str):
        """The date field to show a rule's message by ("question_deadline" or "closes_at")."""
        return self.question_deadline_date if name == "question_deadline" else self.closes_date


# Documents -----------------------------------------------------------------------------


class DocumentForm(AmendableForm):
    document = FileField(
        "Upload a document",
        widget=GovFileInput(),
        description="PDF, ODT, Word (DOCX), Excel (XLSX) or CSV",
    )
    submit = SubmitField("Upload", widget=GovSubmitInput())

    def validate_document(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise StopValidation("Select a file to upload")


# Ending --------------------------------------------------------------------------------


class EndNeedForm(FlaskForm):
    reason = text_field(
        "Reason",
        "Enter the reason",
        2000,
        textarea=True,
        hint="Providers following the need are sent this reason, and it is shown on the need.",
    )
    submit = SubmitField("Confirm", widget=GovSubmitInput())
