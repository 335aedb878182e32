"""Forms for abnormally low bids, the award, board sign-off and the bidder's explanation:
input shape only, with GOV.UK messages. The rules (the window of at least 2 working
days, deciding only once the bidder answered or its time passed, awarding only once
moderation closed and every low bid is resolved, word limits) live in low_bids.py and award.py; the
views put its refusals by the field."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from ..forms import FreeText, GovDateField, Radios
from .errors import REASONS_WORD_LIMIT

ACCEPT, REJECT = "accept", "reject"
APPROVE, REFUSE = "approve", "refuse"
NOT_AWARDED = "none"


class RequestExplanationForm(FlaskForm):
    request = FreeText(
        _l("What should the bidder explain?"),
        noun=_l("The request"),
        words=REASONS_WORD_LIMIT,
        empty=_l("Enter what the bidder should explain"),
        hint=_l("For example, how it can deliver the service at this price. The bidder sees exactly what you write."),
    )
    respond_by = GovDateField(_l("Respond by"), noun=_l("the date to respond by"))
    submit = SubmitField(_l("Ask the bidder to explain"), widget=GovSubmitInput())

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.respond_by.data is not None and self.respond_by.data <= self.today:
            self.respond_by.errors = [*self.respond_by.errors, _("The date to respond by must be in the future")]
            ok = False
        return ok


class DecideLowBidForm(FlaskForm):
    outcome = Radios(
        _l("What is your decision?"),
        message=_l("Select whether you accept the explanation or reject the bid"),
        choices=[
            SelectChoice(ACCEPT, _l("Accept the explanation: the bid stays in")),
            SelectChoice(REJECT, _l("Reject the bid as abnormally low")),
        ],
        widget=GovRadioInput(),
    )
    reason = FreeText(
        _l("Reasons for your decision"),
        noun=_l("The reasons"),
        words=REASONS_WORD_LIMIT,
        empty=_l("Enter the reasons for your decision"),
    )
    submit = SubmitField(_l("Record the decision"), widget=GovSubmitInput())

    @property
    def accept(self) -> bool:
        return self.outcome.data == ACCEPT


class ExplanationForm(FlaskForm):
    response = FreeText(
        _l("Your explanation"),
        noun=_l("Your explanation"),
        words=REASONS_WORD_LIMIT,
        empty=_l("Enter your explanation"),
        hint=_l(
            "Say how you will deliver the service at the price you bid: for example, staff costs, volunteers, premises you already have or other funding."
        ),
    )
    submit = SubmitField(_l("Send your explanation"), widget=GovSubmitInput())


class AwardForm(FlaskForm):
    # The message for no choice is the service's (award.unchosen_message), given by the view.
    bid_id = Radios(_l("Your decision"), message="", widget=GovRadioInput())
    reasons = FreeText(
        _l("Reasons for the decision"),
        noun=_l("The reasons"),
        words=REASONS_WORD_LIMIT,
        empty=_l("Enter the reasons for the decision"),
        hint=_l("Every bidder is sent these reasons with its assessment summary."),
    )
    submit = SubmitField(_l("Record the decision"), widget=GovSubmitInput())

    def __init__(self, *args, rows=(), unchosen: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.bid_id.message = unchosen
        self.bid_id.validators = [InputRequired(message=unchosen)]
        self.bid_id.choices = [
            SelectChoice(
                str(row.bid.id),
                _(
                    "Award to %(organisation)s: %(points)s points, ranked %(rank)s",
                    organisation=row.bid.organisation.name,
                    points=row.total_2dp,
                    rank=row.rank,
                ),
            )
            for row in rows
        ] + [SelectChoice(NOT_AWARDED, _("Do not award this lot"))]

    @property
    def chosen_bid_id(self) -> int | None:
        return None if self.bid_id.data in (None, NOT_AWARDED) else int(self.bid_id.data)


class SignOffForm(FlaskForm):
    decision = Radios(
        _l("Do you approve this decision?"),
        message=_l("Select whether you approve the decision"),
        choices=[SelectChoice(APPROVE, _l("Yes, approve it")), SelectChoice(REFUSE, _l("No, do not approve it"))],
        widget=GovRadioInput(),
    )
    comment = FreeText(
        _l("Comment"),
        noun=_l("The comment"),
        words=REASONS_WORD_LIMIT,
        hint=_l("Required if you do not approve: the commissioner is sent it and decides again."),
    )
    submit = SubmitField(_l("Send your decision"), widget=GovSubmitInput())

    @property
    def approve(self) -> bool:
        return self.decision.data == APPROVE
