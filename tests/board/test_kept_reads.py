"""What is read from the board's kept figures is kept per process by their stamp
(board/keeping.py `read`): after each kind of change, once committed, every figure read
through what is kept equals the one read afresh; a transaction with its own changes reads
them and keeps nothing; and only kept figures may be read that way."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.board import keeping
from marketplace.board.models import FiguresStamp
from marketplace.board.reporting.comparison import comparison
from marketplace.board.reporting.competition import activity, success_rates
from marketplace.board.reporting.kept import keep_closed_need_bids
from marketplace.board.reporting.outcomes import outcomes_by_category
from marketplace.board.reporting.scope import Scope
from marketplace.board.reporting.spend import by_size_band, by_type, shares
from marketplace.board.reporting.timeliness import timeliness
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organisations.models import IncomeBand, LegalForm
from marketplace.payments import services as payments
from marketplace.payments.models import PaymentStatus
from marketplace.reference.models import Area, ServiceCategory
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import StatementCount
from .test_kept_figures import _closed, _paid, _whole_months, a_micro_charitys_contract

pytestmark = pytest.mark.clock


def _figures(area: Area) -> tuple:
    scope, period, now = Scope(area_ids=area.ids_covered), _whole_months(), utcnow()
    return (
        by_size_band(scope, period),
        by_type(scope, period),
        shares(scope, period),
        timeliness(scope, period, now),
        comparison(area, period, now),
        comparison(area.parent, period, now),
        success_rates(scope, period),
        activity(scope, period, now),
        outcomes_by_category(scope, period),
    )


def _afresh(area: Area) -> tuple:
    keeping.forget()
    return _figures(area)


def _stamp() -> int:
    return db.session.scalar(sa.select(FiguresStamp.changes))


@pytest.fixture
def made(db_session):
    made = a_micro_charitys_contract()
    db.session.commit()
    return made


def test_after_each_committed_change_the_kept_reads_equal_the_figures_read_afresh(made):
    contract, organisation = made.contract, made.contract.organisation
    area = db.session.get(Area, contract.need.area_id)
    [advance] = payments.payments_of(contract)

    def changes():
        yield "paid", lambda: _paid(advance, 3)
        yield "the date paid corrected", lambda: setattr(advance, "paid_on", advance.paid_on + timedelta(days=9))
        yield "the amount", lambda: setattr(advance, "amount_pence", advance.amount_pence + 500)
        yield "a variation", lambda: setattr(contract, "value_pence", contract.value_pence + 1_000_000)
        yield "the lead becomes local", lambda: setattr(organisation, "pdus", list(contract.need.pdus))
        yield (
            "the lead is no longer a charity",
            lambda: setattr(organisation, "legal_form", LegalForm.COMPANY_LIMITED_BY_SHARES),
        )
        yield "the lead grows", lambda: setattr(organisation, "income_band", IncomeBand.LARGE)
        yield (
            "the need's category",
            lambda: setattr(
                contract.need,
                "category",
                db.session.scalars(
                    sa.select(ServiceCategory).where(ServiceCategory.id != contract.need.category_id)
                ).first(),
            ),
        )
        yield "a need published", lambda: factories.make_need(area_code=area.code)
        yield "a need closed", lambda: _closed(factories.make_need(area_code=area.code), timedelta(days=3))
        yield "its bids kept", keep_closed_need_bids
        yield "rebuilt", keeping.rebuild
        yield "reversed", lambda: setattr(advance, "status", PaymentStatus.REVERSED)

    kept = _figures(area)  # read once, so that each figure below is first read from what is kept
    for name, change in changes():
        before = _stamp()
        change()
        db.session.commit()
        assert _stamp() > before, name
        kept = _figures(area)
        assert kept == _afresh(area), name
    assert kept[3].paid == 0  # reversed


def test_a_second_read_of_the_same_figures_reads_none_of_them_again(made):
    _paid(payments.payments_of(made.contract)[0], 3)
    db.session.commit()
    area = db.session.get(Area, made.contract.need.area_id)
    with StatementCount() as first:
        _figures(area)
    with StatementCount() as second:
        again = _figures(area)
    assert again == _afresh(area)
    read = [s for s in first.statements if "board_" in s and "board_figures_stamp" not in s]
    assert len(read) >= 10
    assert not [s for s in second.statements if "board_" in s]  # the stamp too: read once a transaction
    db.session.commit()
    with StatementCount() as third:
        assert _figures(area) == again
    [stamp] = [s for s in third.statements if "board_" in s]  # the stamp alone
    assert "board_figures_stamp" in stamp


def test_a_transaction_with_its_own_changes_reads_them_and_keeps_nothing(made):
    area = db.session.get(Area, made.contract.need.area_id)
    [advance] = payments.payments_of(made.contract)
    unpaid = _figures(area)
    _paid(advance, 3)
    db.session.flush()
    paid = _figures(area)
    assert paid[3].paid == 1 and paid != unpaid
    db.session.rollback()
    assert _figures(area) == unpaid == _afresh(area)


def test_a_change_to_an_organisation_alone_changes_the_stamp(made):
    before = _stamp()
    made.contract.organisation.name = "Renamed"
    db.session.commit()
    assert _stamp() == before + 1
    db.session.execute(sa.select(Need.id).limit(1))  # a read commits nothing
    db.session.commit()
    assert _stamp() == before + 1


def test_only_the_kept_figures_may_be_read_as_kept(db_session):
    with pytest.raises(AssertionError, match="needs"):
        keeping.read(sa.select(sa.func.count(Need.id)))
