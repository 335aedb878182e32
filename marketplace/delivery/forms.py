"""Forms for outcome reports: input shape only, with GOV.UK messages. The rules (numbers
consistent with each other, word limits, the state of the report) live in the services
(drafts.py, decisions.py), which check them again and names the field of a refusal."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from ..documents.uploads import read_limited
from ..forms import FreeText, Radios, WholeNumberField
from .reports import (
    CASE_STUDY_WORD_LIMIT,
    COMMENTS_WORD_LIMIT,
    MAX_PEOPLE,
    NARRATIVE_WORD_LIMIT,
    PARTS,
    outcome_field,
)


def long_text(label: str, noun: str, limit: int, hint: str) -> FreeText:
    """Free text of at most `limit` words (and the characters of that many)."""
    return FreeText(label, noun=noun, words=limit, hint=hint)


class PeopleField(WholeNumberField):
    """A number of people, 0 or more; empty is allowed in a draft."""

    def __init__(self, label, **kwargs):
        super().__init__(label, minimum=0, maximum=MAX_PEOPLE, example=12, **kwargs)


def _narrative() -> FreeText:
    return long_text(
        "Narrative",
        "The narrative",
        NARRATIVE_WORD_LIMIT,
        f"How delivery went for this milestone: what worked, what did not and what you will change. "
        f"Up to {NARRATIVE_WORD_LIMIT} words.",
    )


def _case_study() -> FreeText:
    return long_text(
        "Case study (optional)",
        "The case study",
        CASE_STUDY_WORD_LIMIT,
        f"The story of one person you supported. Anonymise it: no names, initials, dates of birth, addresses "
        f"or anything else that could identify them. Up to {CASE_STUDY_WORD_LIMIT} words.",
    )


class ReportForm(FlaskForm):
    """The numbers; report_form adds the outcome boxes, the text and the buttons after
    them, so the error summary follows the order of the page."""

    referred = PeopleField("People referred")
    started = PeopleField("People who started", description="Of the people referred.")
    completed = PeopleField("People who completed", description="Of the people who started.")

    def outcome_rows(self):
        """(outcome, [(part, field), ...]) per outcome of the contract."""
        return [
            (outcome, [(part, self[outcome_field(outcome.id, part)]) for part, _ in PARTS]) for outcome in self.outcomes
        ]

    def outcome_numbers(self) -> dict[int, tuple[int | None, int | None, int | None]]:
        return {
            outcome.id: tuple(self[outcome_field(outcome.id, part)].number for part, _ in PARTS)
            for outcome in self.outcomes
        }

    @property
    def submitting(self) -> bool:
        return bool(self.submit_report.data)

    def answers(self) -> dict:
        """What was entered, as drafts.save_report takes it."""
        return {
            "referred": self.referred.number,
            "started": self.started.number,
            "completed": self.completed.number,
            "outcomes": self.outcome_numbers(),
            "narrative": self.narrative.data,
            "case_study": self.case_study.data,
        }


def report_form(outcomes, **kwargs) -> ReportForm:
    """The report form with three boxes per outcome of the contract, named
    outcome_<id>_achieved, outcome_<id>_partly and outcome_<id>_not_achieved."""

    class Form(ReportForm):
        pass

    labels = {"achieved": "Achieved", "partly": "Partly achieved", "not_achieved": "Not achieved"}
    for number, outcome in enumerate(outcomes, start=1):
        for part, verb in PARTS:
            # The label names the outcome, so a message in the error summary says which;
            # the page shows the short label inside the outcome's fieldset.
            setattr(Form, outcome_field(outcome.id, part), PeopleField(f"People who {verb} outcome {number}"))
    Form.narrative = _narrative()
    Form.case_study = _case_study()
    Form.save = SubmitField("Save as draft", widget=GovSubmitInput())
    Form.submit_report = SubmitField("Submit the report", widget=GovSubmitInput())
    form = Form(**kwargs)
    form.outcomes = list(outcomes)
    form.part_labels = labels
    return form


class EvidenceForm(FlaskForm):
    document = FileField(
        "Upload evidence", widget=GovFileInput(), description="PDF, ODT, Word (DOCX), Excel (XLSX) or CSV"
    )
    submit = SubmitField("Upload", widget=GovSubmitInput())

    def validate_document(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise StopValidation("Select a file to upload")

    @property
    def filename(self) -> str:
        return self.document.data.filename

    def contents(self) -> bytes:
        """The file, read no further than one byte over the size allowed."""
        return read_limited(self.document.data.stream)


APPROVE, RETURN = "approve", "return"


class ReviewForm(FlaskForm):
    decision = Radios(
        "Your decision",
        message="Select whether to approve the report or return it",
        choices=[
            SelectChoice(APPROVE, "Approve the report"),
            SelectChoice(RETURN, "Return it to the provider with comments"),
        ],
        widget=GovRadioInput(),
    )
    comments = long_text(
        "Comments",
        "Your comments",
        COMMENTS_WORD_LIMIT,
        f"Needed when you return the report: say what the provider should change. Shared with the provider. "
        f"Up to {COMMENTS_WORD_LIMIT} words.",
    )
    submit = SubmitField("Confirm your decision", widget=GovSubmitInput())

    @property
    def approving(self) -> bool:
        return self.decision.data == APPROVE
