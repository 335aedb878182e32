"""The feedback form (plain words: reading age about 9), the decision on a held comment, and
the button that turns a link off or on. Input shape only, with GOV.UK messages; what may
be kept lives in services.py."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.fields.choices import SelectChoice

from ..forms import FreeText, ListedChoices, Radios, strip
from .models import COMMENT_CHARACTERS, TREATED_LABELS, Helped, Recommend


class FeedbackForm(FlaskForm):
    helped = Radios(
        _l("Did our service help you?"),
        message=_l("Select if our service helped you"),
        choices=[SelectChoice(h.value, h.label) for h in Helped],
        widget=GovRadioInput(),
    )
    changes = ListedChoices(
        _l("What has changed for you?"),
        noun=_l("what has changed"),
        description=_l("Tick all that are true. You can leave this out."),
    )
    treated = Radios(
        _l("How were you treated?"),
        message=_l("Select how you were treated"),
        choices=[SelectChoice(str(n), f"{n} – {TREATED_LABELS[n]}") for n in range(5, 0, -1)],
        widget=GovRadioInput(),
    )
    recommend = Radios(
        _l("Would you tell a friend to use it?"),
        message=_l("Select if you would tell a friend to use it"),
        choices=[SelectChoice(r.value, r.label) for r in Recommend],
        widget=GovRadioInput(),
    )
    comment = FreeText(
        _l("Is there anything else you want to tell us? (optional)"),
        noun=_l("What you wrote"),
        characters=COMMENT_CHARACTERS,
        hint=_l("Do not write your name or anyone else’s name."),
    )
    # A box people never see (hidden by its class), which bots fill in: when it has text,
    # the thank-you page is shown and nothing is kept.
    website = StringField(_l("Leave this empty"), filters=[strip], widget=GovTextInput())
    submit = SubmitField(_l("Send"), widget=GovSubmitInput())

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.changes.choices = [SelectChoice(code, label) for code, label in choices.items()]


class DecideForm(FlaskForm):
    """Publish a held comment as edited, or decline to publish it (two buttons)."""

    text = FreeText(
        _l("Comment to publish"),
        noun=_l("The comment to publish"),
        characters=COMMENT_CHARACTERS,
        hint=_l("Take out names, places, dates and anything else that could tell who wrote it or who it is about."),
    )
    publish = SubmitField(_l("Publish this comment"), widget=GovSubmitInput())
    decline = SubmitField(_l("Do not publish"), widget=GovSubmitInput())
