"""Forms for the commissioner's side of needs: input shape only, with GOV.UK messages.

The rules themselves (PDUs within the area, outcomes from the category, reservations
below the threshold, weights, payment profile) live in drafting.py and dates.py; these forms check
what a person typed can be read, so the services get clean values and the user gets a
message by the field. No form here has, or will accept, any field for a bond, deposit,
guarantee or turnover: a crafted POST with one is simply ignored.
"""

from datetime import datetime

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
    GovDateField,
    ListedChoices,
    PoundsField,
    Radios,
    WholeNumberField,
)
from ..money import format_pounds
from ..timeutil import LONDON
from .fields import AmendableForm, ClockField, YesNoRadios, text_field
from .models import (
    CONDITION_LABELS,
    Procedure,
    Reservation,
    may_be_reserved,
    reservation_threshold_pence,
)

MILESTONE_ROWS = 6


# Creating ------------------------------------------------------------------------------


class NeedCreateForm(FlaskForm):
    area = Radios(
        _l("Which area is the need for?"), message=_l("Select the area the need is for"), widget=GovRadioInput()
    )
    title = text_field(
        _l("Title"),
        _l("Enter a title for the need"),
        150,
        hint=_l("What providers will see in the list of needs, for example 'Women's centre support in East Kent'"),
    )
    submit = SubmitField(_l("Create draft"), widget=GovSubmitInput())

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.area.choices = [SelectChoice(str(a.id), a.label) for a in areas]


# About ---------------------------------------------------------------------------------


class AboutForm(AmendableForm):
    title = text_field(_l("Title"), _l("Enter a title for the need"), 150)
    summary = text_field(
        _l("Summary"),
        _l("Enter a summary of the need"),
        5000,
        textarea=True,
        hint=_l("What the service is for and what a provider would do. Plain English, no jargon."),
    )
    pdus = ListedChoices(_l("Probation delivery units covered"), noun=_l("delivery units in this area"))
    category = Radios(_l("Service category"), message=_l("Select a service category"), widget=GovRadioInput())
    outcomes = ListedChoices(_l("Desired outcomes"), noun="outcomes")
    cohort = text_field(
        _l("Who the service is for (cohort)"),
        _l("Say who the service is for (the cohort)"),
        2000,
        textarea=True,
        hint=_l("For example, women on probation in Thanet who have experienced domestic abuse"),
    )
    expected_people = WholeNumberField(
        _l("Expected number of people"),
        minimum=1,
        maximum=100_000,
        empty=_l("Enter the expected number of people"),
        example=40,
    )
    duration_months = WholeNumberField(
        _l("Duration in months"),
        minimum=1,
        maximum=120,
        empty=_l("Enter how long the service runs, in months"),
        example=12,
    )
    procedure = Radios(
        _l("Procedure"),
        message=_l("Select grant or contract"),
        choices=[SelectChoice(p.value, p.label) for p in Procedure],
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())

    def __init__(self, *args, pdus=(), outcome_groups=(), **kwargs):
        """`outcome_groups`: (category, [its current outcomes]) for each current category."""
        super().__init__(*args, **kwargs)
        self.pdus.choices = [SelectChoice(str(a.id), a.local_name) for a in pdus]
        self.category.choices = [SelectChoice(str(c.id), c.local_name) for c, _ in outcome_groups]
        self._outcome_category = {str(o.id): str(c.id) for c, outcomes in outcome_groups for o in outcomes}
        self.outcomes.choices = [
            SelectChoice(str(o.id), o.local_text) for _, outcomes in outcome_groups for o in outcomes
        ]

    def validate_outcomes(self, field):
        if not self.category.data or self.category.errors:
            return
        if any(self._outcome_category.get(value) != self.category.data for value in field.data or []):
            raise ValidationError(_l("Select outcomes from the service category you chose"))


# Lots ----------------------------------------------------------------------------------


class LotForm(AmendableForm):
    title = text_field(_l("Lot title"), _l("Enter a title for the lot"), 150)
    description = text_field(
        _l("Description"),
        _l("Enter a description of the lot"),
        5000,
        textarea=True,
        hint=_l("What this lot covers: where, for whom, and what is different from the other lots"),
    )
    budget = PoundsField(
        _l("Budget"), empty=_l("Enter the budget for the lot"), description=_l("In pounds, for example £12,500")
    )
    reservation = Radios(
        _l("Who can bid"),
        message=_l("Select who can bid for the lot"),
        choices=[SelectChoice(r.value, r.label) for r in Reservation],
        default=Reservation.NONE.value,
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Save lot"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reservation.description = _(
            "A lot can be reserved for VCSE or local organisations only when its budget is below %(value)s",
            value=format_pounds(reservation_threshold_pence(), whole=True),
        )

    def validate_reservation(self, field):
        if self.budget.pence is None or field.data == Reservation.NONE.value:
            return
        if not may_be_reserved(self.budget.pence):
            raise ValidationError(
                _(
                    "A lot can be reserved only when its budget is below %(value)s: choose 'Open to all' or lower "
                    "the budget",
                    value=format_pounds(reservation_threshold_pence(), whole=True),
                )
            )


class RemoveForm(AmendableForm):
    submit = SubmitField(_l("Remove"), widget=GovSubmitInput())


# Evaluation criteria -------------------------------------------------------------------


class CriterionForm(AmendableForm):
    question = text_field(
        _l("Quality question"),
        _l("Enter the question"),
        1000,
        textarea=True,
        hint=_l("One thing you want to know, for example 'How will you reach women who do not engage?'"),
    )
    weight = WholeNumberField(
        _l("Weight"), minimum=1, maximum=90, empty=_l("Enter the weight of the question"), example=20
    )
    word_limit = WholeNumberField(
        _l("Word limit"),
        minimum=50,
        maximum=500,
        empty=_l("Enter the word limit"),
        example=300,
        description=_l("Between 50 and 500 words: keep answers short"),
    )
    submit = SubmitField(_l("Save question"), widget=GovSubmitInput())


class WeightsForm(AmendableForm):
    social_value_weight = WholeNumberField(
        _l("Social value weight"),
        minimum=10,
        maximum=100,
        empty=_l("Enter the weight for social value"),
        example=10,
        description=_l("At least %(least)s%%", least=10),
    )
    price_weight = WholeNumberField(
        _l("Price weight"),
        minimum=0,
        maximum=40,
        empty=_l("Enter the weight for price"),
        example=20,
        description=_l("%(most)s%% or less", most=40),
    )
    social_value_word_limit = WholeNumberField(
        _l("Word limit for the social value answer"),
        minimum=50,
        maximum=500,
        empty=_l("Enter the word limit for the social value answer"),
        example=250,
        description=_l("Between 50 and 500 words. It counts towards the need's word budget."),
    )
    submit = SubmitField(_l("Save weights"), widget=GovSubmitInput())


class FormKindForm(AmendableForm):
    """The short grant form or the need's own questions (a draft's choice only)."""

    short_form = Radios(
        _l("Which form should bidders fill in?"),
        message=_l("Select the short grant form or your own questions"),
        choices=[
            SelectChoice("short", _l("Use the short grant form")),
            SelectChoice("own", _l("Use your own questions")),
        ],
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


# Conditions of participation -----------------------------------------------------------


class ConditionsForm(AmendableForm):
    conditions = ListedChoices(
        _l("Conditions of participation"),
        noun="conditions",
        choices=[SelectChoice(c.value, label) for c, label in CONDITION_LABELS.items()],
        description=_l(
            "Select all that apply. Nothing else can be asked of providers: no financial tests, bonds, deposits or guarantees."
        ),
    )
    cost_floor = PoundsField(
        _l("Lowest cost per person (optional)"),
        noun=_l("Lowest cost per person"),
        description=_l(
            "A bid costing less than this per person is flagged as abnormally low and its bidder asked to explain. In pounds, for example £350"
        ),
    )
    show_bid_count = YesNoRadios(
        _l("Show the number of bids received before closing?"),
        message=_l("Select yes if you want to see the number of bids received before closing"),
        description=_l("Only the number: nobody can open a bid before the need closes."),
    )
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())


# Payment profile -----------------------------------------------------------------------


class PaymentForm(AmendableForm):
    advance_percent = WholeNumberField(
        _l("Advance at contract start"),
        minimum=0,
        maximum=25,
        empty=_l("Enter the advance, or 0 for none"),
        example=10,
        description=_l("Between 0%% and %(most)s%% of each lot's value, paid when the contract starts", most=25),
    )
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())

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
                (title, _("Enter a title for milestone %(number)s", number=i)),
                (percent, _("Enter the percentage paid at milestone %(number)s", number=i)),
                (month, _("Enter the month milestone %(number)s is due", number=i)),
            ):
                if not field.data and not field.errors:
                    field.errors.append(message)
                    ok = False
            if title.errors or percent.errors or month.errors:
                continue
            rows.append((title.data, percent.number, month.number))
        if ok and not rows:
            self.milestone_1_title.errors.append(_l("Add at least one milestone"))
            ok = False
        if ok and self.advance_percent.number is not None:
            total = self.advance_percent.number + sum(p for _, p, _ in rows)
            if total != 100:
                self.advance_percent.errors.append(
                    _("The advance and milestones must add up to 100%%, not %(total)s%%", total=total)
                )
                ok = False
        self.milestones = rows
        return ok


for _i in range(1, MILESTONE_ROWS + 1):
    setattr(
        PaymentForm,
        f"milestone_{_i}_title",
        text_field(_l("Milestone %(number)s title", number=_i), "", 150, optional=True),
    )
    setattr(
        PaymentForm,
        f"milestone_{_i}_percent",
        WholeNumberField(_l("Milestone %(number)s percentage", number=_i), minimum=1, maximum=100, example=25),
    )
    setattr(
        PaymentForm,
        f"milestone_{_i}_month",
        WholeNumberField(_l("Milestone %(number)s due month", number=_i), minimum=1, maximum=120, example=6),
    )


# Dates ---------------------------------------------------------------------------------


class DatesForm(AmendableForm):
    question_deadline_date = GovDateField(
        _l("Question deadline"), noun=_l("the question deadline"), description=_l("For example, 27 3 2027")
    )
    question_deadline_time = ClockField(
        _l("Time of the question deadline"),
        empty=_l("Enter the time of the question deadline"),
        invalid=_l("The time of the question deadline must be a real time, like 12:00 or 17:30"),
    )
    closes_date = GovDateField(_l("Closing date"), noun=_l("the closing date"))
    closes_time = ClockField(
        _l("Closing time"),
        empty=_l("Enter the closing time"),
        invalid=_l("The closing time must be a real time, like 12:00 or 17:30"),
    )
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())

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
        _l("Upload a document"),
        widget=GovFileInput(),
        description=_l("PDF, ODT, Word (DOCX), Excel (XLSX) or CSV"),
    )
    submit = SubmitField(_l("Upload"), widget=GovSubmitInput())

    def validate_document(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise StopValidation(_l("Select a file to upload"))


# Ending --------------------------------------------------------------------------------


class EndNeedForm(FlaskForm):
    reason = text_field(
        _l("Reason"),
        _l("Enter the reason"),
        2000,
        textarea=True,
        hint=_l("Providers following the need are sent this reason, and it is shown on the need."),
    )
    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())
