"""Bad input and edge cases of the bid rules, on the domain functions (tests/bids/
test_services.py has the main paths): needs that are not open, lots and questions of
another need, forged organisations, consortium shares, absurd prices, what counts at
closing, the abnormally low thresholds, and what the audit trail may hold."""

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import arrival
from marketplace.accounts.models import Membership, Role
from marketplace.audit.models import AuditEvent
from marketplace.bids import closing, drafting, errors, lifecycle, parties, submission
from marketplace.bids import consortium as bid_consortium
from marketplace.bids.models import Bid, BidPartner, BidRevision, BidState
from marketplace.extensions import db
from marketplace.money import MAX_PENCE
from marketplace.needs import amendments, following, publishing
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import StatementCount, count


@pytest.fixture
def need(db_session):
    return factories.make_need(lots=(5_000_000, 2_000_000))


@pytest.fixture
def commissioner(need):
    return factories.make_area_staff(Role.COMMISSIONER)


def _rows():
    """Everything a refused call must leave as it was."""
    return (count(Bid), count(BidRevision), count(BidPartner), count(AuditEvent), count(OutboxEmail))


def _amend_lot(need, actor, *, reason="More money for lot 1"):
    before = amendments.snapshot(need)
    need.lots[0].value_pence += 100_000
    return amendments.amend_need(need, before=before, actor=actor, reason=reason)


# Needs that are not open -------------------------------------------------------------


@pytest.mark.parametrize("end", ["withdraw_need", "cancel_need"])
def test_no_submission_or_change_once_the_need_is_withdrawn_or_cancelled(need, commissioner, end):
    bid = factories.make_bid(need, submit=False)
    provider = bid.created_by
    getattr(publishing, end)(need, actor=commissioner, reason="The service is no longer needed")
    status = need.status.label.lower()
    rows = _rows()
    with pytest.raises(
        errors.BidClosed, match=f"This need is {status}. Your bid was not submitted; your draft is kept."
    ):
        submission.submit_bid(bid, actor=provider)
    with pytest.raises(errors.BidClosed):
        drafting.save_social_value(bid, text="Changed", actor=provider)
    with pytest.raises(errors.BidClosed):
        submission.withdraw_bid(bid, actor=provider, reason="Too late")
    other = factories.make_provider()
    with pytest.raises(errors.BidClosed, match="not open"):
        drafting.start_bid(need.lots[1], organisation=other.organisations[0], actor=other)
    assert _rows() == rows
    assert bid.social_value == "Two paid posts for women with lived experience."
    assert lifecycle.bid_state(bid) == BidState.CLOSED


@pytest.mark.parametrize("published, closes_in_days", [(False, 30), (True, -1)], ids=["draft", "closed"])
def test_no_bid_can_be_started_on_a_draft_or_closed_need(db_session, published, closes_in_days):
    need = factories.make_need(published=published, closes_in_days=closes_in_days)
    provider = factories.make_provider()
    with pytest.raises(errors.BidClosed, match="not open for bids"):
        drafting.start_bid(need.lots[0], organisation=provider.organisations[0], actor=provider)
    assert count(Bid) == 0


def test_a_bid_made_before_the_close_is_refused_a_moment_after(need):
    bid = factories.make_bid(need, submit=False)
    rows = _rows()
    with pytest.raises(errors.BidClosed, match="closed at"):
        submission.submit_bid(bid, actor=bid.created_by, now=need.closes_at)  # the closing instant is already late
    assert _rows() == rows
    revision = submission.submit_bid(bid, actor=bid.created_by, now=need.closes_at - timedelta(microseconds=1))
    assert revision.submitted_at < need.closes_at


# Lots, questions, payments and places of another need ----------------------------------


def test_a_bid_takes_only_the_questions_payments_and_places_of_its_own_need(need):
    bid = factories.make_bid(need, submit=False)
    provider = bid.created_by
    other = factories.make_need(area_code="N57KECL")
    before = (dict(bid.answers), dict(bid.price_breakdown), list(bid.local_pdu_ids), bid.price_pence)
    with pytest.raises(errors.BidError, match="Answer only the questions of this need"):
        drafting.save_answers(bid, answers={other.criteria[0].id: "An answer to another need"}, actor=provider)
    milestone_keys = {str(m.id): 1_000_000 for m in other.milestones}
    with pytest.raises(errors.BidError, match="Enter an amount for each payment"):
        drafting.save_price(
            bid, price_pence=2_000_000, breakdown={"advance": 0, **milestone_keys}, people=10, actor=provider
        )
    with pytest.raises(errors.BidError, match="Select only delivery units this need covers"):
        drafting.save_local_presence(bid, pdu_ids=[p.id for p in other.pdus], actor=provider)
    assert (dict(bid.answers), dict(bid.price_breakdown), list(bid.local_pdu_ids), bid.price_pence) == before


def test_a_bid_on_the_lot_of_a_closed_need_is_refused_even_when_another_need_is_open(need):
    closed = factories.make_need(closes_in_days=-1)
    provider = factories.make_provider()
    with pytest.raises(errors.BidClosed):
        drafting.start_bid(closed.lots[0], organisation=provider.organisations[0], actor=provider)
    bid = drafting.start_bid(need.lots[0], organisation=provider.organisations[0], actor=provider)
    assert (bid.need_id, bid.lot_id) == (need.id, need.lots[0].id)


# Forged organisations -------------------------------------------------------------------


def test_a_bid_cannot_be_started_for_an_organisation_the_user_does_not_belong_to(need):
    provider = factories.make_provider()
    stranger = factories.make_organisation()
    rows = _rows()
    with pytest.raises(errors.BidError, match="only bid for an organisation you belong to"):
        drafting.start_bid(need.lots[0], organisation=stranger, actor=provider)
    # Nor for one the user has left.
    membership = db.session.scalar(sa.select(Membership).where(Membership.user_id == provider.id))
    membership.ended_at = utcnow()
    db.session.flush()
    with pytest.raises(errors.BidError, match="only bid for an organisation you belong to"):
        drafting.start_bid(need.lots[0], organisation=membership.organisation, actor=provider)
    assert _rows() == rows


def test_a_user_who_left_the_lead_can_no_longer_change_or_submit(need):
    bid = factories.make_bid(need, submit=False)
    provider = bid.created_by
    provider.memberships[0].ended_at = utcnow()
    db.session.flush()
    with pytest.raises(errors.BidError, match="Only the lead"):
        drafting.save_social_value(bid, text="Changed", actor=provider)
    with pytest.raises(errors.BidError, match="Only the lead"):
        submission.submit_bid(bid, actor=provider)
    assert count(BidRevision) == 0


def test_partner_invitations_refuse_the_lead_unverified_and_already_bidding_organisations(need):
    bid = factories.make_bid(need, submit=False)
    lead = bid.created_by
    unverified = factories.make_organisation(verified=False)
    rival = factories.make_bid(need, submit=False).organisation  # leads its own bid on the lot
    partnered = factories.make_organisation()
    other_bid = factories.make_bid(need, submit=False)
    bid_consortium.invite_partner(
        other_bid, organisation=partnered, work_percent=30, price_percent=30, actor=other_bid.created_by
    )
    rows = _rows()
    cases = [
        (bid.organisation, "lead organisation cannot also be a partner"),
        (unverified, "registered and verified"),
        (rival, "already bidding for this lot"),
        (partnered, "already bidding for this lot"),
    ]
    for organisation, message in cases:
        with pytest.raises(errors.BidError, match=message):
            bid_consortium.invite_partner(bid, organisation=organisation, work_percent=30, price_percent=30, actor=lead)
    with pytest.raises(errors.BidError, match="name and an email address"):
        bid_consortium.invite_partner(bid, name="Nobody", email="", work_percent=30, price_percent=30, actor=lead)
    assert _rows() == rows
    # The same organisation twice in one bid.
    friend = factories.make_organisation()
    bid_consortium.invite_partner(bid, organisation=friend, work_percent=30, price_percent=30, actor=lead)
    with pytest.raises(errors.BidError, match="already a partner in this bid"):
        bid_consortium.invite_partner(bid, organisation=friend, work_percent=10, price_percent=10, actor=lead)
    assert len(bid.current_partners) == 1
    # Another lot of the need is another competition: the rival may partner there.
    bid2 = factories.make_bid(need, provider=lead, lot=need.lots[1], submit=False)
    bid_consortium.invite_partner(bid2, organisation=rival, work_percent=30, price_percent=30, actor=lead)


def test_only_a_member_of_the_partner_organisation_confirms_or_declines_its_share(need):
    bid = factories.make_bid(need, submit=False)
    partner_user = factories.make_provider()
    partner, _ = bid_consortium.invite_partner(
        bid, organisation=partner_user.organisations[0], work_percent=40, price_percent=40, actor=bid.created_by
    )
    for impostor in (bid.created_by, factories.make_provider(), factories.make_area_staff(Role.COMMISSIONER)):
        with pytest.raises(errors.BidError, match="Only a member of the partner organisation"):
            bid_consortium.confirm_partner(partner, actor=impostor)
        with pytest.raises(errors.BidError, match="Only a member of the partner organisation"):
            bid_consortium.decline_partner(partner, actor=impostor)
    assert partner.confirmed_at is None and partner.declined_at is None


# Consortium shares -----------------------------------------------------------------------


def _consortium(need, *, work=40, price=40):
    bid = factories.make_bid(need, submit=False)
    partner_user = factories.make_provider()
    partner, _ = bid_consortium.invite_partner(
        bid, organisation=partner_user.organisations[0], work_percent=work, price_percent=price, actor=bid.created_by
    )
    return bid, partner, partner_user


@pytest.mark.parametrize(
    "lead, partner_share, message",
    [
        ((60, 60), (30, 40), "The shares of the work must add up to 100%"),
        ((60, 60), (40, 30), "The shares of the price must add up to 100%"),
        ((60, 70), (40, 40), "The shares of the price must add up to 100%"),
    ],
)
def test_shares_must_add_up_to_100_in_work_and_in_price(need, lead, partner_share, message):
    bid, partner, partner_user = _consortium(need)
    bid_consortium.set_shares(
        bid,
        lead_work_percent=lead[0],
        lead_price_percent=lead[1],
        partner_shares={partner.id: partner_share},
        actor=bid.created_by,
    )
    bid_consortium.confirm_partner(partner, actor=partner_user)
    assert message in [p.message for p in submission.problems(bid)]
    with pytest.raises(errors.BidError, match=message):
        submission.submit_bid(bid, actor=bid.created_by)
    assert count(BidRevision) == 0


@pytest.mark.parametrize("work, price", [(0, 10), (100, 10), (10, -1), (10, 100), (-5, 50)])
def test_partner_shares_out_of_range_are_refused(need, work, price):
    bid = factories.make_bid(need, submit=False)
    rows = _rows()
    with pytest.raises(errors.BidError, match="Enter a share"):
        bid_consortium.invite_partner(
            bid,
            organisation=factories.make_organisation(),
            work_percent=work,
            price_percent=price,
            actor=bid.created_by,
        )
    assert _rows() == rows


def test_set_shares_must_name_every_partner_and_changing_a_share_needs_a_new_confirmation(need):
    bid, partner, partner_user = _consortium(need)
    with pytest.raises(errors.BidError, match="Enter a share for each partner"):
        bid_consortium.set_shares(
            bid, lead_work_percent=100, lead_price_percent=100, partner_shares={}, actor=bid.created_by
        )
    with pytest.raises(errors.BidError, match="Enter a share for each partner"):
        bid_consortium.set_shares(
            bid,
            lead_work_percent=60,
            lead_price_percent=60,
            partner_shares={partner.id: (40, 40), partner.id + 999: (1, 1)},
            actor=bid.created_by,
        )
    with pytest.raises(errors.BidError, match="lead organisation's shares"):
        bid_consortium.set_shares(
            bid,
            lead_work_percent=101,
            lead_price_percent=60,
            partner_shares={partner.id: (40, 40)},
            actor=bid.created_by,
        )
    bid_consortium.set_shares(
        bid, lead_work_percent=60, lead_price_percent=60, partner_shares={partner.id: (40, 40)}, actor=bid.created_by
    )
    bid_consortium.confirm_partner(partner, actor=partner_user)
    assert submission.problems(bid) == []
    bid_consortium.set_shares(
        bid, lead_work_percent=70, lead_price_percent=70, partner_shares={partner.id: (30, 30)}, actor=bid.created_by
    )
    assert partner.confirmed_at is None
    assert f"{partner.name} has not confirmed its share yet" in [p.message for p in submission.problems(bid)]


def test_a_declined_partner_blocks_submission_until_removed(need):
    bid, partner, partner_user = _consortium(need)
    bid_consortium.set_shares(
        bid, lead_work_percent=60, lead_price_percent=60, partner_shares={partner.id: (40, 40)}, actor=bid.created_by
    )
    bid_consortium.decline_partner(partner, actor=partner_user)
    with pytest.raises(errors.BidError, match="has declined: remove it from the bid"):
        submission.submit_bid(bid, actor=bid.created_by)
    assert count(BidRevision) == 0
    with pytest.raises(errors.BidError, match="declined"):
        bid_consortium.confirm_partner(partner, actor=partner_user)
    assert not parties.is_party(partner_user, bid)
    bid_consortium.remove_partner(partner, actor=bid.created_by)
    # Alone again, the lead's shares must be 100% each.
    assert "Bidding alone, your shares of the work and the price must be 100%" in [
        p.message for p in submission.problems(bid)
    ]
    bid_consortium.set_shares(
        bid, lead_work_percent=100, lead_price_percent=100, partner_shares={}, actor=bid.created_by
    )
    revision = submission.submit_bid(bid, actor=bid.created_by)
    assert revision.content["partners"] == []


def test_a_partner_reads_the_bid_but_cannot_change_submit_or_withdraw_it(need):
    bid, partner, partner_user = _consortium(need)
    bid_consortium.set_shares(
        bid, lead_work_percent=60, lead_price_percent=60, partner_shares={partner.id: (40, 40)}, actor=bid.created_by
    )
    bid_consortium.confirm_partner(partner, actor=partner_user)
    assert parties.is_party(partner_user, bid) and not parties.leads(partner_user, bid)
    breakdown = drafting.suggested_breakdown(bid, 1_000_000)
    attempts = [
        lambda: drafting.save_answers(bid, answers={need.criteria[0].id: "Partner's words"}, actor=partner_user),
        lambda: drafting.save_price(bid, price_pence=1_000_000, breakdown=breakdown, people=10, actor=partner_user),
        lambda: drafting.save_social_value(bid, text="Partner's words", actor=partner_user),
        lambda: drafting.save_local_presence(bid, pdu_ids=[], actor=partner_user),
        lambda: drafting.save_declarations(bid, declarations=[], conflict_details="", actor=partner_user),
        lambda: drafting.add_document(bid, filename="plan.pdf", data=b"%PDF-1.4 plan", actor=partner_user),
        lambda: bid_consortium.invite_partner(
            bid, organisation=factories.make_organisation(), work_percent=10, price_percent=10, actor=partner_user
        ),
        lambda: bid_consortium.set_shares(
            bid, lead_work_percent=10, lead_price_percent=10, partner_shares={partner.id: (90, 90)}, actor=partner_user
        ),
        lambda: bid_consortium.remove_partner(partner, actor=partner_user),
        lambda: submission.submit_bid(bid, actor=partner_user),
    ]
    for attempt in attempts:
        rows = _rows()
        with pytest.raises(errors.BidError, match="Only the lead"):
            attempt()
        assert _rows() == rows
    revision = submission.submit_bid(bid, actor=bid.created_by)
    with pytest.raises(errors.BidError, match="Only the lead organisation can withdraw"):
        submission.withdraw_bid(bid, actor=partner_user, reason="Not us")
    assert bid.withdrawn_at is None and lifecycle.counting_revision(bid) is revision


# Prices -------------------------------------------------------------------------------


@pytest.mark.parametrize("price", [0, -1, -5_000_000, MAX_PENCE + 1, 10**15])
def test_absurd_prices_are_refused_and_the_draft_kept(need, price):
    bid = factories.make_bid(need, submit=False)
    parts = drafting.payment_parts(bid)
    breakdown = {key: 0 for key, _, _ in parts}
    breakdown[parts[0][0]] = price
    with pytest.raises(errors.BidError, match="Enter a price between £0.01 and £1,000,000,000"):
        drafting.save_price(bid, price_pence=price, breakdown=breakdown, people=10, actor=bid.created_by)
    assert bid.price_pence == 5_000_000
    assert sum(bid.price_breakdown.values()) == 5_000_000


def test_a_price_of_exactly_one_billion_pounds_is_the_largest_accepted(need):
    bid = factories.make_bid(need, submit=False)
    drafting.save_price(
        bid,
        price_pence=MAX_PENCE,
        breakdown=drafting.suggested_breakdown(bid, MAX_PENCE),
        people=10,
        actor=bid.created_by,
    )
    db.session.flush()  # the database agrees
    assert submission.submit_bid(bid, actor=bid.created_by).price_pence == MAX_PENCE


def test_breakdowns_that_do_not_match_the_payment_profile_are_refused(need):
    bid = factories.make_bid(need, submit=False)
    good = drafting.suggested_breakdown(bid, 1_000_000)
    keys = list(good)
    missing = {k: v for k, v in good.items() if k != keys[-1]}
    extra = {**good, "bonus": 0}
    negative = {**good, keys[0]: -100, keys[1]: good[keys[1]] + 100}
    short = {**good, keys[0]: good[keys[0]] - 1}
    huge = {**good, keys[0]: MAX_PENCE + 1}
    for breakdown, message in [
        (missing, "Enter an amount for each payment"),
        (extra, "Enter an amount for each payment"),
        (negative, "between £0 and the price"),
        (huge, "between £0 and the price"),
        (short, "add up to £9,999.99, not the price of £10,000"),
    ]:
        with pytest.raises(errors.BidError, match=message):
            drafting.save_price(bid, price_pence=1_000_000, breakdown=breakdown, people=10, actor=bid.created_by)
    for people in (0, -3, 1_000_001):
        with pytest.raises(errors.BidError, match="number of people"):
            drafting.save_price(bid, price_pence=1_000_000, breakdown=good, people=people, actor=bid.created_by)
    assert bid.price_pence == 5_000_000 and bid.people == need.expected_people


# What counts at closing ---------------------------------------------------------------


def test_withdrawn_bids_drafts_and_bids_needing_reconfirmation_do_not_count(need, commissioner):
    counted = factories.make_bid(need)
    withdrawn = factories.make_bid(need)
    submission.withdraw_bid(withdrawn, actor=withdrawn.created_by, reason="We cannot staff it")
    factories.make_bid(need, submit=False)  # a draft never submitted
    stale = factories.make_bid(need)
    reconfirmed = factories.make_bid(need)
    _amend_lot(need, commissioner)
    assert lifecycle.bid_state(stale) == BidState.NEEDS_RECONFIRMATION
    assert lifecycle.bid_state(counted) == BidState.NEEDS_RECONFIRMATION
    submission.submit_bid(counted, actor=counted.created_by)
    second = submission.submit_bid(reconfirmed, actor=reconfirmed.created_by)
    assert second.number == 2
    after = need.closes_at + timedelta(seconds=1)
    found = closing.counting_bids(need)
    assert [(b.id, r.number) for b, r in found] == [(counted.id, 2), (reconfirmed.id, 2)]
    assert lifecycle.bid_state(stale, after) == BidState.CLOSED
    assert lifecycle.bid_state(withdrawn, after) == BidState.WITHDRAWN


def test_the_bids_that_count_at_closing_are_read_in_three_statements_however_many_bids(need, commissioner):
    factories.make_bid(need)
    _amend_lot(need, commissioner)
    bids = [factories.make_bid(need) for _ in range(4)]
    db.session.expire_all()
    db.session.refresh(need)
    with StatementCount() as sql:
        found = closing.counting_bids(need)
    assert sql.count == 3
    # The same answer as asking each bid on its own: the first bid needs reconfirmation.
    assert [b.id for b, _ in found] == [b.id for b in bids]
    assert all(lifecycle.counting_revision(b) is r for b, r in found)


def test_the_counted_revision_is_the_last_submitted_before_closing_not_the_draft(need):
    fair = [factories.make_bid(need, price_pence=1_000_000) for _ in range(2)]
    bid = factories.make_bid(need, price_pence=1_000_000)
    provider = bid.created_by
    # Resubmitted lower (40% below the others), then the draft put back up, unsubmitted.
    drafting.save_price(
        bid, price_pence=600_000, breakdown=drafting.suggested_breakdown(bid, 600_000), people=40, actor=provider
    )
    second = submission.submit_bid(bid, actor=provider)
    drafting.save_price(
        bid, price_pence=1_000_000, breakdown=drafting.suggested_breakdown(bid, 1_000_000), people=40, actor=provider
    )
    assert submission.has_unsubmitted_changes(bid)
    after = need.closes_at + timedelta(seconds=1)
    with pytest.raises(errors.BidClosed):
        submission.submit_bid(bid, actor=provider, now=after)
    with pytest.raises(errors.BidClosed):
        drafting.save_price(
            bid,
            price_pence=1_000_000,
            breakdown=drafting.suggested_breakdown(bid, 1_000_000),
            people=40,
            actor=provider,
            now=after,
        )
    assert lifecycle.counting_revision(bid) is second
    assert [r.number for r in bid.revisions] == [1, 2]
    closing.check_at_closing(need, now=need.closes_at + arrival.IN_FLIGHT_LIMIT)
    assert bid.low_flag_reason and "£6,000 is 40% below the median" in bid.low_flag_reason
    assert all(b.low_flag_reason is None for b in fair)


def test_withdrawal_needs_a_reason_and_happens_once(need):
    bid = factories.make_bid(need)
    for reason in ("", "   "):
        with pytest.raises(errors.BidError, match="Enter the reason"):
            submission.withdraw_bid(bid, actor=bid.created_by, reason=reason)
    assert bid.withdrawn_at is None
    submission.withdraw_bid(bid, actor=bid.created_by, reason="We cannot staff it")
    with pytest.raises(errors.BidError, match="already been withdrawn"):
        submission.withdraw_bid(bid, actor=bid.created_by, reason="Again")
    assert bid.withdrawn_reason == "We cannot staff it"


# Abnormally low ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "median, price, flagged",
    [
        (1_000_000, 700_000, True),  # exactly 30% below
        (1_000_000, 700_001, False),
        (1_000_000, 710_000, False),  # 29% below
        (2_900_000, 2_030_000, True),  # exactly 30% below, where 0.7 x median is not exact in floating point
        (2_900_000, 2_059_000, False),  # 29% below
        (2_000_001, 1_400_000, True),  # 30.00002% below
    ],
)
def test_thirty_percent_below_the_median_of_the_others_is_the_threshold(need, median, price, flagged):
    reason = closing.low_bid_reason(price, 40, [median, median], None)
    assert (reason is not None) is flagged
    if flagged:
        assert "% below the median of the other bids on this lot" in reason


def test_the_threshold_at_closing_with_an_even_number_of_other_bids(need):
    # The others' median is £29,000 (between £28,000 and £30,000): £20,300 is exactly 30% below it.
    others = [factories.make_bid(need, price_pence=p) for p in (2_800_000, 3_000_000)]
    low = factories.make_bid(need, price_pence=2_030_000)
    near = factories.make_bid(need, lot=need.lots[1], price_pence=1_000_000)
    factories.make_bid(need, lot=need.lots[1], price_pence=1_000_000)
    factories.make_bid(need, lot=need.lots[1], price_pence=1_000_000)
    closing.check_at_closing(need, now=need.closes_at + arrival.IN_FLIGHT_LIMIT)
    assert low.low_flag_reason == ("£20,300 is 30% below the median of the other bids on this lot (£29,000)")
    assert all(b.low_flag_reason is None for b in others)
    assert near.low_flag_reason is None


def test_a_lone_bid_is_not_flagged_by_the_median_rule_and_lots_are_compared_apart(need):
    lone = factories.make_bid(need, price_pence=1)  # 1p, alone on lot 1
    lot2 = [factories.make_bid(need, lot=need.lots[1], price_pence=p) for p in (2_000_000, 2_000_000)]
    assert closing.check_at_closing(need, now=need.closes_at + arrival.IN_FLIGHT_LIMIT)
    assert lone.low_flag_reason is None and lone.low_flagged_at is None
    assert all(b.low_flag_reason is None for b in lot2)


def test_a_bid_that_does_not_count_is_not_a_reference_for_the_median(need):
    fair = factories.make_bid(need, price_pence=1_000_000)
    high = factories.make_bid(need, price_pence=5_000_000)
    submission.withdraw_bid(high, actor=high.created_by, reason="Withdrawn")
    low = factories.make_bid(need, price_pence=800_000)
    closing.check_at_closing(need, now=need.closes_at + arrival.IN_FLIGHT_LIMIT)
    # Against £10,000 alone, £8,000 is 20% below: not flagged. With the withdrawn £50,000
    # (median £30,000) it would have been.
    assert low.low_flag_reason is None and fair.low_flag_reason is None


@pytest.mark.parametrize("price, flagged", [(2_000_000, False), (1_999_999, True), (1_000_000, True)])
def test_the_cost_floor_per_person(need, price, flagged):
    need.cost_floor_per_person_pence = 50_000  # £500 a person, 40 people: £20,000
    bid = factories.make_bid(need, price_pence=price, people=40)
    closing.check_at_closing(need, now=need.closes_at + arrival.IN_FLIGHT_LIMIT)
    assert (bid.low_flag_reason is not None) is flagged
    if flagged:
        assert (
            bid.low_flag_reason.startswith("The cost per person") and "below the floor of £500" in bid.low_flag_reason
        )


def test_both_rules_give_both_reasons(need):
    need.cost_floor_per_person_pence = 50_000
    factories.make_bid(need, price_pence=3_000_000, people=40)
    factories.make_bid(need, price_pence=3_000_000, people=40)
    low = factories.make_bid(need, price_pence=1_000_000, people=40)
    closing.check_at_closing(need, now=need.closes_at + arrival.IN_FLIGHT_LIMIT)
    assert "below the median" in low.low_flag_reason and "; the cost per person (£250)" in low.low_flag_reason


def test_nothing_is_checked_before_closing_and_flags_are_audited(need):
    factories.make_bid(need, price_pence=3_000_000)
    factories.make_bid(need, price_pence=3_000_000)
    low = factories.make_bid(need, price_pence=1_000_000)
    assert closing.check_at_closing(need, now=need.closes_at - timedelta(seconds=1)) is False
    # Not at the closing time either: a submission received before it may still be on its way.
    assert closing.check_at_closing(need, now=need.closes_at) is False
    assert (
        closing.check_at_closing(need, now=need.closes_at + arrival.IN_FLIGHT_LIMIT - timedelta(microseconds=1))
        is False
    )
    assert low.low_flag_reason is None and need.bids_checked_at is None
    checked = need.closes_at + arrival.IN_FLIGHT_LIMIT
    assert closing.check_at_closing(need, now=checked) is True
    assert low.low_flagged_at == need.bids_checked_at == checked
    flagged = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "bid.flagged_abnormally_low")).all()
    assert [e.object_id for e in flagged] == [low.id]


# The audit trail ------------------------------------------------------------------------

MARKER = "Zanzibar-quokka-7731"
PRICE = 4_321_987  # £43,219.87


def test_the_audit_trail_never_holds_what_a_bid_says_or_its_price(need, commissioner):
    provider = factories.make_provider()
    bid = drafting.start_bid(need.lots[0], organisation=provider.organisations[0], actor=provider)
    drafting.save_answers(bid, answers={c.id: f"Our answer {MARKER}" for c in need.criteria}, actor=provider)
    drafting.save_price(
        bid, price_pence=PRICE, breakdown=drafting.suggested_breakdown(bid, PRICE), people=40, actor=provider
    )
    drafting.save_social_value(bid, text=f"Social value {MARKER}", actor=provider)
    drafting.save_local_presence(bid, pdu_ids=[p.id for p in need.pdus], actor=provider)
    drafting.save_declarations(
        bid, declarations=["eligible", "no_conflict", "accurate"], conflict_details=f"Conflict {MARKER}", actor=provider
    )
    partner_user = factories.make_provider()
    partner, _ = bid_consortium.invite_partner(
        bid, organisation=partner_user.organisations[0], work_percent=30, price_percent=30, actor=provider
    )
    bid_consortium.invite_partner(
        bid, name="Kent Allotments", email="hello@allotments.example", work_percent=10, price_percent=10, actor=provider
    )
    bid_consortium.set_shares(
        bid,
        lead_work_percent=70,
        lead_price_percent=70,
        partner_shares={p.id: (30, 30) if p.id == partner.id else (10, 10) for p in bid.current_partners},
        actor=provider,
    )
    bid_consortium.remove_partner(bid.current_partners[1], actor=provider)
    bid_consortium.set_shares(
        bid, lead_work_percent=70, lead_price_percent=70, partner_shares={partner.id: (30, 30)}, actor=provider
    )
    bid_consortium.confirm_partner(partner, actor=partner_user)
    submission.submit_bid(bid, actor=provider)
    submission.withdraw_bid(bid, actor=provider, reason="We need to check the figures")
    submission.submit_bid(bid, actor=provider)
    # Priced far below two others so that it is flagged at closing.
    for _ in range(2):
        factories.make_bid(need, price_pence=4 * PRICE)
    closed = need.closes_at + arrival.IN_FLIGHT_LIMIT
    from marketplace.bids import access

    access.submitted_bids(need, commissioner, now=closed)
    assert bid.low_flag_reason  # the flag and its reason are on the bid itself
    events = db.session.scalars(sa.select(AuditEvent)).all()
    assert {e.action for e in events} >= {
        "bid.started",
        "bid.draft_saved",
        "bid.partner_invited",
        "bid.partner_removed",
        "bid.partner_confirmed",
        "bid.submitted",
        "bid.withdrawn",
        "bid.flagged_abnormally_low",
        "need.bids_checked",
    }
    trail = json.dumps([[e.before, e.after, e.reason] for e in events], ensure_ascii=False)
    for secret in (MARKER, str(PRICE), "43,219", str(4 * PRICE), "172,879"):
        assert secret not in trail, f"{secret!r} is in the audit trail"


# Amendments tell bidders ----------------------------------------------------------------


def test_an_amendment_is_emailed_to_every_bidder_lead_and_partner_but_not_a_declined_one(need, commissioner):
    draft = factories.make_bid(need, submit=False)  # a draft is enough to be told
    lead_colleague = factories.make_provider(organisation=draft.organisation)
    consortium, partner, partner_user = _consortium(need)
    declined_user = factories.make_provider()
    declined, _ = bid_consortium.invite_partner(
        consortium,
        organisation=declined_user.organisations[0],
        work_percent=10,
        price_percent=10,
        actor=consortium.created_by,
    )
    bid_consortium.decline_partner(declined, actor=declined_user)
    bystander = factories.make_provider()
    leaver = factories.make_provider(organisation=draft.organisation)
    leaver.memberships[0].ended_at = utcnow()
    db.session.flush()
    assert not db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.subject.like("Change to%"))).all()

    _amend_lot(need, commissioner)

    told = {
        e.to for e in db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.subject == f"Change to {need.title}"))
    }
    assert told == {draft.created_by.email, lead_colleague.email, consortium.created_by.email, partner_user.email}
    assert not told & {declined_user.email, bystander.email, leaver.email, commissioner.email}
    # Told once each, even when they also follow the need.
    following.follow_need(need, actor=draft.created_by)
    before = count(OutboxEmail)
    _amend_lot(need, commissioner, reason="And a little more")
    assert count(OutboxEmail) - before == 4


def test_withdrawing_a_need_tells_its_bidders(need, commissioner):
    bid = factories.make_bid(need)
    publishing.withdraw_need(need, actor=commissioner, reason="No longer needed")
    told = [e.to for e in db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == bid.created_by.email))]
    assert len(told) == 2  # the receipt, then the withdrawal
