"""Forms for partnership reviews: input shape only, with GOV.UK messages. What may be
rated and when, and the word limits, live in reviews.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice

from ..forms import FreeText, Radios
from .models import Rating
from .reviews import COMMENT_WORDS, RESPONSE_WORDS, Due

RATING_HINTS = {
    Rating.GOOD: _l("Outcomes and reporting are on track"),
    Rating.APPROACHING_TARGET: _l("Close to the outcomes agreed, with a clear plan to reach them"),
    Rating.REQUIRES_IMPROVEMENT: _l("Behind on outcomes or reporting; the board expects changes"),
    Rating.INADEQUATE: _l("Well short of what was agreed; the partnership is at risk"),
}


class RateForm(FlaskForm):
    period = Radios(_l("What are you rating?"), message=_l("Select what you are rating"), widget=GovRadioInput())
    rating = Radios(
        _l("How is the partnership doing?"),
        message=_l("Select a rating"),
        choices=[SelectChoice(r.value, r.label) for r in Rating],
        widget=GovRadioInput(),
    )
    comment = FreeText(
        _l("Comment"),
        noun=_l("The comment"),
        words=COMMENT_WORDS,
        empty=_l("Enter a comment that explains the rating"),
        hint=_l(
            "Why this rating: what the figures and reports show. The provider and the commissioner read it and may answer."
        ),
    )
    submit = SubmitField(_l("Save the rating"), widget=GovSubmitInput())

    def __init__(self, *args, due: list[Due], **kwargs):
        super().__init__(*args, **kwargs)
        self.period.choices = [SelectChoice(d.key, d.label) for d in due]
        if not self.is_submitted() and due:
            self.period.data = due[0].key


class RespondForm(FlaskForm):
    text = FreeText(
        _l("Your response"),
        noun=_l("Your response"),
        words=RESPONSE_WORDS,
        empty=_l("Enter your response"),
        hint=_l("Everyone who can read the rating reads your response. It cannot be changed afterwards."),
    )
    submit = SubmitField(_l("Send your response"), widget=GovSubmitInput())
