"""Kept counts of the needs on the public list, so that counting them is cheap without
ever being wrong.

need_counts holds, per facet of the list's filters (all needs, a region, a delivery unit,
a category, a procedure, a value band, VCSE reservation) and per UTC day of closing, how
many needs are *listed*: published, neither withdrawn nor cancelled, which is the list's
test of open (Need.open_clause) without the closing time. Whether a listed need is open
depends on the clock, so the number open now is the kept counts of the days after today
plus an exact COUNT of today's listed needs still before their closing time (one day's
needs, read from the closes_at index): exact whatever the time, with no job run when a
need closes.

The counts change in the flush that changes a need, so in its transaction: before the
flush the listed facets of the needs about to change are read from the database as they
were, after it they are read again and the difference is added (one upsert for the
counts changed, in one order, so two transactions never wait on each other crosswise). Rows written in
bulk without the ORM (the generators, demo-advance) call `rebuild`.

One more row, facet "changes", is a stamp of everything a need's public pages show: 1 is
added to it by every flush that adds, changes or removes a need or anything of a need's
(STAMPED), in that flush's transaction, and by `rebuild`. It only ever grows, and a
transaction changing needs holds its row until it commits, so a reader that sees a value
has seen every change made before it: pages kept by it (kept_pages.py) are exact.
"""

import functools
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import Model, db, upsert
from ..reference.models import Area, AreaKind
from .models import Amendment, Criterion, Lot, Milestone, Need, NeedDocument, Question, Reservation, need_pdus

# Value bands on the total of the lots, in pence: (label, lowest inclusive, highest exclusive),
# the list's filter; kept counted here.
VALUE_BANDS = {
    "under-25k": (_l("Under £25,000"), None, 2_500_000),
    "25k-100k": (_l("£25,000 to £100,000"), 2_500_000, 10_000_000),
    "100k-500k": (_l("£100,000 to £500,000"), 10_000_000, 50_000_000),
    "over-500k": (_l("Over £500,000"), 50_000_000, None),
}
_KEY = "need_counts"
# In session.info while the session's transaction has stamped changes not yet committed.
UNCOMMITTED = "need_pages_changed"
# The attributes of a need that decide where it is counted.
_COUNTED = (
    "published_at",
    "withdrawn_at",
    "cancelled_at",
    "closes_at",
    "category_id",
    "category",
    "procedure",
    "value_pence",
    "pdus",
)


# What a need's public pages show: a change to any of them adds 1 to the stamp.
STAMPED = (Need, Lot, Criterion, Milestone, NeedDocument, Amendment, Question)
# The stamp's row: a facet no filter has, on a day no need closes.
STAMP: "Key" = ("changes", "", date(2000, 1, 1))


class NeedCount(Model):
    """Listed needs (published, not withdrawn or cancelled) with one facet, closing on one
    UTC day. Derived: `rebuild` makes the table again from the needs."""

    __tablename__ = "need_counts"

    facet: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    closes_on: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    needs: Mapped[int]


Key = tuple[str, str, date]


def _facets(need_ids: sa.BindParameter | None) -> sa.CompoundSelect:
    """(facet, value, closes_at, need id) for each facet of each listed need (of those whose
    ids are the parameter `need_ids`, or all)."""
    listed = [Need.published_at.is_not(None), Need.withdrawn_at.is_(None), Need.cancelled_at.is_(None)]
    if need_ids is not None:
        listed.append(Need.id.in_(need_ids))

    def rows(facet: str, value) -> sa.Select:
        return sa.select(sa.literal_column(f"'{facet}'"), value, Need.closes_at, Need.id).where(*listed)

    band = sa.case(
        *(
            (sa.and_(Need.value_pence >= (low or 0), sa.true() if high is None else Need.value_pence < high), key)
            for key, (_, low, high) in VALUE_BANDS.items()
        )
    )
    vcse = sa.exists(sa.select(1).where(Lot.need_id == Need.id, Lot.reservation == Reservation.VCSE))
    return sa.union_all(
        rows("all", sa.literal_column("''")),
        rows("category", sa.cast(Need.category_id, sa.String)).where(Need.category_id.is_not(None)),
        rows("procedure", sa.cast(Need.procedure, sa.String)).where(Need.procedure.is_not(None)),
        rows("value", band),
        rows("vcse", sa.literal_column("''")).where(vcse),
        rows("pdu", sa.cast(need_pdus.c.area_id, sa.String)).join(need_pdus, need_pdus.c.need_id == Need.id),
        rows("region", sa.cast(Area.parent_id, sa.String))
        .join(need_pdus, need_pdus.c.need_id == Need.id)
        .join(Area, Area.id == need_pdus.c.area_id)
        .where(Area.kind == AreaKind.PDU, Area.parent_id.is_not(None))
        .distinct(),
    )


def facet_counts(connection: sa.Connection, need_ids: set[int] | None = None) -> Counter[Key]:
    """The counts these needs (all, with None) make, from the database as it is now."""
    found: Counter[Key] = Counter()
    if need_ids is not None and not need_ids:
        return found
    if need_ids is None:
        rows = connection.execute(_facets(None))
    else:
        rows = connection.execute(_of_some(connection.dialect.name), {"need_ids": sorted(need_ids)})
    for facet, value, closes_at, _need_id in rows:
        found[(facet, value, closes_at.astimezone(UTC).date())] += 1
    return found


@functools.cache
def _of_some(dialect: str) -> sa.CompoundSelect:
    """_facets of some needs, made once a database kind (every flush that changes a
    listed need runs it twice, and making the statement cost more than running it)."""
    return _facets(sa.bindparam("need_ids", expanding=True))


def _add(connection: sa.Connection, delta: dict[Key, int]) -> None:
    rows = [{"facet": f, "value": v, "closes_on": d, "needs": n} for (f, v, d), n in sorted(delta.items()) if n]
    if not rows:
        return
    statement = upsert(NeedCount.__table__, connection)
    statement = statement.on_conflict_do_update(
        index_elements=["facet", "value", "closes_on"],
        set_={"needs": NeedCount.__table__.c.needs + statement.excluded.needs},
    )
    connection.execute(statement, rows)


def rebuild() -> None:
    """Count every need again (after rows were written without the ORM). The caller commits."""
    connection = db.session.connection()
    connection.execute(sa.delete(NeedCount.__table__).where(NeedCount.facet != STAMP[0]))
    _add(connection, {**facet_counts(connection), STAMP: 1})


def stamp() -> sa.ColumnElement[int]:
    """The stamp of the needs' public pages, as a scalar subquery (0 before any change)."""
    facet, value, day = STAMP
    kept = sa.select(NeedCount.needs).where(NeedCount.facet == facet, NeedCount.value == value)
    return sa.func.coalesce(kept.where(NeedCount.closes_on == day).scalar_subquery(), 0)


# Keeping the counts in step with the transactions ---------------------------------------


def _listed_before(need: Need) -> bool:
    """Whether the need may have been counted before this flush (unsure: yes)."""
    state = sa.inspect(need)
    if state.pending or state.transient:
        return False
    history = state.attrs.published_at.history
    before = history.deleted or history.unchanged
    return not before or before[0] is not None


def _changed(obj, names) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _touched_needs(session) -> list[Need]:
    """The needs this flush may move between counts."""
    needs: list[Need] = []
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Need) and (obj in session.new or obj in session.deleted or _changed(obj, _COUNTED)):
            needs.append(obj)
        elif isinstance(obj, Lot) and (obj in session.new or obj in session.deleted or _changed(obj, ("reservation",))):
            need = obj.need if obj.need is not None else session.get(Need, obj.need_id)
            if need is not None:
                needs.append(need)
    return needs


def _stamped(session) -> bool:
    """Whether this flush adds, changes or removes anything a published need's public
    pages show (a draft's are shown to nobody but its commissioners, and never kept)."""

    def published(obj) -> bool:
        need = obj if isinstance(obj, Need) else obj.__dict__.get("need")
        if need is None and getattr(obj, "need_id", None) is not None:
            need = session.get(Need, obj.need_id)
        if need is None or need.published_at is not None:
            return True
        was = list(sa.inspect(need).attrs.published_at.history.deleted)
        return bool(was) and was[0] is not None

    return any(
        isinstance(obj, STAMPED) and (obj not in session.dirty or session.is_modified(obj)) and published(obj)
        for obj in (*session.new, *session.dirty, *session.deleted)
    )


@sa.event.listens_for(Session, "before_flush")
def _note_needs_before_flush(session, flush_context, instances) -> None:
    session.info.pop(_KEY, None)  # left by a flush that failed
    stamped = _stamped(session)
    touched = [n for n in _touched_needs(session) if _listed_before(n) or n.published_at is not None]
    if not touched and not stamped:
        return
    counted = {n.id for n in touched if n.id is not None and _listed_before(n)}
    session.info[_KEY] = {
        "ids": {n.id for n in touched if n.id is not None},
        "new": [n for n in touched if n.id is None],
        "old": facet_counts(session.connection(), counted),
        "stamped": stamped,
    }


@sa.event.listens_for(Session, "after_flush")
def _count_after_flush(session, flush_context) -> None:
    noted = session.info.pop(_KEY, None)
    if not noted:
        return
    ids = noted["ids"] | {need.id for need in noted["new"] if need.id is not None}
    delta: dict[Key, int] = dict(facet_counts(session.connection(), ids))
    for key, n in noted["old"].items():
        delta[key] = delta.get(key, 0) - n
    if noted["stamped"]:
        delta[STAMP] = 1
        session.info[UNCOMMITTED] = True  # this transaction reads changes nobody else sees yet
    _add(session.connection(), delta)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_after_transaction(session, transaction) -> None:
    # A flush that failed after its before_flush leaves nothing for the next transaction.
    if transaction.parent is None:
        session.info.pop(_KEY, None)
        session.info.pop(UNCOMMITTED, None)


# Counting --------------------------------------------------------------------------------


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def kept_count(facet: str, value: str, exact_where: sa.ColumnElement[bool], now: datetime, until: datetime | None):
    """Listed needs with the facet closing after `now` (and by `until`), as one scalar:
    the kept counts of whole days after today (and before until's day) plus an exact
    count, `exact_where` (the list's own clause for these needs, open now), of the needs
    closing today (and on until's day)."""
    today = now.astimezone(UTC).date()
    days = [NeedCount.facet == facet, NeedCount.value == value, NeedCount.closes_on > today]
    edges = [Need.closes_at < _day_start(today + timedelta(days=1))]
    if until is not None:
        last = until.astimezone(UTC).date()
        days.append(NeedCount.closes_on < last)
        edges.append(Need.closes_at >= _day_start(last))  # each edge a short range of the index
    total: sa.ColumnElement = (
        sa.select(sa.func.coalesce(sa.func.sum(NeedCount.needs), 0)).where(*days).scalar_subquery()
    )
    for edge in edges:
        total = total + sa.select(sa.func.count()).select_from(Need).where(exact_where, edge).scalar_subquery()
    return sa.select(total)
