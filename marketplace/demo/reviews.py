"""The board's ratings of last year's partnerships in the demo, given in the April after it
through the review service (the current year is left for the demo board member to rate),
and one provider's answer to a rating that asks it to improve."""

from datetime import timedelta

import sqlalchemy as sa

from ..accounts import services as account_services
from ..board import reviews
from ..contracts.models import Contract
from ..extensions import db
from ..needs.models import Need
from ..timeutil import london_date, utcnow
from .dated import morning, on
from .history import HISTORY, history_years

DEMO_RATINGS = [
    ("good", "Outcomes on or ahead of plan, reports on time and clear. Keep the evening sessions."),
    (
        "approaching_target",
        "Close to the outcomes agreed; referrals were slow to start. The plan to recover them is credible.",
    ),
    ("good", "Strong local links and people stay engaged. The case studies show real change."),
    (
        "requires_improvement",
        "Two reports came in late and completions are well below plan. We expect a recovery plan.",
    ),
    ("inadequate", "Well short of the people supported and the outcomes agreed, with little explanation. At risk."),
]


def add_reviews() -> None:
    """The board's ratings of last year's partnerships, given in the April after it (the
    current year is left for the demo board member to rate), and one provider's answer."""
    now = utcnow()
    last, _ = history_years(london_date(now))
    when = morning(last.end + timedelta(days=20))
    if when > now:
        return
    board = account_services.find_user("board@demo.test")
    contracts = db.session.scalars(
        sa.select(Contract)
        .join(Need, Need.id == Contract.need_id)
        .where(Need.title.in_([past.title for past in HISTORY]), Contract.starts_on <= last.end)
        .order_by(Contract.id)
    ).all()
    for index, contract in enumerate(contracts):
        if str(last.start.year) not in {d.key for d in reviews.due(contract, london_date(when))}:
            continue
        rating, comment = DEMO_RATINGS[index % len(DEMO_RATINGS)]
        review = on(
            when, reviews.rate, contract, period=str(last.start.year), rating=rating, comment=comment, actor=board
        )
        if rating == "requires_improvement":
            members = account_services.members_of([contract.organisation_id])
            if members:
                on(
                    when + timedelta(days=6),
                    reviews.respond,
                    review,
                    text="Agreed. We have recruited a second key worker and moved reporting to the first week of each quarter.",
                    actor=members[0],
                )
    db.session.flush()
