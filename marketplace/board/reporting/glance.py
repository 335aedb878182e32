"""At a glance: a board member's home page, the year so far for each of their areas
(spend, VCSE share, payment times) and the partnerships still to rate.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ...contracts.models import Contract
from ...extensions import db
from ...needs.models import Need
from .scope import Period, Scope
from .spend import Shares, shares
from .timeliness import Timeliness, timeliness


@dataclass(frozen=True)
class Glance:
    """A board member's home: the year so far for one area, and the ratings still to give."""

    area: object
    period: Period
    shares: Shares
    timeliness: Timeliness
    unrated: int


def glance(area, now: datetime) -> Glance:
    """This financial year's spend, VCSE share and payment times for the area, and how many
    of its partnerships running this year the board has not rated for it yet (one query)."""
    from ...timeutil import london_date
    from ..models import PartnershipReview, ReviewKind

    period = Period.financial_year(london_date(now))
    scope = Scope(area_ids=area.ids_covered)
    rated = sa.exists().where(
        PartnershipReview.contract_id == Contract.id,
        PartnershipReview.kind == ReviewKind.YEARLY,
        PartnershipReview.financial_year == period.start.year,
    )
    unrated = db.session.execute(
        sa.select(sa.func.count(Contract.id))
        .join(Need, Need.id == Contract.need_id)
        .where(
            scope.needs(),
            Contract.starts_on <= min(period.end, london_date(now)),
            Contract.ends_on >= period.start,
            ~rated,
        )
    ).scalar_one()
    return Glance(area, period, shares(scope, period), timeliness(scope, period, now), int(unrated))
