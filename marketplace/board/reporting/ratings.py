"""Partnership ratings: how many of an area's partnerships the board rated good,
approaching target, requires improvement and inadequate in a financial year.
"""

import sqlalchemy as sa

from ...contracts.models import Contract
from ...extensions import db
from ...needs.models import Need


def rating_counts(area_ids, year: int) -> dict:
    """How many of the areas' partnerships the board rated good, approaching target,
    requires improvement and inadequate for the financial year starting in `year`: one
    grouped query."""
    from ..models import PartnershipReview, Rating, ReviewKind

    rows = db.session.execute(
        sa.select(PartnershipReview.rating, sa.func.count())
        .join(Contract, Contract.id == PartnershipReview.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(
            Need.area_id.in_(area_ids),
            PartnershipReview.kind == ReviewKind.YEARLY,
            PartnershipReview.financial_year == year,
        )
        .group_by(PartnershipReview.rating)
    ).all()
    counts = {Rating(r): int(n) for r, n in rows}
    return {rating: counts.get(rating, 0) for rating in Rating}
