"""Reference data held once per process: every area, service category and desired outcome,
as plain frozen values, read from the database on first use and kept until it changes.

The rows change only when `flask load-reference` runs (or a test adds some), so a request
reads them from here and sends no query for them. The values are immutable and bound to no
session, so threads and requests share them safely. Every row is held, retired ones too,
and "current" is decided when asked, against today's date.

The snapshot is kept per database engine, so two databases in one process (the tests run
on SQLite and PostgreSQL) never see each other's rows. It is forgotten when a transaction
that added or changed a reference row commits or rolls back (a session hook), or when
`forget()` is called. While a session holds reference changes not yet committed, its reads
bypass the snapshot, so uncommitted rows are never shared. Another process's
`load-reference` is not seen until the app servers restart or reload (README, Configuration).
"""

import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..extensions import db
from ..i18n import current_language
from .models import (
    Area,
    AreaKind,
    DesiredOutcome,
    LocalName,
    LocalText,
    ServiceCategory,
    area_label,
    in_force,
    in_page_language,
)

REFERENCE_MODELS = (Area, ServiceCategory, DesiredOutcome)
_CHANGED = "reference_rows_changed"


class _Dated:
    """EffectiveDates' is_current, for the frozen values."""

    __slots__ = ()
    valid_from: date
    valid_to: date | None

    def is_current(self, on: date | None = None) -> bool:
        return in_force(self.valid_from, self.valid_to, on)


@dataclass(frozen=True, slots=True)
class OutcomeRef(LocalText, _Dated):
    id: int
    category_id: int
    code: str
    version: int
    text: str
    text_cy: str
    valid_from: date
    valid_to: date | None


@dataclass(frozen=True, slots=True)
class CategoryRef(LocalName, _Dated):
    id: int
    code: str
    name: str
    name_cy: str
    national: bool
    valid_from: date
    valid_to: date | None
    outcomes: tuple[OutcomeRef, ...]  # all of them, by code, as ServiceCategory.outcomes


@dataclass(frozen=True, slots=True)
class AreaRef(LocalName, _Dated):
    """A region or delivery unit. A PDU carries its region's id and names; a region its PDUs
    (all of them, by name, as Area.children)."""

    id: int
    code: str
    name: str
    name_cy: str
    kind: AreaKind
    parent_id: int | None
    parent_name: str | None
    parent_name_cy: str | None
    valid_from: date
    valid_to: date | None
    children: tuple["AreaRef", ...] = ()

    @property
    def local_parent_name(self) -> str | None:
        """The region's name in the page's language (a PDU's; None for a region)."""
        if self.parent_name is None:
            return None
        return in_page_language(self.parent_name, self.parent_name_cy or "")

    @property
    def label(self) -> str:
        if self.kind == AreaKind.PDU:
            return area_label(self.local_name, self.local_parent_name or "")
        return area_label(self.local_name, None)


@dataclass(frozen=True, slots=True)
class Names:
    """Each row's name by its code, retired ones too (an amendment names what it changed),
    in English and (`_cy`, only the rows that have one) in Welsh."""

    areas: Mapping[str, str]
    categories: Mapping[str, str]
    outcomes: Mapping[str, str]  # an outcome's latest version's text
    areas_cy: Mapping[str, str]
    categories_cy: Mapping[str, str]
    outcomes_cy: Mapping[str, str]

    def local(self, table: str) -> Mapping[str, str]:
        """`areas`, `categories` or `outcomes` in the page's language."""
        english: Mapping[str, str] = getattr(self, table)
        welsh: Mapping[str, str] = getattr(self, f"{table}_cy")
        if not welsh or current_language() != "cy":
            return english
        return {**english, **welsh}


@dataclass(frozen=True, slots=True)
class Snapshot:
    regions: tuple[AreaRef, ...]  # by name
    pdus: tuple[AreaRef, ...]  # by name
    categories: tuple[CategoryRef, ...]  # national first, then by name
    names: Names


def _areas(session: Session) -> tuple[tuple[AreaRef, ...], tuple[AreaRef, ...], list[AreaRef]]:
    """Every region (with its PDUs) and every PDU (with its region's name), by name."""
    rows = session.execute(sa.select(Area.__table__).order_by(Area.name, Area.id)).all()
    named = {a.id: a for a in rows}
    pdus = tuple(
        AreaRef(
            a.id,
            a.code,
            a.name,
            a.name_cy,
            a.kind,
            a.parent_id,
            named[a.parent_id].name,
            named[a.parent_id].name_cy,
            a.valid_from,
            a.valid_to,
        )
        for a in rows
        if a.kind == AreaKind.PDU
    )
    regions = tuple(
        AreaRef(
            a.id, a.code, a.name, a.name_cy, a.kind, None, None, None, a.valid_from, a.valid_to, _children(pdus, a.id)
        )
        for a in rows
        if a.kind == AreaKind.REGION
    )
    return regions, pdus, [*regions, *pdus]


def _children(pdus: tuple[AreaRef, ...], region_id: int) -> tuple[AreaRef, ...]:
    return tuple(p for p in pdus if p.parent_id == region_id)


def _categories(session: Session) -> tuple[tuple[CategoryRef, ...], list[OutcomeRef]]:
    """Every category (national first, then by name) with its outcomes (by code)."""
    outcomes = [
        OutcomeRef(o.id, o.category_id, o.code, o.version, o.text, o.text_cy, o.valid_from, o.valid_to)
        for o in session.execute(sa.select(DesiredOutcome.__table__).order_by(DesiredOutcome.code, DesiredOutcome.id))
    ]
    rows = session.execute(
        sa.select(ServiceCategory.__table__).order_by(ServiceCategory.national.desc(), ServiceCategory.name)
    )
    categories = tuple(
        CategoryRef(
            c.id,
            c.code,
            c.name,
            c.name_cy,
            c.national,
            c.valid_from,
            c.valid_to,
            tuple(o for o in outcomes if o.category_id == c.id),
        )
        for c in rows
    )
    return categories, outcomes


def _latest_welsh(by_version: list[OutcomeRef]) -> dict[str, str]:
    """Each outcome's latest version's Welsh, where that version has one."""
    latest = {o.code: o for o in by_version}
    return {code: o.text_cy for code, o in latest.items() if o.text_cy}


def _read(session: Session) -> Snapshot:
    """Three statements: every area, every outcome, every category."""
    regions, pdus, areas = _areas(session)
    categories, outcomes = _categories(session)
    by_version = sorted(outcomes, key=lambda o: o.version)
    names = Names(
        areas=MappingProxyType({a.code: a.name for a in areas}),
        categories=MappingProxyType({c.code: c.name for c in categories}),
        outcomes=MappingProxyType({o.code: o.text for o in by_version}),
        areas_cy=MappingProxyType({a.code: a.name_cy for a in areas if a.name_cy}),
        categories_cy=MappingProxyType({c.code: c.name_cy for c in categories if c.name_cy}),
        outcomes_cy=MappingProxyType(_latest_welsh(by_version)),
    )
    return Snapshot(regions, pdus, categories, names)


_snapshots: "weakref.WeakKeyDictionary[sa.Engine, Snapshot]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_generation = 0


def forget() -> None:
    """Drop every process-wide snapshot: the next read loads the rows again."""
    global _generation
    with _lock:
        _generation += 1
        _snapshots.clear()


def generation() -> int:
    """Changes whenever the kept snapshots are forgotten: a key for what is made from them."""
    return _generation


def shared() -> bool:
    """Whether the session reads the process's snapshot (not its own reference changes)."""
    return not db.session().info.get(_CHANGED)


def snapshot() -> Snapshot:
    """The reference rows of the database the current session talks to."""
    session = db.session()
    if session.info.get(_CHANGED):
        return _read(session)  # this transaction's own changes, not for anyone else
    engine = db.engine
    with _lock:
        held = _snapshots.get(engine)
        generation = _generation
    if held is not None:
        return held
    fresh = _read(session)
    with _lock:
        if generation == _generation and not session.info.get(_CHANGED):
            _snapshots[engine] = fresh
    return fresh


@sa.event.listens_for(Session, "after_flush")
def _note_reference_changes(session, flush_context) -> None:
    if any(isinstance(row, REFERENCE_MODELS) for row in (*session.new, *session.dirty, *session.deleted)):
        session.info[_CHANGED] = True


@sa.event.listens_for(Session, "after_commit")
def _forget_after_reference_commit(session) -> None:
    if session.info.pop(_CHANGED, False):
        forget()


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_after_reference_rollback(session, previous_transaction) -> None:
    """A rolled-back savepoint leaves the outer transaction's changes: keep bypassing."""
    if session.info.get(_CHANGED) and previous_transaction.parent is None:
        del session.info[_CHANGED]
        forget()


def reference_names() -> Names:
    return snapshot().names
