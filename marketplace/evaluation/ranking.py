"""Totals and ranking: each bid's working (points per part from the agreed scores, price
points against the lowest price of a bid not rejected), ranked by total to two decimals,
ties broken by the higher quality score; rejected bids come last, unranked."""

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _

from ..bids.models import Bid, BidRevision
from ..needs.models import Lot, Need
from .low_bids import is_rejected
from .moderation import agreed_scores
from .scoring import Part, lot_bids, parts, two


@dataclass
class Row:
    """One bid's working: points per part, price points, totals and rank."""

    bid: Bid
    revision: BidRevision
    part_points: list[tuple[Part, int | None, Fraction | None]] = field(default_factory=list)
    price_points: Fraction | None = None
    quality: Fraction | None = None
    total: Fraction | None = None
    rank: int | None = None
    tied: bool = False
    excluded: str | None = None

    @property
    def complete(self) -> bool:
        return self.total is not None

    @property
    def total_2dp(self) -> Decimal | None:
        return None if self.total is None else two(self.total)

    @property
    def quality_2dp(self) -> Decimal | None:
        return None if self.quality is None else two(self.quality)

    @property
    def price_2dp(self) -> Decimal | None:
        return None if self.price_points is None else two(self.price_points)


def lowest_compliant_price(entries: list[tuple[Bid, BidRevision]]) -> int | None:
    prices = [r.price_pence for b, r in entries if not is_rejected(b)]
    return min(prices) if prices else None


def _work_out(row: Row, need: Need, lowest: int | None) -> None:
    """Fill in the row's points per part, price points and (when every part has an agreed
    score) its quality and total."""
    agreed = agreed_scores(row.bid)
    quality = Fraction(0)
    complete = True
    for part in parts(need):
        score = agreed[part.key].score if part.key in agreed else None
        points = None if score is None else Fraction(score, 4) * part.weight
        row.part_points.append((part, score, points))
        if points is None:
            complete = False
        else:
            quality += points
    row.price_points = Fraction(lowest, row.revision.price_pence) * (need.price_weight or 0) if lowest else Fraction(0)
    if complete:
        row.quality = quality
        row.total = quality + row.price_points


def ranking(lot: Lot) -> list[Row]:
    """Every bid on the lot with its working, ranked by total (two decimals), ties broken
    by the higher quality score (quality criteria and social value); rejected bids last,
    unranked. Bids without agreed scores have no total yet."""
    entries = lot_bids(lot)
    lowest = lowest_compliant_price(entries)
    rows = []
    for bid, revision in entries:
        row = Row(bid=bid, revision=revision)
        rows.append(row)
        if is_rejected(bid):
            row.excluded = "Rejected as abnormally low"  # shown by wording.state_label
        else:
            _work_out(row, lot.need, lowest)

    def order(r: Row) -> tuple[Decimal, Decimal, int]:
        assert r.total_2dp is not None and r.quality_2dp is not None  # complete: _work_out set both
        return (-r.total_2dp, -r.quality_2dp, r.bid.id)

    ranked = sorted((r for r in rows if r.complete), key=order)
    previous = None
    for position, row in enumerate(ranked, start=1):
        key = (row.total_2dp, row.quality_2dp)
        if previous is not None and key == (previous.total_2dp, previous.quality_2dp):
            row.rank, row.tied, previous.tied = previous.rank, True, True
        else:
            row.rank = position
        previous = row
    others = [r for r in rows if not r.complete]
    return ranked + others


def tie_note(row: Row, rows: list[Row]) -> str | None:
    """Why a ranked bid sharing its total with another is placed where it is (or that it is tied)."""
    if row.tied:
        return _("Tied: the same total and the same quality score")
    if row.rank is None:
        return None
    same = [o for o in rows if o is not row and o.rank is not None and o.total_2dp == row.total_2dp]
    if not same:
        return None
    assert row.quality_2dp is not None  # ranked, so complete: _work_out set its quality
    higher = all(o.quality_2dp is not None and row.quality_2dp > o.quality_2dp for o in same)
    if higher:
        return _("Same total as another bid: placed above it by its higher quality score")
    return _("Same total as another bid: placed below it by its lower quality score")
