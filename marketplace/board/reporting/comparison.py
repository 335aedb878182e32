"""Where an area stands among its peers: the delivery units of its region, or the
regions, each with the same spend, competition and payment figures as the dashboard.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ...extensions import db
from ...needs.models import Need
from .competition import Activity, activity
from .scope import Period, Scope
from .spend import Shares, share_sums
from .timeliness import Timeliness, timeliness_of


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
    by the same functions as the rest of the dashboard, each grouped by the need's area in
    one pass and a region's delivery units added up into it (six queries in all, however
    many peers)."""
    from ...reference.models import Area, AreaKind

    fold: dict | None = None
    if area.kind == AreaKind.PDU:
        peers: Sequence[Area] = sorted(area.parent.children, key=lambda a: a.name)
        scope = Scope(area_ids=tuple(p.id for p in peers))
    else:
        peers = db.session.scalars(sa.select(Area).where(Area.kind == AreaKind.REGION).order_by(Area.name)).all()
        # A delivery unit's needs count for its region: grouped by the need's area, then added up.
        fold = dict(db.session.execute(sa.select(Area.id, Area.parent_id).where(Area.kind == AreaKind.PDU)).all())
        scope = Scope(area_ids=(*[r.id for r in peers], *fold))
    key = Need.area_id
    competition = activity(scope, period, now, by=key, fold=fold)
    # The shares of spend and the timeliness of payments, in one pass over the payments.
    found = timeliness_of(scope.needs(), period, now, by=key, fold=fold, sums=share_sums(), scope=scope)
    paying = {k: figures for k, (figures, *_) in found.items()}
    money = {k: Shares(*pence) for k, (_, *pence) in found.items()}
    return [
        Comparison(
            peer.id,
            peer.local_name,
            peer.id == area.id,
            money.get(peer.id, Shares(0, 0, 0)),
            competition.get(peer.id, Activity(0, 0, 0, 0, 0)),
            paying.get(peer.id, Timeliness(0, None, 0, 0)),
        )
        for peer in peers
    ]
