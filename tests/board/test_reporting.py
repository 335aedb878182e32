"""The board's figures against a fixture whose right answers were worked out by hand.

Three contracts in East Kent, each with an advance of £10,000 (25 % of £40,000):
- A: a micro charity with premises in the need's delivery unit (VCSE, local), its advance
  paid 2 days after it became payable;
- B: a large private company with no local presence, paid after 14 days;
- C: a medium public body, unpaid 12 days after becoming payable (overdue).
So: spend £20,000; VCSE share 1/2; local share 1/2; median days (2 + 14) / 2 = 8; one of
two paid within 10 days; one overdue now. Awards: one contract in each of micro, large,
medium, each worth £40,000.
"""

from datetime import timedelta
from fractions import Fraction

import pytest

from marketplace.board.reporting.comparison import comparison
from marketplace.board.reporting.competition import activity, success_rates
from marketplace.board.reporting.outcomes import outcomes_by_category
from marketplace.board.reporting.scope import Period, Scope
from marketplace.board.reporting.spend import by_size_band, by_type, shares
from marketplace.board.reporting.timeliness import timeliness
from marketplace.extensions import db
from marketplace.organisations.models import IncomeBand, LegalForm
from marketplace.payments import services as payments
from marketplace.payments.models import PaymentStatus
from marketplace.timeutil import london_date, utcnow

from .. import factories

pytestmark = pytest.mark.clock

ADVANCE = 1_000_000


def _contract(legal_form, band, *, local: bool, paid_after: int | None, payable_days_ago: int):
    made = factories.make_contract()
    organisation = made.contract.organisation
    organisation.legal_form, organisation.income_band = legal_form, band
    organisation.charity_number = organisation.company_number = None
    organisation.pdus = list(made.contract.need.pdus) if local else []
    [advance] = payments.payments_of(made.contract)
    assert advance.amount_pence == ADVANCE
    advance.payable_at = utcnow() - timedelta(days=payable_days_ago)
    if paid_after is not None:
        advance.status = PaymentStatus.PAID
        advance.paid_on = london_date(advance.payable_at) + timedelta(days=paid_after)
        advance.paid_at = advance.payable_at + timedelta(days=paid_after)
    db.session.flush()
    return made


@pytest.fixture
def world(db_session):
    a = _contract(LegalForm.REGISTERED_CHARITY, IncomeBand.MICRO, local=True, paid_after=2, payable_days_ago=30)
    _contract(LegalForm.COMPANY_LIMITED_BY_SHARES, IncomeBand.LARGE, local=False, paid_after=14, payable_days_ago=30)
    _contract(LegalForm.PUBLIC_BODY, IncomeBand.MEDIUM, local=False, paid_after=None, payable_days_ago=12)
    today = london_date(utcnow())
    return {
        "scope": Scope(area_ids=(a.contract.need.area_id,)),
        "period": Period(today - timedelta(days=60), today),
    }


def test_spend_and_awards_by_size_band(world):
    rows = {r.key: r for r in by_size_band(world["scope"], world["period"])}
    assert [r.key for r in by_size_band(world["scope"], world["period"])] == ["micro", "small", "medium", "large"]
    assert (
        rows["micro"].spend_pence,
        rows["large"].spend_pence,
        rows["medium"].spend_pence,
        rows["small"].spend_pence,
    ) == (
        ADVANCE,
        ADVANCE,
        0,
        0,
    )
    assert [(rows[k].awards, rows[k].award_value_pence) for k in ("micro", "small", "medium", "large")] == [
        (1, 4_000_000),
        (0, 0),
        (1, 4_000_000),
        (1, 4_000_000),
    ]


def test_spend_and_awards_by_type(world):
    rows = {r.key: r for r in by_type(world["scope"], world["period"])}
    assert (rows["vcse"].spend_pence, rows["private"].spend_pence, rows["public"].spend_pence) == (ADVANCE, ADVANCE, 0)
    assert (rows["vcse"].awards, rows["private"].awards, rows["public"].awards) == (1, 1, 1)


def test_shares_to_vcse_and_local_organisations(world):
    money = shares(world["scope"], world["period"])
    assert (money.spend_pence, money.vcse, money.local) == (2 * ADVANCE, Fraction(1, 2), Fraction(1, 2))


def test_payment_timeliness(world):
    figures = timeliness(world["scope"], world["period"], utcnow())
    assert (figures.paid, figures.median_days, figures.within_target, figures.overdue_now) == (2, 8, 1, 1)
    assert figures.share_within_target == Fraction(1, 2)


def test_an_odd_number_of_payments_has_its_middle_one_as_median(world):
    _contract(LegalForm.CIC, IncomeBand.SMALL, local=True, paid_after=5, payable_days_ago=20)
    assert timeliness(world["scope"], world["period"], utcnow()).median_days == 5


def test_an_empty_period_and_another_area_have_no_figures(world):
    long_ago = Period(
        world["period"].start.replace(year=2020), world["period"].start.replace(year=2020) + timedelta(days=30)
    )
    for scope, period in (
        (world["scope"], long_ago),
        (Scope(area_ids=(factories.area("N56ESXN").id,)), world["period"]),
    ):
        money = shares(scope, period)
        assert (money.spend_pence, money.vcse, money.local) == (0, None, None)
        figures = timeliness(scope, period, utcnow())
        assert (figures.paid, figures.median_days, figures.share_within_target) == (0, None, None)
        assert all(r.spend_pence == 0 for r in by_type(scope, period))


def test_the_financial_year():
    from datetime import date

    assert Period.financial_year(date(2026, 11, 23)) == Period(date(2026, 4, 1), date(2027, 3, 31))
    assert Period.financial_year(date(2027, 3, 31)) == Period(date(2026, 4, 1), date(2027, 3, 31))


def test_partnerships_and_competition(world):
    """Three needs published yesterday, one lot each, two bids per lot; three contracts of
    £40,000 running now."""
    figures = activity(world["scope"], world["period"])
    assert (figures.active_contracts, figures.active_value_pence) == (3, 12_000_000)
    assert (figures.needs_published, figures.lots, figures.bids, figures.bids_per_lot) == (3, 3, 6, 2)


def test_success_rates_of_small_and_vcse_bidders_against_large(world):
    """Each lot had the winner (micro VCSE, large private or medium public) and a losing
    small charity: small bidders won 1 of 4, medium 1 of 1, large 1 of 1; VCSE 1 of 4."""
    rates = {r.key: (r.bids, r.won) for r in success_rates(world["scope"], world["period"])}
    assert rates == {
        "small": (4, 1),
        "medium": (1, 1),
        "large": (1, 1),
        "vcse": (4, 1),
        "public": (1, 1),
        "private": (1, 1),
    }
    assert next(r.rate for r in success_rates(world["scope"], world["period"])) == Fraction(1, 4)


def test_outcomes_by_category_from_approved_reports(world):
    """One contract reports its first milestone: 12 started; outcome 1: 6 achieved, 2
    partly, 4 not; outcome 2: 3, 4, 5. Approved, so it counts: 9 achieved, 6 partly,
    9 not, score 9 + 3 = 12 of 24 people; the contract expected 40 people. A second report,
    submitted but not approved, does not count."""
    from marketplace.delivery import decisions, drafts

    made = factories.make_contract()
    contract = made.contract
    first, second = contract.outcomes[:2]
    report = drafts.start_report(contract.milestones[1], made.provider)
    drafts.save_report(
        report,
        referred=15,
        started=12,
        completed=8,
        outcomes={first.id: (6, 2, 4), second.id: (3, 4, 5)},
        narrative="Going well.",
        case_study="",
        actor=made.provider,
    )
    drafts.submit_report(report, made.provider)
    decisions.approve_report(report, made.commissioner)
    waiting = drafts.start_report(contract.milestones[2], made.provider)
    drafts.save_report(
        waiting,
        referred=15,
        started=12,
        completed=8,
        outcomes={first.id: (12, 0, 0), second.id: (12, 0, 0)},
        narrative="Better.",
        case_study="",
        actor=made.provider,
    )
    drafts.submit_report(waiting, made.provider)
    [row] = outcomes_by_category(world["scope"], world["period"])
    assert (row.category, row.contracts, row.expected_people) == (contract.need.category.name, 1, 40)
    assert (row.achieved, row.partly, row.not_achieved, row.score, row.rate) == (9, 6, 9, 12, Fraction(1, 2))


def test_where_the_area_stands_among_its_regions_delivery_units(world):
    """East Kent has the fixture's figures; West Kent, with nothing, has none."""

    east_kent = factories.area("N57EKNT")
    rows = {r.name: r for r in comparison(east_kent, world["period"], utcnow())}
    assert set(rows) == {a.name for a in east_kent.parent.children}
    mine = rows[east_kent.name]
    assert mine.is_this and mine.shares.vcse == Fraction(1, 2) and mine.timeliness.median_days == 8
    west = rows[factories.area("N57KECL").name]
    assert not west.is_this and west.shares.spend_pence == 0 and west.timeliness.median_days is None
    # A region is compared with the other regions, its delivery units' figures included.
    regions = {r.name: r for r in comparison(east_kent.parent, world["period"], utcnow())}
    assert len(regions) == 12 and regions[east_kent.parent.name].shares.spend_pence == 2 * ADVANCE


def test_postgresql_compiles_no_query_just_in_time(db_session):
    """The board's short aggregate queries spent longer in PostgreSQL's JIT compiler than
    running (bench/dashboard.py), so the app's connections turn it off."""
    import sqlalchemy as sa

    if db.session.get_bind().dialect.name != "postgresql":
        assert db.session.get_bind().dialect.name == "sqlite"  # nothing to turn off
        return
    assert db.session.scalar(sa.text("SHOW jit")) == "off"


def test_a_withdrawn_bid_counts_again_once_resubmitted(db_session):
    need = factories.make_need()
    provider = factories.make_provider()
    bid = factories.make_bid(need, provider=provider)
    scope = Scope(area_ids=(need.area_id,))
    period = Period.financial_year(london_date(utcnow()))
    factories.close_need(need)
    assert activity(scope, period).bids == 1
    bid.withdrawn_at, bid.withdrawn_reason = utcnow(), "Our key worker left."
    db.session.flush()
    assert activity(scope, period).bids == 0
    bid.revisions[-1].submitted_at = bid.withdrawn_at + timedelta(seconds=1)
    db.session.flush()
    assert activity(scope, period).bids == 1


def test_the_grouped_comparison_equals_each_peer_asked_on_its_own(world):
    """comparison() groups each figure by the peer area in one pass; each row must be what
    the same function gives for that peer's scope alone (a region's with its delivery units)."""
    east_kent = factories.area("N57EKNT")
    region = east_kent.parent
    now = utcnow()
    other_region_need = factories.make_need(area_code="N56ESXN")  # a need elsewhere, unpaid
    assert other_region_need.id
    for area, scope_of in (
        (east_kent, lambda peer: Scope((peer,))),
        (region, lambda peer: Scope((peer, *[c.id for c in db.session.get(type(region), peer).children]))),
    ):
        rows = comparison(area, world["period"], now)
        assert any(r.is_this for r in rows) and len({r.area_id for r in rows}) == len(rows)
        for row in rows:
            scope = scope_of(row.area_id)
            assert row.shares == shares(scope, world["period"]), row.name
            assert row.activity == activity(scope, world["period"], now), row.name
            assert row.timeliness == timeliness(scope, world["period"], now), row.name
    here = next(r for r in comparison(region, world["period"], now) if r.is_this)
    assert (here.shares.spend_pence, here.timeliness.median_days, here.timeliness.overdue_now) == (2 * ADVANCE, 8, 1)


def test_one_organisation_with_tied_payment_times(db_session):
    """Four contracts, all led by one micro charity with premises in the need's delivery
    unit, their advances paid after 3, 3, 5 and 5 days. By hand: everything goes to one
    band and one type, both shares are exactly 1, the median is (3 + 5) / 2 = 4 (the two
    middle rows tie with their neighbours), and all four were paid within 10 days."""
    made = [
        _contract(LegalForm.REGISTERED_CHARITY, IncomeBand.MICRO, local=True, paid_after=days, payable_days_ago=20)
        for days in (3, 5, 3, 5)
    ]
    one = made[0].contract.organisation
    for m in made[1:]:
        m.contract.organisation_id = one.id
    db.session.flush()
    today = london_date(utcnow())
    scope = Scope(area_ids=(made[0].contract.need.area_id,))
    period = Period(today - timedelta(days=60), today)
    bands = {r.key: r for r in by_size_band(scope, period)}
    assert (bands["micro"].spend_pence, bands["micro"].awards) == (4 * ADVANCE, 4)
    assert sum(r.spend_pence for r in by_size_band(scope, period)) == 4 * ADVANCE
    assert [r.spend_pence for r in by_type(scope, period)] == [4 * ADVANCE, 0, 0]
    money = shares(scope, period)
    assert (money.vcse, money.local) == (Fraction(1), Fraction(1))
    t = timeliness(scope, period, utcnow())
    assert (t.paid, t.median_days, t.within_target, t.overdue_now) == (4, Fraction(4), 4, 0)


def test_days_to_pay_are_london_days_on_both_databases(db_session):
    """Made payable at 11:30pm UTC on 14 July 2026 (00:30 on the 15th in London) and paid
    on 17 July: 2 days, as people in England count them (UTC dates would say 3). The same
    for a payment whose time, not its bank date, is known (Stripe)."""
    from datetime import UTC, date, datetime

    made = [
        _contract(LegalForm.REGISTERED_CHARITY, IncomeBand.MICRO, local=True, paid_after=None, payable_days_ago=5)
        for _ in range(2)
    ]
    ledger, stripe = (payments.payments_of(m.contract)[0] for m in made)
    for payment in (ledger, stripe):
        payment.payable_at = datetime(2026, 7, 14, 23, 30, tzinfo=UTC)
        payment.status = PaymentStatus.PAID
    ledger.paid_on, ledger.paid_at = date(2026, 7, 17), datetime(2026, 7, 17, 9, 0, tzinfo=UTC)
    stripe.paid_on, stripe.paid_at = None, datetime(2026, 7, 16, 23, 30, tzinfo=UTC)  # 17 July in London
    db.session.flush()
    assert ledger.days_taken() == stripe.days_taken() == 2
    scope = Scope(area_ids=(made[0].contract.need.area_id,))
    t = timeliness(scope, Period(date(2026, 7, 1), date(2026, 7, 31)), utcnow())
    assert (t.paid, t.median_days, t.within_target) == (2, Fraction(2), 2)
