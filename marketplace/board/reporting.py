"""Every figure a board reads, computed by SQL aggregation here and nowhere else: the same
function feeds the chart, the table beside it, the CSV download and the tests.

A figure is asked for a Scope (the areas whose needs count: an area and its delivery
units, or one delivery unit; optionally one service category) and a Period (inclusive
London dates). Money is integer pence; shares are exact Fractions, shown by the caller.
Organisations are classified by the lead of each contract (the organisation that signs
for a consortium).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction

import sqlalchemy as sa

from ..contracts.models import Contract
from ..extensions import db
from ..needs.models import Need, need_pdus
from ..organisations.models import VCSE_FORMS, IncomeBand, LegalForm, Organisation, OrganisationType, organisation_pdus
from ..payments.models import TARGET_DAYS, Payment, PaymentStatus
from ..timeutil import LONDON, utcnow


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


def _is_local():
    """True when the contract's lead has staff or premises in a delivery unit its need covers."""
    return sa.exists(
        sa.select(1)
        .select_from(organisation_pdus)
        .join(need_pdus, need_pdus.c.area_id == organisation_pdus.c.area_id)
        .where(organisation_pdus.c.organisation_id == Contract.organisation_id, need_pdus.c.need_id == Contract.need_id)
    )


def _paid_in(period: Period):
    """Paid, on a day within the period (the bank transfer's date for ledger payments)."""
    return sa.and_(
        Payment.status == PaymentStatus.PAID,
        sa.or_(
            sa.and_(Payment.paid_on.is_not(None), Payment.paid_on.between(period.start, period.end)),
            sa.and_(Payment.paid_on.is_(None), Payment.paid_at >= period.starts_at, Payment.paid_at < period.ends_before),
        ),
    )


def _keyed(select, key) -> dict:
    """The aggregate `select`'s one row under None, or, with `key` (an SQL expression), its
    rows grouped by the key, under each key's value."""
    if key is None:
        return {None: tuple(db.session.execute(select).one())}
    return {row[-1]: tuple(row[:-1]) for row in db.session.execute(select.add_columns(key).group_by(key))}


# Spend and awards by size band and by type -------------------------------------------------


@dataclass(frozen=True)
class Split:
    key: str
    spend_pence: int
    awards: int
    award_value_pence: int


def _split(scope: Scope, period: Period, key) -> tuple[dict, dict]:
    """Spend (payments paid in the period) and awards (contracts made in the period, their
    number and value) by `key`, a column of the lead organisation, as {key: pence} and
    {key: (count, pence)}. Two grouped queries. (Keys may be StrEnum members, which equal
    and hash as their values.)"""
    spend = dict(
        db.session.execute(
            sa.select(key, sa.func.coalesce(sa.func.sum(Payment.amount_pence), 0))
            .select_from(Payment)
            .join(Contract, Contract.id == Payment.contract_id)
            .join(Need, Need.id == Contract.need_id)
            .join(Organisation, Organisation.id == Contract.organisation_id)
            .where(scope.needs(), _paid_in(period))
            .group_by(key)
        ).all()
    )
    awards = {
        row[0]: (row[1], row[2])
        for row in db.session.execute(
            sa.select(key, sa.func.count(Contract.id), sa.func.coalesce(sa.func.sum(Contract.value_pence), 0))
            .select_from(Contract)
            .join(Need, Need.id == Contract.need_id)
            .join(Organisation, Organisation.id == Contract.organisation_id)
            .where(scope.needs(), Contract.created_at >= period.starts_at, Contract.created_at < period.ends_before)
            .group_by(key)
        ).all()
    }
    return spend, awards


def by_size_band(scope: Scope, period: Period) -> list[Split]:
    spend, awards = _split(scope, period, Organisation.income_band)
    return [
        Split(band.value, int(spend.get(band.value, 0) or 0), *(int(v) for v in awards.get(band.value, (0, 0))))
        for band in IncomeBand
    ]


def by_type(scope: Scope, period: Period) -> list[Split]:
    spend, awards = _split(scope, period, organisation_type())
    return [
        Split(kind.value, int(spend.get(kind.value, 0) or 0), *(int(v) for v in awards.get(kind.value, (0, 0))))
        for kind in OrganisationType
    ]


@dataclass(frozen=True)
class Shares:
    spend_pence: int
    vcse_pence: int
    local_pence: int

    @property
    def vcse(self) -> Fraction | None:
        return Fraction(self.vcse_pence, self.spend_pence) if self.spend_pence else None

    @property
    def local(self) -> Fraction | None:
        return Fraction(self.local_pence, self.spend_pence) if self.spend_pence else None


def shares(scope: Scope, period: Period, *, by=None):
    """The share of spend that went to VCSE organisations, and to local ones (with staff or
    premises in a delivery unit the need covers). One query. With `by` (an SQL expression
    on Need), a dict of Shares by its value instead (see comparison)."""
    is_vcse = Organisation.legal_form.in_([f.value for f in VCSE_FORMS])
    rows = _keyed(
        sa.select(
            sa.func.coalesce(sa.func.sum(Payment.amount_pence), 0),
            sa.func.coalesce(sa.func.sum(sa.case((is_vcse, Payment.amount_pence), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((_is_local(), Payment.amount_pence), else_=0)), 0),
        )
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .join(Organisation, Organisation.id == Contract.organisation_id)
        .where(scope.needs(), _paid_in(period)),
        by,
    )
    found = {key: Shares(*(int(v) for v in row)) for key, row in rows.items()}
    return found if by is not None else found[None]


# Payment timeliness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeliness:
    paid: int
    median_days: Fraction | None
    within_target: int
    overdue_now: int

    @property
    def share_within_target(self) -> Fraction | None:
        return Fraction(self.within_target, self.paid) if self.paid else None


def london_day(column):
    """The Europe/London date of a stored UTC time, in SQL: PostgreSQL converts it with its
    time zone database; SQLite calls london_date, a function each connection registers
    (marketplace._sqlite_connect), as it has no time zones of its own."""
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.func.london_date(column)
    return sa.cast(sa.func.timezone("Europe/London", sa.func.timezone("UTC", column)), sa.Date)


def _days_taken():
    """Whole days from the day a payment became payable to the day it was paid (the bank
    transfer's date for ledger payments), in SQL on either database, counted in London
    days as Payment.days_taken counts them."""
    paid_day = sa.func.coalesce(Payment.paid_on, london_day(Payment.paid_at))
    if db.session.get_bind().dialect.name == "sqlite":
        return sa.cast(sa.func.julianday(paid_day) - sa.func.julianday(london_day(Payment.payable_at)), sa.Integer)
    return paid_day - london_day(Payment.payable_at)


def timeliness(scope: Scope, period: Period, now: datetime, *, by=None):
    """Payments paid in the period: how many, the median days from becoming payable to
    paid (the middle one, or the mean of the middle two), how many within TARGET_DAYS;
    and how many are unpaid TARGET_DAYS or more after becoming payable now. The median is
    taken in SQL with row numbers, so no rows come back to Python. With `by` (an SQL
    expression on Need), a dict of Timeliness by its value instead (see comparison)."""
    found = _timeliness(scope.needs(), period, now, by=by)
    return {key: figures for key, (figures, _) in found.items()} if by is not None else found[None][0]


def _timeliness(where, period: Period, now: datetime, *, by=None) -> dict:
    """timeliness() of the payments `where` picks (a clause on Payment, Contract and Need),
    and the pence paid in the period, as {None: (Timeliness, pence)}, or by the value of
    `by`. Three aggregate queries; the median's row numbers are counted per key."""
    key = by if by is not None else sa.literal_column("0")
    taken = (
        sa.select(_days_taken().label("days"), Payment.amount_pence.label("pence"), key.label("key"))
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(where, _paid_in(period))
        .subquery()
    )
    ranked = sa.select(
        taken.c.days,
        taken.c.key,
        sa.func.row_number().over(partition_by=taken.c.key, order_by=taken.c.days).label("position"),
        sa.func.count().over(partition_by=taken.c.key).label("total"),
    ).subquery()
    grouped = by is not None
    middle = _keyed(
        sa.select(sa.func.sum(ranked.c.days), sa.func.count()).where(
            # The middle row, or the two middle rows (integer division: SQLAlchemy's / is true division).
            ranked.c.position.in_([(ranked.c.total + 1) // 2, (ranked.c.total + 2) // 2])
        ),
        ranked.c.key if grouped else None,
    )
    paid = _keyed(
        sa.select(
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((taken.c.days <= TARGET_DAYS, 1), else_=0)), 0),
            sa.func.coalesce(sa.func.sum(taken.c.pence), 0),
        ).select_from(taken),
        taken.c.key if grouped else None,
    )
    overdue = _keyed(
        sa.select(sa.func.count())
        .select_from(Payment)
        .join(Contract, Contract.id == Payment.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(where, Payment.status != PaymentStatus.PAID, Payment.payable_at <= now - timedelta(days=TARGET_DAYS)),
        by,
    )
    found = {}
    for k in set(middle) | set(paid) | set(overdue):
        middle_sum, middle_count = middle.get(k, (None, 0))
        count, within, pence = paid.get(k, (0, 0, 0))
        median = Fraction(int(middle_sum), int(middle_count)) if middle_count else None
        figures = Timeliness(paid=int(count), median_days=median, within_target=int(within or 0), overdue_now=int(overdue.get(k, (0,))[0]))
        found[k] = (figures, int(pence or 0))
    return found


# Partnerships and competition ------------------------------------------------------------------


def _counts():
    """SQL for "this bid counts", as bids.lifecycle.counting_revision decides it: it has a
    revision (revisions are only submitted before closing) made after any withdrawal (a
    withdrawn bid counts again once resubmitted). One EXISTS on the index of revisions by
    bid and time. (A bid awaiting reconfirmation after a material amendment is counted.)"""
    from ..bids.models import Bid, BidRevision

    return sa.exists().where(
        BidRevision.bid_id == Bid.id, sa.or_(Bid.withdrawn_at.is_(None), BidRevision.submitted_at > Bid.withdrawn_at)
    )


@dataclass(frozen=True)
class Activity:
    active_contracts: int
    active_value_pence: int
    needs_published: int
    lots: int
    bids: int

    @property
    def bids_per_lot(self) -> Fraction | None:
        return Fraction(self.bids, self.lots) if self.lots else None


def activity(scope: Scope, period: Period, now: datetime | None = None, *, by=None):
    """Contracts running at some time in the period, and their value; needs published in
    the period; and, of those, the lots of the needs that have closed by `now` and the
    bids that counted on them (submitted before closing and not withdrawn since). Bids on
    a need still open are not counted at all: nothing here tells of a bid before closing.
    Three aggregate queries. With `by` (an SQL expression on Need), a dict of Activity by
    its value instead (see comparison)."""
    from ..bids.models import Bid
    from ..needs.models import Lot

    now = now or utcnow()
    running = _keyed(
        sa.select(sa.func.count(Contract.id), sa.func.coalesce(sa.func.sum(Contract.value_pence), 0))
        .join(Need, Need.id == Contract.need_id)
        .where(scope.needs(), Contract.starts_on <= period.end, Contract.ends_on >= period.start),
        by,
    )
    published = sa.and_(scope.needs(), Need.published_at >= period.starts_at, Need.published_at < period.ends_before)
    closed = sa.and_(Need.closes_at.is_not(None), Need.closes_at <= now)
    needs = _keyed(
        sa.select(sa.func.count(sa.distinct(Need.id)), sa.func.count(Lot.id).filter(closed))
        .select_from(Need).join(Lot, Lot.need_id == Need.id).where(published),
        by,
    )
    bids = _keyed(
        sa.select(sa.func.count(Bid.id)).join(Need, Need.id == Bid.need_id).where(published, closed, _counts()),
        by,
    )
    found = {
        k: Activity(*(int(v or 0) for v in (*running.get(k, (0, 0)), *needs.get(k, (0, 0)), *bids.get(k, (0,)))))
        for k in set(running) | set(needs) | set(bids)
    }
    return found if by is not None else found[None]


@dataclass(frozen=True)
class Success:
    key: str
    bids: int
    won: int

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.won, self.bids) if self.bids else None


def success_rates(scope: Scope, period: Period) -> list[Success]:
    """How often bidders of each kind won, on lots decided in the period: small (micro and
    small income), medium and large, and VCSE against the rest. A bid is a lead's bid that
    counted at closing; it won when the lot's effective decision awarded it."""
    from ..bids.models import Bid
    from ..evaluation.models import AwardDecision, AwardOutcome

    counted = _counts()
    effective = sa.and_(
        AwardDecision.refused_at.is_(None),
        AwardDecision.summaries_sent_at >= period.starts_at,
        AwardDecision.summaries_sent_at < period.ends_before,
    )
    won = sa.case((sa.and_(AwardDecision.outcome == AwardOutcome.AWARD.value, AwardDecision.bid_id == Bid.id), 1), else_=0)
    size = sa.case(
        (Organisation.income_band.in_([IncomeBand.MICRO.value, IncomeBand.SMALL.value]), "small"),
        (Organisation.income_band == IncomeBand.MEDIUM.value, "medium"),
        else_="large",
    )
    base = (
        sa.select()
        .select_from(Bid)
        .join(Need, Need.id == Bid.need_id)
        .join(Organisation, Organisation.id == Bid.organisation_id)
        .join(AwardDecision, AwardDecision.lot_id == Bid.lot_id)
        .where(scope.needs(), effective, counted)
    )
    results = {}
    for key in (size, organisation_type()):
        for group, bids, wins in db.session.execute(
            base.add_columns(key, sa.func.count(Bid.id), sa.func.coalesce(sa.func.sum(won), 0)).group_by(key)
        ).all():
            results[group] = Success(group, int(bids), int(wins))
    order = ("small", "medium", "large", "vcse", "public", "private")
    return [results.get(key, Success(key, 0, 0)) for key in order]


# Outcomes --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryOutcomes:
    category: str
    contracts: int
    expected_people: int
    achieved: int
    partly: int
    not_achieved: int

    @property
    def score(self) -> Fraction:
        """Achieved counts 1, partly achieved 0.5, not achieved 0."""
        return self.achieved + Fraction(self.partly, 2)

    @property
    def people(self) -> int:
        return self.achieved + self.partly + self.not_achieved

    @property
    def rate(self) -> Fraction | None:
        return self.score / self.people if self.people else None


def outcomes_by_category(scope: Scope, period: Period) -> list[CategoryOutcomes]:
    """From reports approved in the period, by the need's service category: the outcome
    lines (an approved report can no longer change, so its lines are what was approved),
    and the people the reporting contracts expected to support. Two grouped queries."""
    return _outcomes(scope.needs(), period)


def _outcomes(where, period: Period) -> list[CategoryOutcomes]:
    """outcomes_by_category() of the contracts `where` picks (a clause on Contract and Need)."""
    from ..delivery.models import OutcomeReport, ReportDecision, ReportOutcome, ReportSubmission
    from ..reference.models import ServiceCategory

    approved = sa.and_(
        ReportSubmission.report_id == OutcomeReport.id,
        ReportSubmission.decision == ReportDecision.APPROVED.value,
        ReportSubmission.decided_at >= period.starts_at,
        ReportSubmission.decided_at < period.ends_before,
    )
    lines = {
        name: (int(a), int(p), int(n))
        for name, a, p, n in db.session.execute(
            sa.select(
                ServiceCategory.name,
                sa.func.coalesce(sa.func.sum(ReportOutcome.achieved), 0),
                sa.func.coalesce(sa.func.sum(ReportOutcome.partly), 0),
                sa.func.coalesce(sa.func.sum(ReportOutcome.not_achieved), 0),
            )
            .select_from(ReportOutcome)
            .join(OutcomeReport, OutcomeReport.id == ReportOutcome.report_id)
            .join(ReportSubmission, approved)
            .join(Contract, Contract.id == OutcomeReport.contract_id)
            .join(Need, Need.id == Contract.need_id)
            .join(ServiceCategory, ServiceCategory.id == Need.category_id)
            .where(where)
            .group_by(ServiceCategory.name)
        ).all()
    }
    reporting_contract = sa.exists(
        sa.select(1).select_from(OutcomeReport).join(ReportSubmission, approved).where(OutcomeReport.contract_id == Contract.id)
    )
    contracts = {
        name: (int(count), int(expected))
        for name, count, expected in db.session.execute(
            sa.select(ServiceCategory.name, sa.func.count(Contract.id), sa.func.coalesce(sa.func.sum(Contract.expected_people), 0))
            .select_from(Contract)
            .join(Need, Need.id == Contract.need_id)
            .join(ServiceCategory, ServiceCategory.id == Need.category_id)
            .where(where, reporting_contract)
            .group_by(ServiceCategory.name)
        ).all()
    }
    return [
        CategoryOutcomes(name, *contracts.get(name, (0, 0)), *lines.get(name, (0, 0, 0)))
        for name in sorted(set(lines) | set(contracts))
    ]


# Comparison ------------------------------------------------------------------------------------------


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
    from ..reference.models import Area, AreaKind

    if area.kind == AreaKind.PDU:
        peers = sorted(area.parent.children, key=lambda a: a.name)
        scope = Scope(area_ids=tuple(p.id for p in peers))
        key = Need.area_id
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
            peer.id, peer.name, peer.id == area.id, money.get(peer.id, Shares(0, 0, 0)),
            competition.get(peer.id, Activity(0, 0, 0, 0, 0)), paying.get(peer.id, Timeliness(0, None, 0, 0)),
        )
        for peer in peers
    ]


# An organisation's own figures ---------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationFigures:
    """What one provider organisation sees of itself, and nothing of anyone else: its own
    bids (as lead and as a consortium partner) and how they fared, the contracts it leads,
    what it was paid and how fast, and the outcomes its approved reports recorded."""

    bids_led: int
    bids_as_partner: int
    success: tuple[Success, ...]  # "lead", then "partner": its bids on lots decided in the period
    contracts_running: int
    contracts_value_pence: int
    paid_pence: int
    payments: Timeliness
    outcomes: tuple[CategoryOutcomes, ...]


def _own_bids(organisation_id: int):
    """The outer join from Bid to the organisation's partner row, and the clauses "it leads
    the bid" and "it is a current, confirmed partner in it". An organisation is a current
    partner at most once per lot (a unique index), so the join never repeats a bid."""
    from ..bids.models import Bid, BidPartner

    partner_row = sa.and_(
        BidPartner.bid_id == Bid.id,
        BidPartner.organisation_id == organisation_id,
        BidPartner.removed_at.is_(None),
        BidPartner.declined_at.is_(None),
        BidPartner.confirmed_at.is_not(None),
    )
    return partner_row, Bid.organisation_id == organisation_id, BidPartner.id.is_not(None)


def organisation_figures(organisation_id: int, period: Period, now: datetime) -> OrganisationFigures:
    """One organisation's figures for the period, by the same definitions as the area's:
    - bids that counted (submitted before closing, not withdrawn since) on needs published
      in the period, as in activity(), led by it or with it as a confirmed partner;
    - success: its counted bids on lots whose effective decision took effect in the
      period (as in success_rates()), and how many of those the decision awarded;
    - contracts it leads running at some time in the period, and their value;
    - payments to it (the lead is paid) as in timeliness(), with the pence paid;
    - outcomes from its contracts' reports approved in the period, as in
      outcomes_by_category().
    Every query is restricted to its own bids or contracts. Six aggregate queries and
    the outcomes' two."""
    from ..bids.models import Bid, BidPartner
    from ..evaluation.models import AwardDecision, AwardOutcome

    partner_row, leads, partners = _own_bids(organisation_id)
    counted = _counts()

    def total(clause):
        return sa.func.coalesce(sa.func.sum(sa.case((clause, 1), else_=0)), 0)

    published = sa.and_(Need.published_at >= period.starts_at, Need.published_at < period.ends_before)
    led, as_partner = db.session.execute(
        sa.select(total(leads), total(partners))
        .select_from(Bid)
        .join(Need, Need.id == Bid.need_id)
        .outerjoin(BidPartner, partner_row)
        .where(published, counted, sa.or_(leads, partners))
    ).one()

    effective = sa.and_(
        AwardDecision.refused_at.is_(None),
        AwardDecision.summaries_sent_at >= period.starts_at,
        AwardDecision.summaries_sent_at < period.ends_before,
    )
    won = sa.and_(AwardDecision.outcome == AwardOutcome.AWARD.value, AwardDecision.bid_id == Bid.id)
    lead_decided, lead_won, partner_decided, partner_won = db.session.execute(
        sa.select(total(leads), total(sa.and_(leads, won)), total(partners), total(sa.and_(partners, won)))
        .select_from(Bid)
        .join(AwardDecision, AwardDecision.lot_id == Bid.lot_id)
        .outerjoin(BidPartner, partner_row)
        .where(effective, counted, sa.or_(leads, partners))
    ).one()

    running, value = db.session.execute(
        sa.select(sa.func.count(Contract.id), sa.func.coalesce(sa.func.sum(Contract.value_pence), 0)).where(
            Contract.organisation_id == organisation_id, Contract.starts_on <= period.end, Contract.ends_on >= period.start
        )
    ).one()

    payments, paid_pence = _timeliness(Contract.organisation_id == organisation_id, period, now)[None]
    return OrganisationFigures(
        bids_led=int(led),
        bids_as_partner=int(as_partner),
        success=(Success("lead", int(lead_decided), int(lead_won)), Success("partner", int(partner_decided), int(partner_won))),
        contracts_running=int(running),
        contracts_value_pence=int(value),
        paid_pence=paid_pence,
        payments=payments,
        outcomes=tuple(_outcomes(Contract.organisation_id == organisation_id, period)),
    )


# Partnership ratings ------------------------------------------------------------------------------


def rating_counts(area_ids, year: int) -> dict:
    """How many of the areas' partnerships the board rated good, approaching target,
    requires improvement and inadequate for the financial year starting in `year`: one
    grouped query."""
    from .models import PartnershipReview, Rating, ReviewKind

    rows = db.session.execute(
        sa.select(PartnershipReview.rating, sa.func.count())
        .join(Contract, Contract.id == PartnershipReview.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(Need.area_id.in_(area_ids), PartnershipReview.kind == ReviewKind.YEARLY, PartnershipReview.financial_year == year)
        .group_by(PartnershipReview.rating)
    ).all()
    counts = {Rating(r): int(n) for r, n in rows}
    return {rating: counts.get(rating, 0) for rating in Rating}


# At a glance -------------------------------------------------------------------------------------


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
    from ..workdays import london_date
    from .models import PartnershipReview, ReviewKind

    period = Period.financial_year(london_date(now))
    scope = Scope(area_ids=area.ids_covered)
    rated = sa.exists().where(
        PartnershipReview.contract_id == Contract.id, PartnershipReview.kind == ReviewKind.YEARLY,
        PartnershipReview.financial_year == period.start.year,
    )
    unrated = db.session.scalar(
        sa.select(sa.func.count(Contract.id)).join(Need, Need.id == Contract.need_id)
        .where(scope.needs(), Contract.starts_on <= min(period.end, london_date(now)), Contract.ends_on >= period.start, ~rated)
    )
    return Glance(area, period, shares(scope, period), timeliness(scope, period, now), int(unrated))
