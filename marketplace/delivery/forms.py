"""Forms for outcome reports: input shape only, with GOV.UK messages. The rules (numbers
consistent with each other, word limits, the state of the report) live in the services
(drafts.py, decisions.py), which check them again and names the field of a refusal."""

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


def long_text(label, noun, limit: int, hint) -> FreeText:
    """Free text of at most `limit` words (and the characters of that many)."""
    return FreeText(label, noun=noun, words=limit, hint=hint)


class PeopleField(WholeNumberField):
    """A number of people, 0 or more; empty is allowed in a draft."""

    def __init__(self, label, **kwargs):
        super().__init__(label, minimum=0, maximum=MAX_PEOPLE, example=12, **kwargs)


def _narrative() -> FreeText:
    return long_text(
        _l("Narrative"),
        _l("The narrative"),
        NARRATIVE_WORD_LIMIT,
        _l(
            "How delivery went for this milestone: what worked, what did not and what you will change. "
            "Up to %(words)s words.",
            words=NARRATIVE_WORD_LIMIT,
        ),
    )


def _case_study() -> FreeText:
    return long_text(
        _l("Case study (optional)"),
        _l("The case study"),
        CASE_STUDY_WORD_LIMIT,
        _l(
            "The story of one person you supported. Anonymise it: no names, initials, dates of birth, addresses "
            "or anything else that could identify them. Up to %(words)s words.",
            words=CASE_STUDY_WORD_LIMIT,
        ),
    )


class ReportForm(FlaskForm):
    """The numbers; report_form adds the outcome boxes, the text and the buttons after
    them, so the error summary follows the order of the page."""

    referred = PeopleField(_l("People referred"))
    started = PeopleField(_l("People who started"), description=_l("Of the people referred."))
    completed = PeopleField(_l("People who completed"), description=_l("Of the people who started."))

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

    labels = {"achieved": _l("Achieved"), "partly": _l("Partly achieved"), "not_achieved": _l("Not achieved")}
    for number, outcome in enumerate(outcomes, start=1):
        names = {
            "achieved": _l("People who achieved outcome %(number)s", number=number),
            "partly": _l("People who partly achieved outcome %(number)s", number=number),
            "not_achieved": _l("People who did not achieve outcome %(number)s", number=number),
        }
        for part, _verb in PARTS:
            # The label names the outcome, so a message in the error summary says which;
            # the page shows the short label inside the outcome's fieldset.
            setattr(Form, outcome_field(outcome.id, part), PeopleField(names[part]))
    Form.narrative = _narrative()
    Form.case_study = _case_study()
    Form.save = SubmitField(_l("Save as draft"), widget=GovSubmitInput())
    Form.submit_report = SubmitField(_l("Submit the report"), widget=GovSubmitInput())
    form = Form(**kwargs)
    form.outcomes = list(outcomes)
    form.part_labels = labels
    return form


class EvidenceForm(FlaskForm):
    document = FileField(
        _l("Upload evidence"), widget=GovFileInput(), description=_l("PDF, ODT, Word (DOCX), Excel (XLSX) or CSV")
    )
    submit = SubmitField(_l("Upload"), widget=GovSubmitInput())

    def validate_document(self, field):
        if not field.data or not getattr(field.data, "filename", ""):
            raise StopValidation(_("Select a file to upload"))

    @property
    def filename(self) -> str:
        return self.document.data.filename

    def contents(self) -> bytes:
        """The file, read no further than one byte over the size allowed."""
        return read_limited(self.document.data.stream)


APPROVE, RETURN = "approve", "return"


class ReviewForm(FlaskForm):
    decision = Radios(
        _l("Your decision"),
        message=_l("Select whether to approve the report or return it"),
        choices=[
            SelectChoice(APPROVE, _l("Approve the report")),
            SelectChoice(RETURN, _l("Return it to the provider with comments")),
        ],
        widget=GovRadioInput(),
    )
    comments = long_text(
        _l("Comments"),
        _l("Your comments"),
        COMMENTS_WORD_LIMIT,
        _l(
            "Needed when you return the report: say what the provider should change. Shared with the provider. "
            "Up to %(words)s words.",
            words=COMMENTS_WORD_LIMIT,
        ),
    )
    submit = SubmitField(_l("Confirm your decision"), widget=GovSubmitInput())

    @property
    def approving(self) -> bool:
        return self.decision.data == APPROVE
