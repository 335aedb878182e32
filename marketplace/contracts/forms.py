"""The form that makes a contract: input shape only, with GOV.UK messages. The rules
(after standstill, the schedule sums exactly to the value, due dates within the
contract, outcomes from the need) live in services.create_contract; the view puts its
refusals by the field."""

from typing import ClassVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import HiddenField, SubmitField
from wtforms.fields.choices import SelectChoice

from ..forms import FreeText, GovDateField, ListedChoices, PoundsField, Radios
from ..money import format_pounds
from .services import Line
from .variations import REASON_WORD_LIMIT


def _plain_pounds(pence: int | None) -> str:
    return format_pounds(pence).lstrip("£") if pence is not None else ""


def schedule_data(lines) -> dict:
    """The amount (in pounds, as typed) and due date of each line, to fill the form with:
    `lines` are services.Line or ContractMilestone."""
    data = {}
    for line in lines:
        data[f"amount_{line.number}"] = _plain_pounds(line.amount_pence)
        data[f"due_{line.number}"] = line.due_on
    return data


class _ScheduleForm(FlaskForm):
    """A form with an amount and a due date per line of a schedule, named amount_<number>
    and due_<number> (as the services name their refusals)."""

    lines: ClassVar[list] = []

    def schedule_fields(self):
        """(line, amount field, due date field) for each line of the schedule."""
        return [(line, self[f"amount_{line.number}"], self[f"due_{line.number}"]) for line in self.lines]


def _add_schedule_fields(form_class: type[_ScheduleForm], lines) -> None:
    """Add the fields of each line, after those the class already has (the error summary
    follows the order fields were made in)."""
    form_class.lines = list(lines)
    for line in lines:
        title = line.title.lower()
        setattr(
            form_class,
            f"amount_{line.number}",
            PoundsField(
                _l("Amount for %(title)s", title=title),
                empty=_l("Enter an amount for %(title)s", title=title),
                noun=_l("The amount for %(title)s", title=title),
            ),
        )
        setattr(
            form_class,
            f"due_{line.number}",
            GovDateField(_l("Due date for %(title)s", title=title), noun=_l("the due date for %(title)s", title=title)),
        )


def contract_form(lines: list[Line], outcomes, **kwargs) -> FlaskForm:
    """Start and end dates, an amount and a due date per line of the schedule, and the
    outcomes to report."""

    class ContractForm(_ScheduleForm):
        starts_on = GovDateField(_l("Start date"), noun=_l("the start date"))
        ends_on = GovDateField(_l("End date"), noun=_l("the end date"))

        def schedule_lines(self) -> list[Line]:
            return [
                Line(line.number, line.title, amount.pence, due.data) for line, amount, due in self.schedule_fields()
            ]

        @property
        def chosen_outcome_ids(self) -> list[int]:
            return [int(value) for value in self.outcome_ids.data or [] if value.isdigit()]

        def terms(self) -> dict:
            """What was entered, as services.create_contract takes it."""
            return {
                "starts_on": self.starts_on.data,
                "ends_on": self.ends_on.data,
                "schedule": self.schedule_lines(),
                "outcome_ids": self.chosen_outcome_ids,
            }

    _add_schedule_fields(ContractForm, lines)
    # After the lines, so the error summary lists problems in the order of the page.
    # `schedule` is not shown: it carries the "payments do not add up" error.
    ContractForm.schedule = HiddenField()
    ContractForm.outcome_ids = ListedChoices(_l("Outcomes the provider will report"), noun=_l("outcomes"))
    ContractForm.submit = SubmitField(_l("Make the contract"), widget=GovSubmitInput())
    form = ContractForm(**kwargs)
    form.outcome_ids.choices = [SelectChoice(str(o.id), o.local_text) for o in outcomes]
    return form


def variation_form(contract, **kwargs) -> FlaskForm:
    """A new end date, an amount and a due date per line of the schedule, and the reason."""

    class VariationForm(_ScheduleForm):
        ends_on = GovDateField(_l("New end date"), noun=_l("the end date"))

        def terms(self) -> dict:
            """What was entered, as variations.propose takes it."""
            fields = self.schedule_fields()
            return {
                "ends_on": self.ends_on.data,
                "amounts": {line.number: amount.pence for line, amount, _ in fields},
                "due_dates": {line.number: due.data for line, _, due in fields},
                "reason": self.reason.data,
            }

    _add_schedule_fields(VariationForm, contract.milestones)
    VariationForm.reason = FreeText(
        _l("Why the contract is changing"),
        noun=_l("The reason"),
        words=REASON_WORD_LIMIT,
        empty=_l("Enter the reason for the variation"),
        plain=True,
        hint=_l("The provider reads this before agreeing. It is kept in the record."),
    )
    VariationForm.submit = SubmitField(_l("Send to the provider"), widget=GovSubmitInput())
    return VariationForm(**kwargs)


class AnswerVariationForm(FlaskForm):
    answer = Radios(
        _l("Do you agree to this change?"),
        message=_l("Select whether you agree to the change"),
        choices=[
            SelectChoice("accept", _l("Yes, we agree: the change takes effect now")),
            SelectChoice("decline", _l("No, we do not agree")),
        ],
        widget=GovRadioInput(),
    )
    reason = FreeText(
        _l("If you do not agree, say why"),
        noun=_l("The reason"),
        words=REASON_WORD_LIMIT,
        plain=True,
        hint=_l("Required if you do not agree. The commissioner is sent it."),
    )
    submit = SubmitField(_l("Send your answer"), widget=GovSubmitInput())

    @property
    def accepting(self) -> bool:
        return self.answer.data == "accept"
