"""Finding open needs: the filter form on the public list, and the query it builds.

The list must stay fast with 100,000 needs: one row per need and nothing loaded per
row (delivery units through a semi-join on the need_pdus.area_id index, reserved lots
with EXISTS), one COUNT, then a page with LIMIT/OFFSET in closing order from the
closes_at index, or from reading the table when few needs match (see _Scan).
"""

import functools
import hashlib
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import ClassVar

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, visitors
from sqlalchemy.sql.visitors import InternalTraversal
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ..extensions import db
from ..forms import MaxLength, strip
from ..i18n import current_language
from ..reference import cache as reference_cache
from ..reference.models import Area, AreaKind
from ..reference.services import current_categories, current_pdus, current_regions
from ..timeutil import london_date, utcnow
from . import counts, fulltext
from .dates import closing_soon_cutoff
from .models import Lot, Need, Procedure, Reservation, need_pdus

PAGE_SIZE = 20
MAX_PAGE = 100_000
SEARCH_MAX = 200
MAX_WORDS = 10
VALUE_BANDS = counts.VALUE_BANDS


class ListedSelect(SelectField):
    """One choice from a list; a value not on it (a crafted or stale link) is an error with
    a GOV.UK message, never a crash."""

    def __init__(self, label, *, message: str, **kwargs):
        kwargs.setdefault("widget", GovSelect())
        super().__init__(label, coerce=str, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if (self.data or "") not in {choice.value for choice in self.choices}:
            raise ValidationError(self.message)


class ListedRadios(RadioField):
    def __init__(self, label, *, message: str, **kwargs):
        kwargs.setdefault("widget", GovRadioInput())
        super().__init__(label, coerce=str, **kwargs)
        self.message = message

    def process_data(self, value):
        super().process_data(value)
        self.data = self.data or ""

    def pre_validate(self, form):
        if (self.data or "") not in {choice.value for choice in self.choices}:
            raise ValidationError(self.message)


class NeedFilterForm(FlaskForm):
    """The filters on /needs, sent with GET: nothing changes, so no CSRF token."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search words"),
        filters=[strip],
        validators=[MaxLength(_l("Search words"), SEARCH_MAX)],
        widget=GovTextInput(),
        description=_l("Words in the title or summary, like housing or mentoring"),
    )
    region = ListedSelect(_l("Region"), message=_l("Select a region from the list"))
    pdu = ListedSelect(_l("Probation delivery unit"), message=_l("Select a probation delivery unit from the list"))
    category = ListedSelect(_l("Service category"), message=_l("Select a service category from the list"))
    procedure = ListedRadios(
        _l("Procedure"),
        message=_l("Select grant, contract or any"),
        choices=[
            SelectChoice("", _l("Any")),
            SelectChoice(Procedure.GRANT.value, _l("Grant")),
            SelectChoice(Procedure.CONTRACT.value, _l("Contract")),
        ],
    )
    value = ListedRadios(
        _l("Value of the need"),
        message=_l("Select a value from the list"),
        choices=[SelectChoice("", _l("Any value"))]
        + [SelectChoice(key, label) for key, (label, _low, _high) in VALUE_BANDS.items()],
    )
    vcse = BooleanField(_l("Only needs with a lot reserved for VCSE organisations"), widget=GovCheckboxInput())
    closing_soon = BooleanField(_l("Closing within 7 days"), widget=GovCheckboxInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = london_date(utcnow())
        if reference_cache.shared():  # made once a day per process and reference data
            choices = _reference_choices(db.engine, reference_cache.generation(), today, current_language())
        else:
            choices = _reference_choices.__wrapped__(db.engine, reference_cache.generation(), today, current_language())
        self.region.choices, self.pdu.choices, self.category.choices = choices

    def choices_key(self) -> tuple:
        """What the filters but the words show, as a key: each one's choice (a value not on
        its list as None: it shows as no choice) and its errors. Never anything typed."""
        key = []
        for shown in self:
            if shown.name == "q":
                continue
            if isinstance(shown, BooleanField):
                value: object = bool(shown.data)
            else:
                value = shown.data if shown.data in {choice.value for choice in shown.choices} else None
            key.append((shown.name, value, tuple(shown.errors)))
        return tuple(key)

    def validate_q(self, field):
        if field.data and len(field.data.split()) > MAX_WORDS:
            raise ValidationError(_("Enter %(count)s search words or fewer", count=MAX_WORDS))


@functools.lru_cache(maxsize=8)
def _reference_choices(engine, generation: int, today: date, language: str) -> tuple[tuple[SelectChoice, ...], ...]:
    """The region, delivery unit and category filters' choices: the reference data in force
    today (of this engine's database, at this generation of the kept reference data), with
    names and "All ..." in the page's language (`language`, part of the key)."""
    regions = current_regions(today)
    pdus = sorted(current_pdus(today), key=lambda p: (p.parent_name or "", p.name))
    return (
        (SelectChoice("", _("All regions")), *(SelectChoice(str(r.id), r.local_name) for r in regions)),
        (
            SelectChoice("", _("All delivery units")),
            *(SelectChoice(str(p.id), p.label) for p in pdus),
        ),
        (
            SelectChoice("", _("All categories")),
            *(SelectChoice(str(c.id), c.local_name) for c in current_categories(today)),
        ),
    )


@dataclass
class NeedFilters:
    """The filters that passed validation; a filter with an error is left out."""

    words: list[str] = field(default_factory=list)
    region_id: int | None = None
    pdu_id: int | None = None
    category_id: int | None = None
    procedure: Procedure | None = None
    value_band: str | None = None
    vcse: bool = False
    closing_soon: bool = False

    @classmethod
    def from_form(cls, form: NeedFilterForm) -> "NeedFilters":
        def ok(f):
            return not f.errors and f.data

        return cls(
            words=fulltext.search_terms(form.q.data) if ok(form.q) else [],
            region_id=int(form.region.data) if ok(form.region) else None,
            pdu_id=int(form.pdu.data) if ok(form.pdu) else None,
            category_id=int(form.category.data) if ok(form.category) else None,
            procedure=Procedure(form.procedure.data) if ok(form.procedure) else None,
            value_band=form.value.data if ok(form.value) else None,
            vcse=bool(form.vcse.data),
            closing_soon=bool(form.closing_soon.data),
        )

    def query_args(self, form: NeedFilterForm) -> dict[str, str]:
        """The valid filters as query-string arguments, for the pagination links."""
        args = {}
        for name in ("q", "region", "pdu", "category", "procedure", "value"):
            f = form[name]
            if f.data and not f.errors:
                args[name] = f.data
        if self.vcse:
            args["vcse"] = "y"
        if self.closing_soon:
            args["closing_soon"] = "y"
        return args

    def key(self) -> tuple:
        """These filters as part of a key for kept results: the words only as a digest."""
        return (
            hashlib.blake2b("\x00".join(self.words).encode(), digest_size=16).digest() if self.words else b"",
            *(getattr(self, f.name) for f in fields(self) if f.name != "words"),
        )

    @property
    def any(self) -> bool:
        return bool(
            self.words
            or self.region_id
            or self.pdu_id
            or self.category_id
            or self.procedure
            or self.value_band
            or self.vcse
            or self.closing_soon
        )


def covers_any_pdu(pdu_ids) -> sa.ColumnElement[bool]:
    """The need covers at least one of these delivery units: a semi-join driven by the
    index on need_pdus.area_id (much faster than a correlated EXISTS per need)."""
    return Need.id.in_(sa.select(need_pdus.c.need_id).where(need_pdus.c.area_id.in_(pdu_ids)))


def region_pdu_ids(region_ids) -> sa.Select:
    """The delivery units of these regions, as a subquery (current or retired: an older
    need may cover a retired one)."""
    return sa.select(Area.id).where(Area.parent_id.in_(region_ids), Area.kind == AreaKind.PDU)


def covers_each(pdu_ids) -> sa.ColumnElement[bool]:
    """covers_any_pdu tested need by need (EXISTS on the need_pdus key), for walking a
    few needs in closing order rather than listing every need of the delivery units."""
    return sa.exists(sa.select(1).where(need_pdus.c.need_id == Need.id, need_pdus.c.area_id.in_(pdu_ids)))


def open_needs_query(filters: NeedFilters, now: datetime, *, walk: bool = False) -> sa.Select:
    """Open needs matching the filters, soonest closing first. With `walk`, delivery units
    are tested need by need (covers_each), for reading few needs from the closes_at index."""
    covers = covers_each if walk else covers_any_pdu
    query = sa.select(Need).where(Need.open_clause(now))
    if filters.words:
        query = query.where(fulltext.matching(filters.words))
    if filters.region_id:
        query = query.where(covers(region_pdu_ids([filters.region_id])))
    if filters.pdu_id:
        query = query.where(covers([filters.pdu_id]))
    if filters.category_id:
        query = query.where(Need.category_id == filters.category_id)
    if filters.procedure:
        query = query.where(Need.procedure == filters.procedure)
    if filters.value_band in VALUE_BANDS:
        _label, low, high = VALUE_BANDS[filters.value_band]
        if low is not None:
            query = query.where(Need.value_pence >= low)
        if high is not None:
            query = query.where(Need.value_pence < high)
    if filters.vcse:
        query = query.where(sa.exists(sa.select(1).where(Lot.need_id == Need.id, Lot.reservation == Reservation.VCSE)))
    if filters.closing_soon:
        query = query.where(Need.closes_at <= closing_soon_cutoff(now))
    return query.order_by(Need.closes_at, Need.id)


class _Scan(ColumnElement):
    """A column the SQLite planner must not drive an index from: rendered `+column`
    there, as itself everywhere else. Counting 75,000 open needs through the closes_at
    index costs one random row lookup each (5 times slower than reading the table)."""

    inherit_cache = True
    # SQLAlchemy annotates _traverse_internals as an instance variable, but reads it from the class.
    _traverse_internals: ClassVar = [("column", InternalTraversal.dp_clauseelement)]  # type: ignore[misc]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(_Scan)
def _compile_scan(element, compiler, **kw):
    return compiler.process(element.column, **kw)


@compiles(_Scan, "sqlite")
def _compile_scan_sqlite(element, compiler, **kw):
    return "+" + compiler.process(element.column, **kw)


def count_open_needs(filters: NeedFilters, now: datetime) -> int:
    """How many open needs match: from the kept counts when there are no words and at most
    one filter besides closing soon (counts.py), else by counting them."""
    from ..extensions import db

    facet = _one_facet(filters)
    if facet is not None:
        until = closing_soon_cutoff(now) if filters.closing_soon else None
        # Today's needs from the closes_at index, never from a filter's list of needs.
        walked = open_needs_query(filters, now, walk=True).whereclause
        assert walked is not None  # open_needs_query always has Need.open_clause
        today = visitors.replacement_traverse(walked, {}, _not_driving("id"))
        return db.session.execute(counts.kept_count(*facet, today, now, until)).scalar_one()
    whereclause = open_needs_query(filters, now).whereclause
    assert whereclause is not None  # open_needs_query always has Need.open_clause
    where = visitors.replacement_traverse(whereclause, {}, _not_driving("closes_at"))
    return db.session.execute(sa.select(sa.func.count()).select_from(Need).where(where)).scalar_one()


def _one_facet(filters: NeedFilters) -> tuple[str, str] | None:
    """The kept count (facet, value) that answers these filters, if one does."""
    chosen = [
        (facet, value)
        for facet, value in (
            ("region", filters.region_id),
            ("pdu", filters.pdu_id),
            ("category", filters.category_id),
            ("procedure", filters.procedure),
            ("value", filters.value_band if filters.value_band in VALUE_BANDS else None),
            ("vcse", "" if filters.vcse else None),
        )
        if value is not None
    ]
    if filters.words or len(chosen) > 1:
        return None
    return (chosen[0][0], str(chosen[0][1])) if chosen else ("all", "")


def _not_driving(name: str):
    """A replacement for visitors.replacement_traverse: the needs column `name` becomes a
    _Scan, which SQLite's planner does not drive an index from."""

    def replace(element, **kw):
        # The ORM hands over an annotated copy of the column, so compare what it stands for.
        if isinstance(element, sa.Column) and element.table is Need.__table__ and element.name == name:
            return _Scan(element)
        return None

    return replace


def page_of_open_needs(filters: NeedFilters, now: datetime, *, offset: int, scan: bool) -> sa.Select:
    """One page of open needs. With `scan` (few matches), the table is read rather than
    the closes_at index walked: an index walk would visit every open need to find them.
    With words, the best matches first (fulltext.by_relevance)."""
    query = open_needs_query(filters, now, walk=not scan and not filters.words)
    assert query.whereclause is not None  # open_needs_query always has Need.open_clause
    if scan or not filters.words:
        # Few matches: read them (not the closes_at index); many: walk the closes_at index
        # (not a filter's list of needs, which would then have to be sorted).
        where = visitors.replacement_traverse(query.whereclause, {}, _not_driving("closes_at" if scan else "id"))
        query = sa.select(Need).where(where).order_by(Need.closes_at, Need.id)
    return fulltext.by_relevance(query, filters.words).limit(PAGE_SIZE).offset(offset)


# Below this many matches, a page is found by reading the table rather than walking the
# closes_at index (which would visit every open need to find a few).
SCAN_BELOW = 2000


class _Page(Pagination):
    """Flask-SQLAlchemy's pagination (for the GOV.UK pagination partial), over items and
    a total found here."""

    def _query_items(self):
        return self._query_args["items"]

    def _query_count(self):
        return self._query_args["total"]


def find_open_needs(filters: NeedFilters, now: datetime, page_number: int, *, options=()) -> tuple[Pagination, bool]:
    """The page asked for (or the last page, when it is past the end) and whether it was
    past the end. Two queries: one COUNT, then LIMIT/OFFSET."""
    from ..extensions import db

    total = count_open_needs(filters, now)
    pages = max(1, -(-total // PAGE_SIZE))
    past_end = total > 0 and page_number > pages
    page_number = min(page_number, pages)
    items = []
    if total:
        query = page_of_open_needs(filters, now, offset=(page_number - 1) * PAGE_SIZE, scan=total < SCAN_BELOW)
        items = list(db.session.scalars(query.options(*options)))
    page = _Page(
        page=page_number, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False, items=items, total=total
    )
    return page, past_end


def reserved_need_ids(need_ids: list[int]) -> dict[int, set[Reservation]]:
    """For one page of needs, which reservations their lots carry: one query for the page."""
    from ..extensions import db

    if not need_ids:
        return {}
    found: dict[int, set[Reservation]] = {}
    rows = db.session.execute(
        sa.select(Lot.need_id, Lot.reservation)
        .where(Lot.need_id.in_(need_ids), Lot.reservation != Reservation.NONE)
        .distinct()
    )
    for need_id, reservation in rows:
        found.setdefault(need_id, set()).add(reservation)
    return found
