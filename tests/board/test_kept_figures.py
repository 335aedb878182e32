"""The figures the board keeps per area and month (board/keeping.py): after each kind of
change the kept figure equals the one computed from the base tables, and the dashboard's
figures read from them equal those counted from the base tables."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.board import keeping
from marketplace.board.reporting import kept_contracts, kept_needs, kept_payments, kept_success
from marketplace.board.reporting.comparison import comparison
from marketplace.board.reporting.competition import activity, success_rates
from marketplace.board.reporting.scope import Period, Scope
from marketplace.board.reporting.spend import by_size_band, by_type, shares
from marketplace.board.reporting.timeliness import timeliness
from marketplace.extensions import db
from marketplace.organisations.models import IncomeBand, LegalForm
from marketplace.payments import services as payments
from marketplace.payments.models import PaymentStatus
from marketplace.reference.models import Area, ServiceCategory
from marketplace.timeutil import london_date, utcnow

from .. import factories

pytestmark = pytest.mark.clock


def _kept(figure) -> dict:
    found = {}
    for row in db.session.execute(sa.select(figure.table)):
        values = [int(v) for v in row[len(figure.keys) :]]
        if any(values):
            found[tuple(row[: len(figure.keys)])] = values
    return found


def _computed(figure) -> dict:
    return {k: v for k, v in keeping.groups(db.session.connection(), figure, None).items() if any(v)}


def assert_kept_equal_computed() -> None:
    db.session.flush()
    for figure in keeping.FIGURES:
        assert _kept(figure) == _computed(figure), figure.table.name


def _paid(payment, days: int) -> None:
    payment.payable_at = utcnow() - timedelta(days=30)
    payment.status = PaymentStatus.PAID
    payment.paid_on = london_date(payment.payable_at) + timedelta(days=days)
    payment.paid_at = payment.payable_at + timedelta(days=days)


def a_micro_charitys_contract():
    made = factories.make_contract()
    organisation = made.contract.organisation
    organisation.legal_form, organisation.income_band = LegalForm.REGISTERED_CHARITY, IncomeBand.MICRO
    organisation.charity_number = organisation.company_number = None
    db.session.flush()
    return made


@pytest.fixture
def made(db_session):
    return a_micro_charitys_contract()


def test_after_each_kind_of_change_the_kept_payment_and_contract_figures_equal_those_computed(made):
    contract, organisation = made.contract, made.contract.organisation
    [advance] = payments.payments_of(contract)
    assert_kept_equal_computed()  # payable, not paid: nothing kept
    _paid(advance, 3)
    assert_kept_equal_computed()  # paid
    assert _kept(keeping.FIGURES[0])
    advance.paid_on += timedelta(days=40)  # the date paid corrected: another month, other days
    assert_kept_equal_computed()
    advance.amount_pence += 500
    assert_kept_equal_computed()
    contract.ends_on += timedelta(days=400)  # a variation: the contract runs longer, for more
    contract.value_pence += 1_000_000
    assert_kept_equal_computed()
    organisation.pdus = list(contract.need.pdus)  # the lead becomes local
    assert_kept_equal_computed()
    contract.need.category = db.session.scalars(
        sa.select(ServiceCategory).where(ServiceCategory.id != contract.need.category_id)
    ).first()
    assert_kept_equal_computed()
    contract.need.area = db.session.scalar(sa.select(Area).where(Area.code == "N57SUR"))
    assert_kept_equal_computed()
    from marketplace.bids.models import Bid

    loser = db.session.scalars(sa.select(Bid).where(Bid.lot_id == contract.lot_id, Bid.id != contract.bid_id)).first()
    loser.withdrawn_at, loser.withdrawn_reason = utcnow(), "Withdrawn."  # no longer counts
    assert_kept_equal_computed()
    other = factories.make_organisation()
    contract.organisation = other
    assert_kept_equal_computed()
    advance.status = PaymentStatus.REVERSED  # no longer paid
    assert_kept_equal_computed()


def test_a_payment_recorded_paid_by_finance_is_kept_in_its_transaction(made):
    [advance] = payments.payments_of(made.contract)
    advance.payable_at = utcnow() - timedelta(days=5)
    db.session.flush()
    payments.record_ledger_payment(
        advance, paid_on=london_date(utcnow()), reference="BACS 1", actor=factories.make_user()
    )
    assert_kept_equal_computed()
    assert sum(v[0] for v in _kept(keeping.FIGURES[0]).values()) == 1


def test_rebuilding_keeps_the_same_figures(made):
    [advance] = payments.payments_of(made.contract)
    _paid(advance, 12)
    db.session.flush()
    before = _kept(keeping.FIGURES[0])
    keeping.rebuild()
    assert _kept(keeping.FIGURES[0]) == before != {}


def _closed(need, ago: timedelta) -> None:
    factories.close_need(need)
    need.closes_at = utcnow() - ago
    need.question_deadline = need.closes_at - timedelta(days=1)


def _whole_months() -> Period:
    today = london_date(utcnow())
    start = (today - timedelta(days=90)).replace(day=1)
    following = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return Period(start, following - timedelta(days=1))


def test_a_period_of_whole_months_is_read_from_the_kept_figures_and_any_other_from_the_payments():
    assert kept_payments.months(Period(date(2026, 4, 1), date(2027, 3, 31))) == (202604, 202703)
    assert kept_payments.months(Period(date(2026, 2, 1), date(2026, 2, 28))) == (202602, 202602)
    assert kept_payments.months(Period(date(2026, 4, 2), date(2027, 3, 31))) is None
    assert kept_payments.months(Period(date(2026, 4, 1), date(2027, 3, 30))) is None


def test_the_dashboard_reads_the_same_figures_from_the_kept_figures_as_from_the_payments(made, monkeypatch):
    """Three payments (local VCSE, and two private leads paid after 2, 14 and 20 days) and a
    second area's: each figure read from the kept rows equals the one from the payments."""
    contracts = [made.contract] + [factories.make_contract().contract for _ in range(2)]
    contracts[0].organisation.pdus = list(contracts[0].need.pdus)
    for contract, days in zip(contracts, (2, 14, 20), strict=True):
        [advance] = payments.payments_of(contract)
        _paid(advance, days)
    elsewhere = factories.make_contract().contract
    elsewhere.need.area = db.session.scalar(sa.select(Area).where(Area.code == "N57SUR"))
    _paid(payments.payments_of(elsewhere)[0], 5)
    db.session.flush()
    area = db.session.get(Area, made.contract.need.area_id)
    scope, period, now = Scope(area_ids=area.ids_covered), _whole_months(), utcnow()

    def figures():
        return (
            by_size_band(scope, period),
            by_type(scope, period),
            shares(scope, period),
            timeliness(scope, period, now),
            comparison(area, period, now),
            comparison(area.parent, period, now),
            success_rates(scope, period),
            activity(scope, period, now),
        )

    kept = figures()
    assert kept[3].paid == 3 and kept[3].median_days == 14
    assert sum(s.bids for s in kept[6][:3]) == 6 and sum(s.won for s in kept[6][:3]) == 3
    for module in (kept_payments, kept_contracts, kept_needs, kept_success):
        monkeypatch.setattr(module, "months", lambda period: None)
    assert figures() == kept


def test_after_each_kind_of_change_the_kept_need_figures_equal_those_computed_from_the_needs(db_session):
    from marketplace.board.reporting.kept import keep_closed_need_bids
    from marketplace.needs.models import Lot
    from marketplace.needs.publishing import publish_need

    draft = factories.make_need(published=False, lots=(3_000_000, 4_000_000))
    assert_kept_equal_computed()  # a draft: nothing kept
    publish_need(draft, actor=draft.created_by)
    assert_kept_equal_computed()  # published
    need = factories.make_need()
    assert_kept_equal_computed()
    need.lots.append(Lot(number=2, title="Second", description="", value_pence=100_000))
    assert_kept_equal_computed()  # a lot added
    [factories.make_bid(need) for _ in range(2)]
    _closed(need, timedelta(days=3))
    assert_kept_equal_computed()  # closed
    assert keep_closed_need_bids() >= 1
    assert_kept_equal_computed()  # its bids kept
    need.category = db.session.scalars(sa.select(ServiceCategory).where(ServiceCategory.id != need.category_id)).first()
    need.area = db.session.scalar(sa.select(Area).where(Area.code == "N57SUR"))
    assert_kept_equal_computed()
    need.published_at -= timedelta(days=62)
    assert_kept_equal_computed()


def test_activity_reads_the_same_figures_from_the_kept_needs_as_from_the_needs(db_session, monkeypatch):
    """Needs published this month: one closed three days ago with kept bids, one closed an
    hour ago (counted), one closed two days ago not kept yet, one open: the needs, their
    closed lots and the bids counted are the same read either way."""
    from marketplace.board.reporting import kept_needs
    from marketplace.board.reporting.competition import activity
    from marketplace.board.reporting.kept import keep_closed_need_bids

    made = []
    for closed_ago in (timedelta(days=3), timedelta(hours=1), timedelta(days=2), None):
        need = factories.make_need(lots=(3_000_000, 4_000_000))
        [factories.make_bid(need) for _ in range(2)]
        if closed_ago is not None:
            _closed(need, closed_ago)
        made.append(need)
        db.session.flush()
        if closed_ago == timedelta(days=3):
            keep_closed_need_bids()
    area = db.session.get(Area, made[0].area_id)
    scope, period, now = Scope(area_ids=area.ids_covered), _whole_months(), utcnow()

    def figures():
        return activity(scope, period, now), activity(Scope(area_ids=area.parent.ids_covered), period, now)

    kept = figures()
    assert (kept[0].needs_published, kept[0].lots, kept[0].bids) == (4, 6, 6)
    monkeypatch.setattr(kept_needs, "months", lambda period: None)
    assert figures() == kept


def test_after_each_kind_of_change_the_kept_outcomes_equal_those_computed_and_read_alike(made, monkeypatch):
    """A report saved, submitted, approved; a second one submitted but not approved: the
    kept rows equal those from the reports after each step, and outcomes_by_category reads
    the same figures from them as from the reports."""
    from marketplace.board.reporting import kept_outcomes
    from marketplace.board.reporting.outcomes import outcomes_by_category
    from marketplace.delivery import decisions, drafts

    contract = made.contract
    first, second = contract.outcomes[:2]
    for milestone, lines, approve in ((1, (6, 2, 4), True), (2, (12, 0, 0), False)):
        report = drafts.start_report(contract.milestones[milestone], made.provider)
        drafts.save_report(
            report,
            referred=15,
            started=12,
            completed=8,
            outcomes={first.id: lines, second.id: (3, 4, 5)},
            narrative="Going well.",
            case_study="",
            actor=made.provider,
        )
        assert_kept_equal_computed()
        drafts.submit_report(report, made.provider)
        assert_kept_equal_computed()
        if approve:
            decisions.approve_report(report, made.commissioner)
            assert_kept_equal_computed()
    scope, period = Scope(area_ids=(contract.need.area_id,)), _whole_months()
    kept = outcomes_by_category(scope, period)
    assert [(r.contracts, r.expected_people, r.achieved, r.partly, r.not_achieved) for r in kept] == [(1, 40, 9, 6, 9)]
    monkeypatch.setattr(kept_outcomes, "months", lambda period: None)
    assert outcomes_by_category(scope, period) == kept
