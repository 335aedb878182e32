"""Forms for the panel's pages: input shape only, with GOV.UK messages.

The rules (who may be on the panel, that every bidder is declared against at once, that a
submitted sheet is complete and final, that moderation waits for every score) live in
panel.py, scoring.py and moderation.py, which the views call; these forms make sure what
was sent can be read, and say so by the field when it cannot. Field names match the
services' EvaluationError.field:
`user_id`, `org_<id>`, `details_<id>`, `score_<part>`, `justification_<part>`,
`rationale_<part>`.
"""

from collections.abc import Callable

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import RadioField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from ..forms import FreeText, Radios
from .errors import JUSTIFICATION_WORD_LIMIT
from .models import SCORE_MEANINGS

NO_CONFLICT = "no"
CONFLICT = "yes"
CONFLICT_DETAILS_CHARACTERS = 2000


class ScoreField(RadioField):
    """A score from 0 to 4, or nothing (a draft may leave it empty; the services say when
    it must be given). Anything else is an error by the field, never a crash."""

    def __init__(self, label, *, noun: str, **kwargs):
        super().__init__(label, choices=[SelectChoice(str(n), str(n)) for n in SCORE_MEANINGS], **kwargs)
        self.noun = noun

    def process_formdata(self, valuelist):
        self.data = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else None

    def pre_validate(self, form):
        if self.data in (None, ""):
            self.data = None
            return
        if self.data not in {str(n) for n in SCORE_MEANINGS}:
            raise StopValidation(_("The score for %(part)s must be a whole number from 0 to 4", part=self.noun))


# The panel -------------------------------------------------------------------------------


class AddEvaluatorForm(FlaskForm):
    user_id = Radios(
        _l("Add an evaluator to the panel"),
        message=_l("Select an evaluator of this area to add to the panel"),
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Add to the panel"), widget=GovSubmitInput())

    def __init__(self, *args, evaluators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = [SelectChoice(str(u.id), u.name) for u in evaluators]
        self.user_id.hints = {str(u.id): u.email for u in evaluators}


# Declarations ------------------------------------------------------------------------------


def declarations_form(organisations, **kwargs) -> FlaskForm:
    """One question per organisation not yet declared against (`org_<id>`), with the
    details of a conflict (`details_<id>`) revealed when there is one."""

    class DeclarationsForm(FlaskForm):
        submit = SubmitField(_("Send your declarations"), widget=GovSubmitInput())

        def validate(self, extra_validators=None):
            ok = super().validate(extra_validators)
            for organisation, choice, details in self.questions:
                if choice.data == CONFLICT and not details.errors and not details.data:
                    details.errors = [
                        _("Describe your conflict of interest with %(organisation)s", organisation=organisation.name)
                    ]
                    ok = False
            return ok

        def answers(self) -> dict[int, tuple[bool, str]]:
            return {
                organisation.id: (choice.data == CONFLICT, details.data or "")
                for organisation, choice, details in self.questions
                if choice.data in (CONFLICT, NO_CONFLICT)
            }

    for organisation in organisations:
        setattr(
            DeclarationsForm,
            f"org_{organisation.id}",
            Radios(
                _("Do you have a conflict of interest with %(organisation)s?", organisation=organisation.name),
                message=_(
                    "Say whether you have a conflict of interest with %(organisation)s", organisation=organisation.name
                ),
                choices=[
                    SelectChoice(NO_CONFLICT, _("No conflict of interest")),
                    SelectChoice(CONFLICT, _("I have a conflict of interest")),
                ],
            ),
        )
        setattr(
            DeclarationsForm,
            f"details_{organisation.id}",
            FreeText(
                _("Describe the conflict of interest"),
                noun=_("The details of your conflict with %(organisation)s", organisation=organisation.name),
                characters=CONFLICT_DETAILS_CHARACTERS,
            ),
        )
    form = DeclarationsForm(**kwargs)
    form.questions = [(o, form[f"org_{o.id}"], form[f"details_{o.id}"]) for o in organisations]
    return form


# Scoring and moderation ---------------------------------------------------------------------


class _PartsForm(FlaskForm):
    """A score and a text per part of the need; `parts` is [(part, score field, text field)]."""

    def scores(self) -> dict[str, tuple]:
        return {part.key: (score.data, text.data or "") for part, score, text in self.parts}


def _parts_form(
    base: type[_PartsForm],
    parts,
    *,
    text_field: str,
    score_label: Callable[[str], str],
    text_label: Callable[[str], str],
    text_noun: Callable[[str], str],
    **kwargs,
):
    """`base` with `score_<key>` and `<text_field>_<key>` for each part; the labels are
    made from the part's name."""

    class Form(base):  # type: ignore[valid-type, misc]  # mypy takes no class passed in as a base
        pass

    for part in parts:
        name = part.label.lower()
        setattr(Form, f"score_{part.key}", ScoreField(score_label(name), noun=name))
        setattr(
            Form,
            f"{text_field}_{part.key}",
            FreeText(
                text_label(name),
                noun=text_noun(name),
                words=JUSTIFICATION_WORD_LIMIT,
            ),
        )
    form = Form(**kwargs)
    form.parts = [(p, form[f"score_{p.key}"], form[f"{text_field}_{p.key}"]) for p in parts]
    return form


class _ScoreForm(_PartsForm):
    save_draft = SubmitField(_l("Save as draft"), widget=GovSubmitInput())
    submit_scores = SubmitField(_l("Submit scores"), widget=GovSubmitInput())
    others: tuple[str, ...] = ()  # the keys of the parts this scorer does not score

    def validate(self, extra_validators=None):
        """A part not this scorer's (a lived-experience adviser's form has only theirs) is
        refused, never quietly dropped."""
        ok = super().validate(extra_validators)
        sent = {name for name in request.form if name.split("_", 1)[0] in ("score", "justification")}
        if any(name.split("_", 1)[1] in self.others for name in sent):
            self.submit_scores.errors = [
                *self.submit_scores.errors,
                _("You can score only the parts you were chosen for"),
            ]
            return False
        return ok


class _ModerationForm(_PartsForm):
    submit = SubmitField(_l("Save the agreed scores"), widget=GovSubmitInput())


def score_form(parts, *, others=(), **kwargs) -> FlaskForm:
    """A score and justification per part (`score_<key>`, `justification_<key>`), saved as
    a draft or submitted; a field of one of the `others` parts sent is refused."""
    form = _parts_form(
        _ScoreForm,
        parts,
        text_field="justification",
        score_label=lambda part: _("Score for %(part)s", part=part),
        text_label=lambda part: _("Why this score for %(part)s", part=part),
        text_noun=lambda part: _("The justification for %(part)s", part=part),
        **kwargs,
    )
    form.others = tuple(others)
    return form


def moderation_form(parts, **kwargs) -> FlaskForm:
    """The agreed score and its rationale per part (`score_<key>`, `rationale_<key>`)."""
    return _parts_form(
        _ModerationForm,
        parts,
        text_field="rationale",
        score_label=lambda part: _("Agreed score for %(part)s", part=part),
        text_label=lambda part: _("Rationale for the agreed score for %(part)s", part=part),
        text_noun=lambda part: _("The rationale for %(part)s", part=part),
        **kwargs,
    )


def saved_answers(parts, line_for, text_field: str) -> dict:
    """The form data of what was saved (a sheet's scores, or the agreed scores): `line_for`
    gives a part key's saved line or None; `text_field` names both the form's text fields
    and the saved line's text."""
    data = {}
    for part in parts:
        line = line_for(part.key)
        data[f"score_{part.key}"] = None if line is None or line.score is None else str(line.score)
        data[f"{text_field}_{part.key}"] = "" if line is None else getattr(line, text_field)
    return data
