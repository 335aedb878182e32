"""The rules of bids, tested on the domain functions: starting, the one-bid constraint,
submission and its receipt, idempotency, the closing time, withdrawal, reconfirmation after
a material amendment, consortium shares and abnormally low flags."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import arrival, textlimits
from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.bids import (
    access,
    closing,
    consortium,
    drafting,
    errors,
    lifecycle,
    parties,
    submission,
)
from marketplace.bids.models import BidRevision, BidState
from marketplace.extensions import db
from marketplace.needs import amendments

from .. import factories
from ..helpers import count


@pytest.fixture
def need(db_session):
    return factories.make_need(lots=(5_000_000, 2_000_000))


def test_a_submitted_bid_has_a_receipt_with_the_digest_of_its_content(need):
    bid = factories.make_bid(need)
    revision = bid.latest_revision
    assert revision.number == 1
    assert revision.digest == submission.digest_of(revision.content)
    assert len(revision.digest) == 64
    assert revision.content["price_pence"] == 5_000_000
    assert lifecycle.bid_state(bid) == BidState.SUBMITTED
    assert not submission.has_unsubmitted_changes(bid)


def test_submitting_twice_gives_the_same_receipt(need):
    bid = factories.make_bid(need)
    provider = bid.created_by
    again = submission.submit_bid(bid, actor=provider)
    assert again.id == bid.latest_revision.id
    assert count(BidRevision) == 1


def test_a_change_then_submit_writes_a_new_revision_and_keeps_the_old(need):
    bid = factories.make_bid(need)
    provider = bid.created_by
    drafting.save_social_value(bid, text="Three paid posts.", actor=provider)
    assert submission.has_unsubmitted_changes(bid)
    second = submission.submit_bid(bid, actor=provider)
    assert second.number == 2
    assert [r.number for r in bid.revisions] == [1, 2]
    assert bid.revisions[0].content["social_value"] != second.content["social_value"]


def test_one_bid_per_organisation_per_lot(need):
    bid = factories.make_bid(need, submit=False)
    with pytest.raises(errors.BidError, match="already has a bid"):
        drafting.start_bid(need.lots[0], organisation=bid.organisation, actor=bid.created_by)
    # Another lot of the same need is fine.
    other = drafting.start_bid(need.lots[1], organisation=bid.organisation, actor=bid.created_by)
    assert other.id != bid.id


def test_a_late_submit_is_refused_and_the_draft_kept(need):
    bid = factories.make_bid(need, submit=False)
    late = need.closes_at + timedelta(seconds=1)
    with pytest.raises(errors.BidClosed, match="your draft is kept"):
        submission.submit_bid(bid, actor=bid.created_by, now=late)
    assert count(BidRevision) == 0
    assert bid.price_pence == 5_000_000


def test_problems_lists_everything_missing(need):
    provider = factories.make_provider()
    bid = drafting.start_bid(need.lots[0], organisation=provider.organisations[0], actor=provider)
    sections = {p.section for p in submission.problems(bid)}
    assert sections == {"answers", "price", "social_value", "declarations"} | (
        {"local_presence"} if not bid.local_pdu_ids else set()
    )
    with pytest.raises(errors.BidError):
        submission.submit_bid(bid, actor=provider)


def test_over_the_word_limit_is_saved_but_cannot_be_submitted(need):
    bid = factories.make_bid(need, submit=False)
    criterion = need.criteria[0]
    drafting.save_answers(bid, answers={criterion.id: "word " * (criterion.word_limit + 1)}, actor=bid.created_by)
    assert textlimits.word_count(bid.answers[str(criterion.id)]) == criterion.word_limit + 1
    with pytest.raises(errors.BidError, match="the limit is 500"):
        submission.submit_bid(bid, actor=bid.created_by)


def test_prices_must_add_up(need):
    bid = factories.make_bid(need, submit=False)
    breakdown = drafting.suggested_breakdown(bid, 1_000_000)
    first = next(iter(breakdown))
    breakdown[first] += 1
    with pytest.raises(errors.BidError, match="add up to"):
        drafting.save_price(bid, price_pence=1_000_000, breakdown=breakdown, people=10, actor=bid.created_by)
    assert bid.price_pence == 5_000_000


def test_withdraw_then_resubmit(need):
    bid = factories.make_bid(need)
    submission.withdraw_bid(bid, actor=bid.created_by, reason="We cannot staff it")
    assert lifecycle.bid_state(bid) == BidState.WITHDRAWN
    assert lifecycle.counting_revision(bid) is None
    revision = submission.submit_bid(bid, actor=bid.created_by)
    assert revision.number == 2
    assert lifecycle.bid_state(bid) == BidState.SUBMITTED


def test_a_material_amendment_asks_for_reconfirmation(need):
    bid = factories.make_bid(need)
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    before = amendments.snapshot(need)
    need.lots[0].value_pence = 6_000_000
    amendments.amend_need(need, before=before, actor=commissioner, reason="More money")
    assert lifecycle.bid_state(bid) == BidState.NEEDS_RECONFIRMATION
    assert lifecycle.counting_revision(bid) is None
    revision = submission.submit_bid(bid, actor=bid.created_by)
    assert revision.number == 2
    assert revision.content["need_material_changes"] == 1
    assert lifecycle.bid_state(bid) == BidState.SUBMITTED


def test_a_consortium_needs_every_partner_to_confirm(need):
    bid = factories.make_bid(need, submit=False)
    partner_user = factories.make_provider()
    partner_org = partner_user.organisations[0]
    partner, _ = consortium.invite_partner(
        bid, organisation=partner_org, work_percent=40, price_percent=40, actor=bid.created_by
    )
    assert lifecycle.bid_state(bid) == BidState.WAITING_FOR_PARTNERS
    consortium.set_shares(
        bid, lead_work_percent=60, lead_price_percent=60, partner_shares={partner.id: (40, 40)}, actor=bid.created_by
    )
    with pytest.raises(errors.BidError, match="has not confirmed"):
        submission.submit_bid(bid, actor=bid.created_by)
    with pytest.raises(errors.BidError, match="Only the lead"):
        submission.submit_bid(bid, actor=partner_user)
    consortium.confirm_partner(partner, actor=partner_user)
    revision = submission.submit_bid(bid, actor=bid.created_by)
    assert revision.content["partners"][0]["work_percent"] == 40
    assert parties.is_party(partner_user, bid)
    # The partner organisation cannot also lead a bid on the same lot.
    with pytest.raises(errors.BidError, match="already a partner"):
        drafting.start_bid(need.lots[0], organisation=partner_org, actor=partner_user)


def test_sealed_until_closing_and_refusals_audited(need):
    bid = factories.make_bid(need)
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    with pytest.raises(access.Sealed):
        access.submitted_bids(need, commissioner)
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "bid.sealed_access_refused")
        )
        == 1
    )
    assert access.bid_count(need, commissioner) is None
    need.show_bid_count = True
    assert access.bid_count(need, commissioner) == 1
    after = need.closes_at + timedelta(minutes=1)
    found = access.submitted_bids(need, commissioner, now=after)
    assert [b.id for b, _ in found] == [bid.id]


def test_abnormally_low_bids_are_flagged_at_closing(need):
    fair = [factories.make_bid(need, price_pence=p) for p in (4_000_000, 4_400_000, 5_000_000)]
    low = factories.make_bid(need, price_pence=2_000_000)
    after = need.closes_at + timedelta(minutes=1)
    assert closing.check_at_closing(need, now=after) is True
    assert closing.check_at_closing(need, now=after) is False
    assert low.low_flag_reason and "below the median" in low.low_flag_reason
    assert all(b.low_flag_reason is None for b in fair)


def test_cost_floor_per_person_flags(need):
    need.cost_floor_per_person_pence = 50_000
    bid = factories.make_bid(need, price_pence=1_000_000, people=40)
    closing.check_at_closing(need, now=need.closes_at + arrival.IN_FLIGHT_LIMIT)
    assert "cost per person" in bid.low_flag_reason


def test_reserved_lots_are_for_vcse_or_local_organisations(db_session):
    from marketplace.needs.models import Reservation
    from marketplace.organisations.models import LegalForm

    need = factories.make_need(lots=(5_000_000, 2_000_000))
    need.lots[0].reservation = Reservation.VCSE
    need.lots[1].reservation = Reservation.LOCAL
    company = factories.make_provider(
        organisation=factories.make_organisation(legal_form=LegalForm.COMPANY_LIMITED_BY_SHARES)
    )
    with pytest.raises(errors.BidError, match="reserved for voluntary"):
        drafting.start_bid(need.lots[0], organisation=company.organisations[0], actor=company)
    with pytest.raises(errors.BidError, match="reserved for local"):
        drafting.start_bid(need.lots[1], organisation=company.organisations[0], actor=company)
    company.organisations[0].pdus = list(need.pdus)
    assert (
        drafting.start_bid(need.lots[1], organisation=company.organisations[0], actor=company).lot_id == need.lots[1].id
    )
    charity = factories.make_provider()
    assert (
        drafting.start_bid(need.lots[0], organisation=charity.organisations[0], actor=charity).lot_id == need.lots[0].id
    )


def test_a_new_price_asks_partners_to_confirm_again(need):
    bid = factories.make_bid(need, submit=False)
    partner_user = factories.make_provider()
    partner, _ = consortium.invite_partner(
        bid, organisation=partner_user.organisations[0], work_percent=40, price_percent=40, actor=bid.created_by
    )
    consortium.set_shares(
        bid, lead_work_percent=60, lead_price_percent=60, partner_shares={partner.id: (40, 40)}, actor=bid.created_by
    )
    consortium.confirm_partner(partner, actor=partner_user)
    # The same price saved again keeps the confirmation; a different one does not.
    drafting.save_price(
        bid, price_pence=bid.price_pence, breakdown=dict(bid.price_breakdown), people=bid.people, actor=bid.created_by
    )
    assert partner.confirmed_at is not None
    drafting.save_price(
        bid,
        price_pence=4_000_000,
        breakdown=drafting.suggested_breakdown(bid, 4_000_000),
        people=bid.people,
        actor=bid.created_by,
    )
    assert partner.confirmed_at is None
    assert lifecycle.bid_state(bid) == BidState.WAITING_FOR_PARTNERS
