"""`flask generate-activity`: the scale data for the board dashboard benchmark. Run small
here, on both databases: every row the dashboard reads is made, within the database's
rules (the money trigger, the one-decision-per-lot index, the check constraints), and the
dashboard and the record of decisions read it."""

from datetime import date

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.bids.models import Bid, BidRevision
from marketplace.board import decisions
from marketplace.board.reporting import competition
from marketplace.board.reporting.scope import Period, Scope
from marketplace.board.reporting.spend import by_size_band, shares
from marketplace.board.reporting.timeliness import timeliness
from marketplace.contracts.models import Contract, ContractMilestone, ContractParty
from marketplace.delivery.models import ReportOutcome, ReportSubmission
from marketplace.evaluation.models import AwardDecision
from marketplace.extensions import db
from marketplace.needs.models import Need
from marketplace.organisations.models import Organisation, organisation_pdus
from marketplace.payments.models import Payment
from marketplace.reference.models import Area, AreaKind
from marketplace.timeutil import london_date, utcnow

from . import factories
from .helpers import count, page_text, sign_in

pytestmark = pytest.mark.clock


def _run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.fixture
def activity(app, client):
    result = _run(app, "generate-needs", "--count", "150", "--seed", "3")
    assert result.exit_code == 0, result.output
    result = _run(
        app, "generate-activity", "--bids", "500", "--contracts", "30", "--organisations", "40", "--seed", "3"
    )
    assert result.exit_code == 0, result.output
    return result.output


def _two_years() -> Period:
    this_year = Period.financial_year(london_date(utcnow()))
    return Period(date(this_year.start.year - 1, 4, 1), this_year.end)


def test_every_row_the_dashboard_reads_is_made(activity):
    assert "500 bids" in activity and "30 contracts" in activity
    assert count(Organisation, Organisation.contact_email.like("%@localpartners.invalid")) == 40
    assert db.session.scalar(sa.select(sa.func.count()).select_from(organisation_pdus)) >= 40
    assert count(Bid) == 500
    # Every bid has a revision (only those count in reporting), some have two.
    assert count(Bid, ~sa.exists().where(BidRevision.bid_id == Bid.id)) == 0
    assert count(BidRevision) > 500
    assert count(Contract) == 30
    assert count(AwardDecision, AwardDecision.outcome == "award") == 30
    assert count(AwardDecision, AwardDecision.summaries_sent_at.is_(None)) == 0
    assert count(ContractParty, ContractParty.role == "lead") == 30
    # Each contract's schedule adds up to its value, and no more than that is paid.
    totals = db.session.execute(
        sa.select(Contract.value_pence, sa.func.sum(ContractMilestone.amount_pence))
        .join(ContractMilestone, ContractMilestone.contract_id == Contract.id)
        .group_by(Contract.id, Contract.value_pence)
    ).all()
    assert len(totals) == 30 and all(value == total for value, total in totals)
    # The winners were never withdrawn, and every contract is a need's awarded lot.
    assert count(Contract, Contract.bid_id.in_(sa.select(Bid.id).where(Bid.withdrawn_at.is_not(None)))) == 0
    assert count(Contract, Contract.need_id.in_(sa.select(Need.id).where(Need.awarded_at.is_(None)))) == 0
    assert count(Payment, Payment.status == "paid") > 0
    assert count(Payment, Payment.status == "payable") > 0
    assert count(ReportSubmission, ReportSubmission.decision == "approved") > 0
    assert count(ReportOutcome) > 0
    for action in ("need.published", "award.decided", "contract.created", "payment.paid", "moderation.closed"):
        assert count(AuditEvent, AuditEvent.action == action) > 0, action


def _busiest_region() -> tuple[Area, int]:
    """The region with the most contracts, and how many."""
    region_id, contracts = db.session.execute(
        sa.select(sa.func.coalesce(Area.parent_id, Area.id).label("region"), sa.func.count(Contract.id))
        .select_from(Contract)
        .join(Need, Need.id == Contract.need_id)
        .join(Area, Area.id == Need.area_id)
        .group_by(sa.text("region"))
        .order_by(sa.func.count(Contract.id).desc(), sa.text("region"))
        .limit(1)
    ).one()
    return db.session.get(Area, region_id), contracts


def test_the_dashboard_and_the_record_of_decisions_read_it(client, activity):
    region, contracts = _busiest_region()
    assert region.kind == AreaKind.REGION and contracts > 0
    period = _two_years()
    scope = Scope((region.id, *[c.id for c in region.children]))
    assert shares(scope, period).spend_pence > 0
    assert competition.activity(scope, period).bids > 0
    assert timeliness(scope, period, utcnow()).paid > 0
    assert sum(s.bids for s in competition.success_rates(scope, period)) > 0
    assert sum(s.awards for s in by_size_band(scope, period)) == contracts
    assert decisions.decisions(scope, period, limit=5)

    board = factories.make_area_staff(Role.BOARD_MEMBER, region.code)
    sign_in(client, board.email)
    query = f"from={period.start.isoformat()}&to={period.end.isoformat()}"
    response = client.get(f"/areas/{region.id}/dashboard?{query}")
    assert response.status_code == 200
    # The region's own figures; among its peers, one may have had no lot closed in the
    # period, depending on the day the activity was generated (on 28 March 2027, say).
    own = page_text(response).split("Where this area stands")[0]
    assert "Nothing was paid in this period." not in own and "No lots" not in own
    assert client.get(f"/areas/{region.id}/dashboard/comparison.csv?{query}").status_code == 200
    assert client.get(f"/areas/{region.id}/dashboard?{query}&pdu={region.children[0].id}").status_code == 200
    response = client.get(f"/areas/{region.id}/decisions?{query}&kind=contract")
    assert response.status_code == 200 and "Contract made" in page_text(response)


def test_the_record_of_decisions_pages_through_many_decisions(client, activity):
    region, _ = _busiest_region()
    period = _two_years()
    scope = Scope((region.id, *[c.id for c in region.children]))
    assert len(decisions.decisions(scope, period)) > 50
    sign_in(client, factories.make_area_staff(Role.BOARD_MEMBER, region.code).email)
    query = f"from={period.start.isoformat()}&to={period.end.isoformat()}"
    first = client.get(f"/areas/{region.id}/decisions?{query}")
    assert first.status_code == 200 and "page=2" in page_text(first)  # a link to the next page
    assert client.get(f"/areas/{region.id}/decisions?{query}&page=2").status_code == 200


def test_it_needs_generated_needs_and_runs_once(app, db_session):
    result = _run(app, "generate-activity", "--bids", "10", "--contracts", "1", "--organisations", "24")
    assert result.exit_code != 0 and "generate-needs first" in result.output
    assert _run(app, "generate-needs", "--count", "40").exit_code == 0
    assert _run(app, "generate-activity", "--bids", "60", "--contracts", "2", "--organisations", "24").exit_code == 0
    result = _run(app, "generate-activity", "--bids", "60", "--contracts", "2", "--organisations", "24")
    assert result.exit_code != 0 and "already have bids" in result.output
    assert count(Bid) == 60


@pytest.mark.parametrize(
    "args, message",
    [
        (["--bids", "0"], "--bids must be between"),
        (["--bids", "5", "--contracts", "6"], "must not be more than --bids"),
        (["--contracts", "0"], "--contracts must be between"),
        (["--organisations", "3"], "--organisations must be between"),
    ],
)
def test_bad_options_are_explained(app, db_session, args, message):
    result = _run(app, "generate-activity", *args)
    assert result.exit_code != 0 and message in result.output
    assert count(Bid) == 0


def test_too_many_contracts_for_the_needs_is_explained(app, db_session):
    assert _run(app, "generate-needs", "--count", "5").exit_code == 0
    result = _run(app, "generate-activity", "--bids", "1000", "--contracts", "500", "--organisations", "24")
    assert result.exit_code != 0 and "generate more needs" in result.output
    assert count(Bid) == 0


def test_it_is_refused_in_production(app, db_session, monkeypatch):
    assert _run(app, "generate-needs", "--count", "20").exit_code == 0
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", False)
    result = _run(app, "generate-activity", "--bids", "20", "--contracts", "1", "--organisations", "24")
    assert result.exit_code != 0 and "refused in production" in result.output
    assert count(Bid) == 0 and count(Contract) == 0
