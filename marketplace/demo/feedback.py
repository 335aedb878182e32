"""Feedback on the demo's running contract (the employment contract in East Kent): its
short link /f/KENTWRK7, about 12 answers over the last weeks, two comments published by the
commissioner (edited to take out a name and a place) and one held for the provider or the
commissioner to decide on. Through the feedback services."""

from datetime import timedelta

import sqlalchemy as sa

from ..accounts import services as account_services
from ..contracts.models import Contract
from ..extensions import db
from ..feedback import services
from ..needs.models import Need
from ..timeutil import london_date, utcnow
from .bids import FINISHED_NEED

DEMO_CODE = "KENTWRK7"

# (days ago, did it help, what changed, treated 1-5, would recommend, comment or None,
#  the comment as published or None to leave it held)
DEMO_ANSWERS = [
    (40, "yes", ["cv-interviews", "new-skills"], 5, "yes", None, None),
    (
        37,
        "yes",
        ["got-job"],
        5,
        "yes",
        "Dave at the Margate job club helped me get my forklift ticket.",
        "Staff at the job club helped me get my forklift ticket.",
    ),
    (33, "partly", ["cv-interviews"], 4, "not_sure", None, None),
    (30, "yes", ["training", "new-skills"], 5, "yes", None, None),
    (26, "no", ["nothing-yet"], 2, "no", None, None),
    (
        22,
        "yes",
        ["got-job", "cv-interviews"],
        4,
        "yes",
        "The evening session meant I could come after my curfew.",
        "The evening session meant I could come after my curfew.",
    ),
    (19, "partly", ["training"], 4, "yes", None, None),
    (15, "yes", ["cv-interviews"], 5, "yes", None, None),
    (11, "yes", ["new-skills"], 3, "not_sure", None, None),
    (8, "partly", ["nothing-yet"], 4, "yes", None, None),
    (5, "yes", ["got-job"], 5, "yes", None, None),
    (2, "yes", ["training"], 4, "yes", "Kelly in Canterbury was really patient with me. More days please.", None),
]


def add_feedback() -> None:
    """The running contract's feedback, if it has no link yet."""
    need = db.session.scalar(sa.select(Need).where(Need.title == FINISHED_NEED))
    contract = db.session.scalar(sa.select(Contract).where(Contract.need_id == need.id)) if need else None
    if contract is None or services.link_of(contract) is not None:
        return
    charity = account_services.find_user("charity@demo.test")
    commissioner = account_services.find_user("commissioner@demo.test")
    link = services.make_link(contract, actor=charity, code=DEMO_CODE)
    today = london_date(utcnow())
    for days_ago, helped, changes, treated, recommend, comment, published in DEMO_ANSWERS:
        response = services.give(
            link,
            helped=helped,
            changes=changes,
            treated=treated,
            recommend=recommend,
            comment=comment,
            today=max(today - timedelta(days=days_ago), contract.starts_on),
        )
        if published is not None:
            services.decide(response, publish=True, text=published, actor=commissioner)
    db.session.flush()
