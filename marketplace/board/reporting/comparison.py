"""Where an area stands among its peers: the delivery units of its region, or the
regions, each with the same spend, competition and payment figures as the dashboard.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ...extensions import db
from ...needs.models import Need
from .competition import Activity, activity
from .scope import Period, Scope
from .spend import Shares, shares
from .timeliness import Timeliness, timeliness


@dataclass(frozen=True)
class Comparison:
    area_id: int
    name: str
    is_this: bool
    shares: Shares
    activity: Activity
    timeliness: Timeliness


def comparison(area, period: Period, now: datetime) -> list[Comparison]:
    """Where the area stands: the same figures for each delivery unit of its region (for a
    delivery unit), or for each region, its delivery units' needs included (for a region),
    by the same functions as the rest of the dashboard, each grouped by the peer area in
    one pass (seven aggregate queries in all, however many peers)."""
    from ...reference.models import Area, AreaKind

    if area.kind == AreaKind.PDU:
        peers: Sequence[Area] = sorted(area.parent.children, key=lambda a: a.name)
        scope = Scope(area_ids=tuple(p.id for p in peers))
        key: Any = Need.area_id
    else:
        peers = db.session.scalars(sa.select(Area).where(Area.kind == AreaKind.REGION).order_by(Area.name)).all()
        units = {unit.id: region.id for region in peers for unit in region.children}
        scope = Scope(area_ids=(*[r.id for r in peers], *units))
        # A delivery unit's needs count for its region: its id mapped in the query.
        key = sa.case(units, value=Need.area_id, else_=Need.area_id) if units else Need.area_id
    money = shares(scope, period, by=key)
    competition = activity(scope, period, now, by=key)
    paying = timeliness(scope, period, now, by=key)
    return [
        Comparison(
            peer.id,
            peer.name,
            peer.id == area.id,
            money.get(peer.id, Shares(0, 0, 0)),
            competition.get(peer.id, Activity(0, 0, 0, 0, 0)),
            paying.get(peer.id, Timeliness(0, None, 0, 0)),
        )
        for peer in peers
    ]
