"""The demo's lived-experience adviser: on the panel of the community groups need being
scored, invited by the demo commissioner the day after it closed, paid a fee of £150 and
scoring social value; they accepted, declared no conflicts and scored the bid the evaluator
scored (so it is still ready to moderate, with the adviser's score beside the evaluator's),
and have the other bids still to score (their home is that to-do). Through the services, as a person would: the invitation
email, accepting it, the declarations. Signs in with the demo password and the demo
authenticator key, as the other staff do."""

from datetime import timedelta

import sqlalchemy as sa

from .. import audit
from ..accounts import services as account_services
from ..evaluation import advisers, panel, scoring
from ..evaluation.models import SOCIAL_VALUE
from ..extensions import db
from ..needs.models import Need
from ..timeutil import utcnow
from .bids import SCORING_NEED
from .dated import dated, on
from .people import demo_two_factor

ADVISER_EMAIL = "adviser@demo.test"
ADVISER_NAME = "Robin Adviser"
ADVISER_FEE_PENCE = 15_000
ADVISER_JUSTIFICATION = (
    "Good: volunteering that can lead to paid shifts is what people leaving probation ask for; "
    "it says less about how they will make newcomers feel welcome."
)


def add_adviser(password: str) -> list[tuple[str, str]]:
    """The adviser on the community groups need's panel; their login (email, who)."""
    login = [(ADVISER_EMAIL, f"lived-experience adviser on the panel of {SCORING_NEED} (social value)")]
    need = db.session.scalar(sa.select(Need).where(Need.title == SCORING_NEED))
    commissioner = account_services.find_user("commissioner@demo.test")
    if need is None or need.closes_at is None or commissioner is None:
        return login
    at = need.closes_at + timedelta(days=1, hours=1)
    if need.status_at(at).value != "closed" or at >= utcnow():
        return login
    user = account_services.find_user(ADVISER_EMAIL)
    if user is not None and panel.panel_member(need, user) is not None:
        return login
    if user is None:
        user = account_services.create_user(ADVISER_EMAIL, ADVISER_NAME, password, verified=True)
        db.session.flush()
        audit.record("user.created", user, after={"email": ADVISER_EMAIL, "demo": True})
    demo_two_factor(user)
    place = on(
        at,
        advisers.invite_adviser,
        need,
        name=ADVISER_NAME,
        email=ADVISER_EMAIL,
        paid=True,
        fee_pence=ADVISER_FEE_PENCE,
        chosen=[SOCIAL_VALUE],
        actor=commissioner,
    )
    accepted = at + timedelta(hours=2)
    with dated(accepted):
        account_services.accept_invitation(place.invitation, user)
    organisations = {o.id: (False, "") for o in panel.bidding_organisations(need)}
    on(accepted, panel.declare_conflicts, need, user, organisations)
    # The bid the evaluator scored, so that it is still ready to moderate, with both sheets.
    evaluator = account_services.find_user("evaluator@demo.test")
    for bid, _ in scoring.lot_bids(need.lots[0]):
        sheet = scoring.sheet_of(bid, evaluator) if evaluator is not None else None
        if sheet is not None and sheet.submitted_at is not None:
            scores = {SOCIAL_VALUE: (3, ADVISER_JUSTIFICATION)}
            on(accepted + timedelta(hours=2), scoring.save_sheet, bid, user, scores, submit=True)
    db.session.flush()
    return login
