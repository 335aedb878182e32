"""Reference data loads from the shipped CSV files; demo data is idempotent and never in
production, and its bids obey the bid rules."""

import statistics
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from config import ProductionConfig
from marketplace.accounts.models import Membership, User
from marketplace.accounts.services import find_user
from marketplace.audit.models import AuditEvent
from marketplace.bids import access, closing, lifecycle, parties, submission
from marketplace.bids import drafting as bid_drafting
from marketplace.bids.models import Bid, BidPartner, BidRevision, BidState
from marketplace.board.models import PartnershipReview
from marketplace.contracts import services as contract_services
from marketplace.contracts.models import Contract
from marketplace.delivery.models import ReportSubmission
from marketplace.demo import load_demo_data
from marketplace.demo.bids import CLOSED_NEED, FINISHED_NEED, MODERATION_NEED, OPEN_NEED
from marketplace.demo.people import DemoRefused
from marketplace.evaluation.award import current_decision, sign_off_threshold
from marketplace.evaluation.models import AgreedScore, AwardDecision, ScoreSheet
from marketplace.evaluation.moderation import agreed_scores
from marketplace.evaluation.panel import panel
from marketplace.evaluation.scoring import (
    lot_bids,
    moderation_closure,
    scoring_complete,
)
from marketplace.evaluation.summaries import summaries_for
from marketplace.extensions import db
from marketplace.needs import dates, drafting, publishing
from marketplace.needs.models import (
    Condition,
    Lot,
    Need,
    NeedStatus,
    Question,
    QuestionVisibility,
    reservation_threshold_pence,
)
from marketplace.notifications.models import OutboxEmail
from marketplace.organisations.models import Organisation
from marketplace.payments.models import Payment
from marketplace.reference.models import Area, AreaKind, DesiredOutcome, ServiceCategory
from marketplace.reference.services import DATA, load_reference
from marketplace.timeutil import utcnow

from .helpers import DEMO_PASSWORD, count

CHARITY = "Thanet Women's Centre"
CIC = "Green Shoots Growing CIC"
BIGCO = "Nationwide Justice Services Ltd"

DEMO_EMAILS = {
    "admin@demo.test",
    "commissioner@demo.test",
    "evaluator@demo.test",
    "board@demo.test",
    "finance@demo.test",
    "adviser@demo.test",  # the lived-experience adviser on the community groups need's panel
    "charity@demo.test",
    "cic@demo.test",
    "bigco@demo.test",
    # The providers of the demo's two years of history.
    "cafe@demo.test",
    "pathways@demo.test",
    "swale@demo.test",
    "horizon@demo.test",
    "learning@demo.test",
    "nhs@demo.test",
    # In Wales, both reading the service in Cymraeg.
    "comisiynydd@demo.test",
    "elusen@demo.test",
}


def test_reference_data_has_12_regions_and_109_pdus(db_session):
    regions = db.session.scalars(sa.select(Area).where(Area.kind == AreaKind.REGION)).all()
    pdus = db.session.scalars(sa.select(Area).where(Area.kind == AreaKind.PDU)).all()
    assert len(regions) == 12 and len(pdus) == 109
    assert all(p.parent.kind == AreaKind.REGION for p in pdus)
    assert db.session.query(ServiceCategory).count() == 11
    assert db.session.query(DesiredOutcome).count() >= 22


def test_loading_reference_again_changes_nothing(db_session):
    assert str(load_reference()) == "Reference data is up to date."


def test_retiring_a_pdu_by_csv_keeps_the_row_and_records_it(db_session, tmp_path):
    for name in DATA.iterdir():
        (tmp_path / name.name).write_text(name.read_text())
    pdus = tmp_path / "probation_delivery_units.csv"
    pdus.write_text(
        pdus.read_text().replace("N57EKNT,East Kent,N57,2021-06-26,", "N57EKNT,East Kent,N57,2021-06-26,2027-04-01")
    )
    report = load_reference(tmp_path)
    assert "areas: 0 added, 1 updated" in str(report)
    east_kent = db.session.scalar(sa.select(Area).where(Area.code == "N57EKNT"))
    assert east_kent.valid_to == date(2027, 4, 1)
    assert east_kent.is_current(date(2027, 3, 31)) and not east_kent.is_current(date(2027, 4, 1))


# What loading the demo again must not make twice.
DEMO_MODELS = (
    User,
    Organisation,
    Membership,
    Need,
    Question,
    Bid,
    BidRevision,
    BidPartner,
    ScoreSheet,
    AgreedScore,
    AwardDecision,
    Contract,
    Payment,
    ReportSubmission,
    PartnershipReview,
    AuditEvent,
    OutboxEmail,
)


@pytest.mark.clock
def test_demo_data_creates_every_login_and_loading_it_again_duplicates_nothing(demo_session):
    """On the committed demo (tests/conftest.py, `demo_app`), loading it again makes no
    second person, organisation, need, bid, contract, payment, audit record or email."""
    counts = [count(model) for model in DEMO_MODELS]
    logins = load_demo_data(DEMO_PASSWORD)
    assert {email for email, _ in logins} == DEMO_EMAILS
    assert [count(model) for model in DEMO_MODELS] == counts
    for title in DEMO_NEEDS:
        assert db.session.query(Need).filter(Need.title == title).count() == 1
    _the_demo_has_a_bilingual_need_in_wales_and_a_welsh_charity_bidding_in_welsh()
    _the_demo_adviser_scores_social_value_on_the_community_groups_panel()
    charity = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Thanet Women's Centre"))
    assert charity.is_vcse and charity.is_verified
    bigco = db.session.scalar(sa.select(Organisation).where(Organisation.company_number == "09000001"))
    assert not bigco.is_vcse


def _the_demo_adviser_scores_social_value_on_the_community_groups_panel():
    from marketplace.evaluation import panel, scoring
    from marketplace.evaluation.models import SOCIAL_VALUE, AdviserPlace

    adviser = db.session.scalar(sa.select(User).where(User.email == "adviser@demo.test"))
    need = db.session.scalar(sa.select(Need).where(Need.title == "Community groups and volunteering in Maidstone"))
    member = panel.panel_member(need, adviser)
    assert member.parts == [SOCIAL_VALUE] and not panel.undeclared(need, adviser)
    assert [p.key for p in scoring.parts_for(need, adviser)] == [SOCIAL_VALUE]
    place = db.session.scalar(sa.select(AdviserPlace).where(AdviserPlace.panel_member_id == member.id))
    assert place.paid and place.fee_pence == 15_000


DEMO_NEEDS = {
    "Women's centre support in East Kent": NeedStatus.OPEN,
    "Move-on accommodation support in West Kent": NeedStatus.OPEN,
    "Allotment and growing project in East Kent": NeedStatus.CLOSED,
    "Through-the-gate mentoring in East Kent": NeedStatus.CLOSED,
    "Employment support in East Kent": NeedStatus.AWARDED,
    "Family contact and parenting support in West Kent": NeedStatus.DRAFT,
    "Peer mentoring for women leaving custody in Thanet": NeedStatus.OPEN,
}


@pytest.mark.clock
def test_demo_data_has_open_closing_soon_closed_and_draft_needs(demo_session):
    needs = {n.title: n for n in db.session.scalars(sa.select(Need).where(Need.title.in_(DEMO_NEEDS)))}
    assert {title: need.status for title, need in needs.items()} == DEMO_NEEDS
    for need in needs.values():
        assert need.area.code in ("N57EKNT", "N57KECL") and need.created_by.email == "commissioner@demo.test"
        assert need.total_weight == 100
        assert need.advance_percent + sum(m.percent for m in need.milestones) == 100
        for lot in need.lots:
            assert sum(amount for _, amount in drafting.payment_schedule(need, lot)) == lot.value_pence
    threshold = reservation_threshold_pence()

    open_need = needs["Women's centre support in East Kent"]
    assert open_need.category.code == "womens-services" and len(open_need.lots) == 2
    assert all(lot.value_pence < threshold for lot in open_need.lots)
    assert [lot.reservation.value for lot in open_need.lots].count("vcse") == 1
    assert dates.working_days_left(open_need) >= 15
    published_questions = [q for q in open_need.questions if q.visibility == QuestionVisibility.PUBLISHED]
    assert len(published_questions) == 1 and published_questions[0].answer

    closing_soon = needs["Move-on accommodation support in West Kent"]
    assert closing_soon.closes_at < dates.closing_soon_cutoff()
    assert closing_soon.question_deadline <= closing_soon.closes_at
    closed = needs["Allotment and growing project in East Kent"]
    assert closed.published_at < closed.question_deadline <= closed.closes_at
    # Every published need could have been published by the rules: a complete need, open
    # at least 10 working days.
    for need in (
        open_need,
        closing_soon,
        closed,
        needs["Through-the-gate mentoring in East Kent"],
        needs["Employment support in East Kent"],
        needs["Peer mentoring for women leaving custody in Thanet"],
    ):
        found = publishing.problems(need, now=need.published_at)
        assert [p.message for p in found if "question deadline" not in p.message] == []
    assert publishing.problems(needs["Family contact and parenting support in West Kent"])  # a draft to finish


def test_demo_data_is_refused_in_production(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", ProductionConfig.DEMO_DATA_ALLOWED)
    with pytest.raises(DemoRefused):
        load_demo_data("x")
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0 and "refused in production" in result.output


def _demo_bid(need_title: str, lot_number: int, organisation_name: str) -> Bid:
    return db.session.scalar(
        sa.select(Bid)
        .join(Need, Need.id == Bid.need_id)
        .join(Lot, Lot.id == Bid.lot_id)
        .join(Organisation, Organisation.id == Bid.organisation_id)
        .where(Need.title == need_title, Lot.number == lot_number, Organisation.name == organisation_name)
    )


@pytest.mark.clock
def test_demo_bids_obey_the_rules(demo_session):
    """One test on the committed demo: each check is a function below."""
    _check_policies()
    _check_consortium()
    _check_open_need()
    _check_closed_need()
    _check_evaluations()
    _check_delivery()
    showcase = sa.select(Bid.id).join(Need, Need.id == Bid.need_id).where(Need.title.in_(DEMO_NEEDS))
    in_showcase = (Bid.id.in_(showcase), BidRevision.bid_id.in_(showcase), BidPartner.bid_id.in_(showcase))
    assert [count(model, where) for model, where in zip((Bid, BidRevision, BidPartner), in_showcase, strict=True)] == [
        10,
        9,
        1,
    ]


def _check_delivery():
    """The employment contract: the advance and the first quarter paid, the second
    quarter's payment overdue, the third quarter's report waiting for approval."""
    from marketplace.delivery.models import ReportState
    from marketplace.delivery.reports import report_for
    from marketplace.payments import services as payments
    from marketplace.payments.models import PaymentStatus

    finished = db.session.scalar(sa.select(Need).where(Need.title == FINISHED_NEED))
    contract = contract_services.contract_for(current_decision(finished.lots[0]))
    advance, first, second, third, last = contract.milestones
    states = [report_for(m).state if report_for(m) else None for m in (first, second, third, last)]
    assert states == [ReportState.APPROVED, ReportState.APPROVED, ReportState.SUBMITTED, None]
    statuses = [payments.payment_for(m).status if payments.payment_for(m) else None for m in contract.milestones]
    assert statuses == [PaymentStatus.PAID, PaymentStatus.PAID, PaymentStatus.PAYABLE, None, None]
    overdue = [p for p in payments.overdue([finished.area_id]) if p.contract_id == contract.id]
    assert [p.milestone_id for p in overdue] == [second.id]
    assert payments.total_paid(contract) == advance.amount_pence + first.amount_pence


def _check_evaluations():
    """The mentoring need is in moderation; the employment need has a contract; the
    allotment need is untouched, for a new user to evaluate."""
    allotment = db.session.scalar(sa.select(Need).where(Need.title == CLOSED_NEED))
    assert panel(allotment) == []
    assert allotment.lots[0].value_pence > sign_off_threshold(allotment)  # its award needs sign-off
    moderation = db.session.scalar(sa.select(Need).where(Need.title == MODERATION_NEED))
    entries = lot_bids(moderation.lots[0])
    assert [scoring_complete(b, r) for b, r in entries] == [True, True]
    assert [bool(agreed_scores(b)) for b, _ in entries] == [True, False]
    assert moderation_closure(moderation.lots[0]) is None
    finished = db.session.scalar(sa.select(Need).where(Need.title == FINISHED_NEED))
    decision = current_decision(finished.lots[0])
    assert decision.is_effective and decision.bid.organisation.name == CHARITY
    contract = contract_services.contract_for(decision)
    assert contract.created_at > decision.standstill_ends_at
    assert sum(m.amount_pence for m in contract.milestones) == contract.value_pence
    assert {len(summaries_for(b)) for b, _ in lot_bids(finished.lots[0])} == {1}


def _check_policies():
    demo = db.session.scalars(sa.select(Organisation).where(Organisation.contact_email.like("%@demo.test"))).all()
    assert {o.name for o in demo} >= {CHARITY, CIC, BIGCO}
    for organisation in demo:
        assert organisation.policies and set(organisation.policies) <= set(Condition)
    charity = db.session.scalar(sa.select(Organisation).where(Organisation.name == CHARITY))
    open_need = db.session.scalar(sa.select(Need).where(Need.title == OPEN_NEED))
    assert all(met for _, met in bid_drafting.eligibility_from_profile(charity, open_need))


def _check_consortium():
    bid = _demo_bid(OPEN_NEED, 1, CHARITY)
    assert bid is not None and lifecycle.bid_state(bid) == BidState.SUBMITTED
    [partner] = bid.current_partners
    assert partner.organisation.name == CIC and partner.is_confirmed and partner.declined_at is None
    assert bid.lead_work_percent + partner.work_percent == 100
    assert bid.lead_price_percent + partner.price_percent == 100
    revision = lifecycle.counting_revision(bid)
    assert revision.digest == submission.digest_of(revision.content)
    assert revision.content["partners"] == [
        {
            "organisation_id": partner.organisation_id,
            "name": CIC,
            "work_percent": partner.work_percent,
            "price_percent": partner.price_percent,
        }
    ]
    assert revision.submitted_at < utcnow() and partner.confirmed_at < revision.submitted_at
    assert submission.problems(bid) == [] and not submission.has_unsubmitted_changes(bid)
    # Both the charity and the CIC can read it; the large company cannot.
    charity_user, cic_user, bigco_user = (
        find_user(e) for e in ("charity@demo.test", "cic@demo.test", "bigco@demo.test")
    )
    assert parties.leads(charity_user, bid) and parties.is_party(cic_user, bid)
    assert not parties.leads(cic_user, bid) and not parties.is_party(bigco_user, bid)
    assert bid in parties.bids_of(cic_user)
    # Sealed: the open need's bids are not for the commissioner's eyes yet.
    with pytest.raises(access.Sealed):
        access.submitted_bids(bid.need, find_user("commissioner@demo.test"))


def _check_open_need():
    submitted = _demo_bid(OPEN_NEED, 2, BIGCO)
    draft = _demo_bid(OPEN_NEED, 2, CIC)
    assert lifecycle.bid_state(submitted) == BidState.SUBMITTED
    assert lifecycle.bid_state(draft) == BidState.DRAFT and draft.revisions == []
    assert {p.section for p in submission.problems(draft)} >= {"answers", "social_value", "declarations"}
    # The closing-soon need is left free for people trying the portal.
    closing_soon = db.session.scalar(sa.select(Need).where(Need.title == "Move-on accommodation support in West Kent"))
    assert db.session.query(Bid).filter(Bid.need_id == closing_soon.id).count() == 0


def _check_closed_need():
    closed = db.session.scalar(sa.select(Need).where(Need.title == CLOSED_NEED))
    assert closed.bids_checked_at is not None
    counted = closing.counting_bids(closed)
    assert {b.organisation.name for b, _ in counted} == {CHARITY, CIC, BIGCO}
    assert all(closed.published_at < r.submitted_at < closed.closes_at for _, r in counted)
    prices = {b.organisation.name: r.price_pence for b, r in counted}
    assert prices[BIGCO] <= 0.7 * statistics.median([prices[CHARITY], prices[CIC]])
    flagged = {b.organisation.name: b.low_flag_reason for b, _ in counted}
    assert flagged[CHARITY] is None and flagged[CIC] is None
    assert "below the median of the other bids on this lot" in flagged[BIGCO]
    # The commissioner can open the bids now, and sees the flag.
    found = access.submitted_bids(closed, find_user("commissioner@demo.test"))
    assert [b.low_flag_reason is not None for b, _ in found].count(True) == 1


def test_reference_data_in_force_today_is_counted_in_london_days(db_session):
    """At 00:30 on 1 May in London (still 30 April in UTC, the server's date), a delivery
    unit retired from 1 May is no longer in force."""
    import time_machine

    pdu = db.session.scalar(sa.select(Area).where(Area.code == "N57EKNT"))
    pdu.valid_to = date(2027, 5, 1)
    with time_machine.travel(datetime(2027, 4, 30, 23, 30, tzinfo=UTC).timestamp(), tick=False):
        assert date.today() == date(2027, 4, 30)
        assert not pdu.is_current()
        assert db_session.scalar(sa.select(Area.id).where(Area.id == pdu.id, Area.current())) is None


def _the_demo_has_a_bilingual_need_in_wales_and_a_welsh_charity_bidding_in_welsh() -> None:
    """The demo in Wales (demo/wales.py), checked on the demo its caller loaded."""
    need = db.session.scalar(sa.select(Need).where(Need.title_cy != ""))
    assert need is not None and need.area.in_wales and need.published_at is not None
    assert need.title_cy == "Cymorth i fenywod ar brawf yng Ngwynedd ac Ynys Môn"
    for email in ("comisiynydd@demo.test", "elusen@demo.test"):
        assert db.session.scalar(sa.select(User.language).where(User.email == email)) == "cy"
    bid = db.session.scalar(sa.select(Bid).where(Bid.lot_id == need.lots[0].id))
    assert bid is not None and lifecycle.bid_state(bid) == BidState.SUBMITTED
    assert bid.organisation.name == "Canolfan Menywod Bangor"
    assert "Cymraeg" in " ".join(bid.answers.values())
    # The second lot is left for someone trying the portal to bid on.
    assert db.session.scalar(sa.select(Bid).where(Bid.lot_id == need.lots[1].id)) is None
