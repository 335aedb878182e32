"""What every board figure is asked for, and the SQL the reports share.

A figure is asked for a Scope (the areas whose needs count: an area and its delivery
units, or one delivery unit; optionally one service category) and a Period (inclusive
London dates). Money is integer pence; shares are exact Fractions, shown by the caller.
Organisations are classified by the lead of each contract (the organisation that signs
for a consortium).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from ...extensions import db
from ...needs.models import Need
from ...organisations.models import (
    VCSE_FORMS,
    LegalForm,
    Organisation,
    OrganisationType,
)
from ...payments.models import Payment, PaymentStatus
from ...timeutil import LONDON


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(0, 0), tzinfo=LONDON).astimezone(UTC)

    @property
    def ends_before(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(0, 0), tzinfo=LONDON).astimezone(UTC)

    @classmethod
    def financial_year(cls, containing: date) -> "Period":
        """1 April to 31 March, the year the public sector plans in."""
        first = containing.year if containing.month >= 4 else containing.year - 1
        return cls(date(first, 4, 1), date(first + 1, 3, 31))


@dataclass(frozen=True)
class Scope:
    area_ids: tuple[int, ...]
    category_id: int | None = None

    def needs(self):
        """The where-clause for the needs in scope."""
        clause = Need.area_id.in_(self.area_ids)
        if self.category_id is not None:
            clause = sa.and_(clause, Need.category_id == self.category_id)
        return clause


def organisation_type():
    """VCSE, public or private, from the legal form (as Organisation.organisation_type)."""
    return sa.case(
        (Organisation.legal_form.in_([f.value for f in VCSE_FORMS]), OrganisationType.VCSE.value),
        (Organisation.legal_form == LegalForm.PUBLIC_BODY.value, OrganisationType.PUBLIC.value),
        else_=OrganisationType.PRIVATE.value,
    )


def paid_in(period: Period):
    """Paid, on a day within the period (the bank transfer's date for ledger payments)."""
    return sa.and_(
        Payment.status == PaymentStatus.PAID,
        sa.or_(
            sa.and_(Payment.paid_on.is_not(None), Payment.paid_on.between(period.start, period.end)),
            sa.and_(
                Payment.paid_on.is_(None), Payment.paid_at >= period.starts_at, Payment.paid_at < period.ends_before
            ),
        ),
    )


def rows_of(select, kept: bool = False) -> list[tuple]:
    """The rows of `select`; with `kept` (a SELECT of the kept figures), as keeping.read
    keeps them."""
    from ..keeping import read

    return read(select) if kept else [tuple(row) for row in db.session.execute(select)]


def keyed(select, key, fold: dict | None = None, *, kept: bool = False) -> dict:
    """The aggregate `select`'s one row under None, or, with `key` (an SQL expression), its
    rows grouped by the key, under each key's value. With `fold` ({key value: another}, for
    sums and counts only), the rows of the key values it maps are added up under the value
    they map to (a region's delivery units into the region, say: grouping by a plain column
    and adding up the few rows here is far cheaper than grouping by a mapping in SQL).
    With `kept`, a SELECT of the kept figures, read as keeping.read keeps them."""
    if key is None:
        return {None: rows_of(select, kept)[0]}
    rows = {row[-1]: row[:-1] for row in rows_of(select.add_columns(key).group_by(key), kept)}
    return rows if fold is None else folded(rows, fold)


def folded(rows: dict, fold: dict) -> dict:
    """`rows` ({key: tuple of numbers}) added up under fold.get(key, key)."""
    found: dict = {}
    for key, row in rows.items():
        into = fold.get(key, key)
        found[into] = (
            tuple((a or 0) + (b or 0) for a, b in zip(found[into], row, strict=True)) if into in found else row
        )
    return found
