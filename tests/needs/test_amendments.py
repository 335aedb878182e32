"""Amendments and reconfirmation: a change is judged per lot; a change to what every bidder
answers returns every bid; a correction of wording returns none; the bidder who must
confirm again sees what changed, before and after; nobody is told of changes they did not
make. On the domain functions first, then through the pages."""

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.bids import drafting as bid_drafting
from marketplace.bids import lifecycle, submission
from marketplace.bids.models import BidState
from marketplace.extensions import db
from marketplace.needs import amendments, changes, drafting
from marketplace.needs.models import Amendment, Lot, Need, NeedError
from marketplace.notifications.models import OutboxEmail

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in
from .test_manage import lot_data

# Page tests count working days from today; needs close a number of days from now.
pytestmark = pytest.mark.clock


@pytest.fixture
def commissioner(db_session):
    return factories.make_area_staff(Role.COMMISSIONER, email="cora@example.org")


@pytest.fixture
def need(commissioner):
    return factories.make_need(commissioner=commissioner, lots=(5_000_000, 2_000_000), closes_in_days=40)


@pytest.fixture
def two_bids(need):
    """A submitted bid on each lot, by two providers."""
    first = factories.make_bid(need, provider=factories.make_provider(email="lot1@example.org"), lot=need.lots[0])
    second = factories.make_bid(need, provider=factories.make_provider(email="lot2@example.org"), lot=need.lots[1])
    return first, second


def _amend(need, commissioner, change, *, reason="A change", correction=False):
    before = amendments.snapshot(need)
    change(need)
    db.session.flush()
    return amendments.amend_need(need, before=before, actor=commissioner, reason=reason, correction=correction)


def _states(*bid_list):
    db.session.expire_all()
    return [lifecycle.bid_state(b) for b in bid_list]


# Per lot, or the whole need ------------------------------------------------------------


def test_a_change_to_one_lots_budget_returns_only_that_lots_bids_to_reconfirmation(need, commissioner, two_bids):
    amendment = _amend(
        need,
        commissioner,
        lambda n: drafting.save_lot(
            n,
            lot=n.lots[0],
            title=n.lots[0].title,
            description="",
            value_pence=6_000_000,
            reservation=n.lots[0].reservation,
        ),
    )
    assert amendment.material and not amendment.affects_all_lots and amendment.lots == [need.lots[0]]
    assert _states(*two_bids) == [BidState.NEEDS_RECONFIRMATION, BidState.SUBMITTED]
    assert lifecycle.counting_revision(two_bids[1]) is not None
    assert amendment.effect == "Bids already submitted on lot 1 must be confirmed again."


def test_a_change_to_one_lots_description_of_the_work_returns_only_that_lots_bids(need, commissioner, two_bids):
    _amend(need, commissioner, lambda n: setattr(n.lots[1], "description", "Now includes weekend sessions"))
    assert _states(*two_bids) == [BidState.SUBMITTED, BidState.NEEDS_RECONFIRMATION]


WHOLE_NEED_CHANGES = {
    "criteria weights": lambda n: drafting.set_weights(n, social_value_weight=30, price_weight=10),
    "a question's word limit": lambda n: setattr(n.criteria[0], "word_limit", 300),
    "the social value word limit": lambda n: drafting.set_weights(
        n, social_value_weight=20, price_weight=20, social_value_word_limit=300
    ),
    "payment profile": lambda n: drafting.set_payment_profile(
        n, advance_percent=10, milestones=[("Six months", 50, 6), ("End", 40, 12)]
    ),
    "conditions": lambda n: drafting.set_conditions(
        n, conditions=["safeguarding", "dbs"], cost_floor_per_person_pence=None
    ),
    "expected people": lambda n: setattr(n, "expected_people", 80),
    "duration": lambda n: setattr(n, "duration_months", 18),
}


@pytest.mark.parametrize("change", WHOLE_NEED_CHANGES.values(), ids=WHOLE_NEED_CHANGES.keys())
def test_a_change_to_the_whole_need_returns_every_lots_bids(need, commissioner, two_bids, change):
    amendment = _amend(need, commissioner, change)
    assert amendment.material and amendment.affects_all_lots
    assert _states(*two_bids) == [BidState.NEEDS_RECONFIRMATION, BidState.NEEDS_RECONFIRMATION]
    assert amendment.effect == "Bids already submitted on every lot must be confirmed again."


def test_a_change_to_the_social_value_word_limit_is_described_before_and_after(need, commissioner, two_bids):
    amendment = _amend(
        need,
        commissioner,
        lambda n: drafting.set_weights(n, social_value_weight=20, price_weight=20, social_value_word_limit=200),
    )
    assert [(c.label, c.before, c.after) for c in changes.describe(amendment)] == [
        ("Word limit for social value", "500 words", "200 words")
    ]


NO_BID_CHANGES = {
    "title": lambda n: setattr(n, "title", "Women's centre support, East Kent"),
    "summary": lambda n: setattr(n, "summary", "Longer summary"),
    "a new lot": lambda n: drafting.save_lot(
        n, title="Lot 3", description="", value_pence=1_000_000, reservation=n.lots[0].reservation
    ),
}


@pytest.mark.parametrize("change", NO_BID_CHANGES.values(), ids=NO_BID_CHANGES.keys())
def test_a_change_no_bid_rests_on_returns_no_bid(need, commissioner, two_bids, change):
    amendment = _amend(need, commissioner, change)
    assert not amendment.material
    assert _states(*two_bids) == [BidState.SUBMITTED, BidState.SUBMITTED]


def test_a_reconfirmed_bid_counts_again_and_the_other_lot_was_never_disturbed(need, commissioner, two_bids):
    _amend(need, commissioner, lambda n: setattr(n.lots[0], "value_pence", 6_000_000))
    first, second = two_bids
    revision = submission.submit_bid(first, actor=first.created_by)
    assert revision.number == 2 and revision.content["need_material_changes"] == 1
    assert _states(first, second) == [BidState.SUBMITTED, BidState.SUBMITTED]
    assert [r.number for r in second.revisions] == [1]


def test_a_lot_with_bids_cannot_be_removed(need, commissioner, two_bids):
    with pytest.raises(NeedError, match="Providers have started bids on lot 2, so it cannot be removed"):
        drafting.remove_lot(need, need.lots[1])
    assert len(need.lots) == 2


def test_a_lot_without_bids_can_be_removed_and_returns_no_bid(need, commissioner, two_bids):
    drafting.save_lot(need, title="Lot 3", description="", value_pence=1_000_000, reservation=need.lots[0].reservation)
    db.session.flush()
    amendment = _amend(need, commissioner, lambda n: drafting.remove_lot(n, n.lots[2]))
    assert not amendment.material
    assert _states(*two_bids) == [BidState.SUBMITTED, BidState.SUBMITTED]


# Corrections ---------------------------------------------------------------------------


def test_a_correction_returns_no_bid_and_bidders_are_told(need, commissioner, two_bids):
    emails = count(OutboxEmail, OutboxEmail.to == "lot1@example.org")
    amendment = _amend(
        need,
        commissioner,
        lambda n: setattr(n.lots[0], "title", "Lot one"),
        reason="Typo in the lot's name",
        correction=True,
    )
    assert amendment.correction and not amendment.material and not amendment.affects_all_lots
    assert _states(*two_bids) == [BidState.SUBMITTED, BidState.SUBMITTED]
    assert count(OutboxEmail, OutboxEmail.to == "lot1@example.org") == emails + 1
    email = db.session.scalars(
        sa.select(OutboxEmail).where(OutboxEmail.to == "lot1@example.org").order_by(OutboxEmail.id.desc())
    ).first()
    assert email.subject == f"Correction to {need.title}"
    assert "Lot 1 (Lot one): title: Lot 1 -> Lot one" in email.body
    [event] = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "need.corrected", AuditEvent.object_id == need.id)
    ).all()
    assert event.reason == "Typo in the lot's name"


def test_a_correction_of_a_questions_wording_keeps_every_bid_counting(need, commissioner, two_bids):
    _amend(
        need,
        commissioner,
        lambda n: setattr(n.criteria[0], "question", "How will you reach women who do not yet engage?"),
        reason="Clearer wording",
        correction=True,
    )
    first, second = two_bids
    assert _states(first, second) == [BidState.SUBMITTED, BidState.SUBMITTED]
    assert not submission.has_unsubmitted_changes(first)


def test_a_correction_near_closing_does_not_move_the_closing_time(commissioner):
    need = factories.make_need(commissioner=commissioner, closes_in_days=2)
    closes = need.closes_at
    amendment = _amend(
        need, commissioner, lambda n: setattr(n, "summary", "Fixed a typo"), reason="Typo", correction=True
    )
    assert amendment.closes_at_after == closes == need.closes_at


@pytest.mark.parametrize(
    "change",
    [
        lambda n: setattr(n.lots[0], "value_pence", 6_000_000),
        lambda n: setattr(n.criteria[0], "weight", 50),
        lambda n: setattr(n, "expected_people", 80),
    ],
    ids=["budget", "weight", "people"],
)
def test_a_correction_may_only_change_wording(need, commissioner, two_bids, change):
    before = amendments.snapshot(need)
    change(need)
    db.session.flush()
    with pytest.raises(NeedError, match="A correction can only change wording") as error:
        amendments.amend_need(need, before=before, actor=commissioner, reason="Only a typo", correction=True)
    assert error.value.field == "correction"


# Not told of changes the bidder did not make -------------------------------------------


def test_a_bid_has_no_unsubmitted_changes_after_an_amendment_the_bidder_did_not_make(need, commissioner, two_bids):
    first, _ = two_bids
    _amend(need, commissioner, lambda n: setattr(n.lots[0], "value_pence", 6_000_000))
    _amend(
        need,
        commissioner,
        lambda n: drafting.save_criterion(n, question="What will change for the women?", weight=10, word_limit=200),
    )
    assert not submission.has_unsubmitted_changes(first)
    bid_drafting.save_social_value(first, text="Three paid posts.", actor=first.created_by)
    assert submission.has_unsubmitted_changes(first)


# Through the pages ---------------------------------------------------------------------


def _signed_in(client, user):
    response = sign_in(client, user.email)
    assert response.status_code == 302
    return user


def test_reconfirm_page_shows_what_changed_before_and_after(app, client, need, commissioner, two_bids):
    first, second = two_bids
    _amend(
        need, commissioner, lambda n: setattr(n.lots[0], "value_pence", 6_000_000), reason="The council added funding"
    )
    _signed_in(client, first.created_by)
    show = page_text(client.get(f"/bids/{first.id}"))
    assert "in a way that affects bids on lot 1" in show
    assert "You have changes you have not submitted" not in show
    check = page_text(client.get(f"/bids/{first.id}/check"))
    assert "What changed since you submitted" in check
    for expected in ("Lot 1 (Lot 1): budget", "£50,000", "£60,000", "The council added funding"):
        assert expected in check, expected
    other_client = app.test_client()
    _signed_in(other_client, second.created_by)
    other = page_text(other_client.get(f"/bids/{second.id}/check"))
    assert "What changed since you submitted" not in other
    assert "You have changes you have not submitted" not in page_text(other_client.get(f"/bids/{second.id}"))


def test_commissioner_records_a_correction_from_the_lot_page(client, need, commissioner, two_bids):
    _signed_in(client, commissioner)
    lot = need.lots[0]
    response = post_form(
        client,
        f"/needs/{need.id}/lots/{lot.id}",
        lot_data(title="Lot one", budget="£50,000", reason="Typo in the lot's name", correction="y"),
        follow_redirects=True,
    )
    assert "No bid is affected" in page_text(response)
    amendment = db.session.scalar(sa.select(Amendment).where(Amendment.need_id == need.id))
    assert amendment.correction
    assert _states(*two_bids) == [BidState.SUBMITTED, BidState.SUBMITTED]
    public = page_text(client.get(f"/needs/{need.id}"))
    assert "Correction" in public and "A correction of wording: no bid already submitted is affected." in public


def test_a_correction_that_changes_a_budget_is_refused_with_nothing_written(client, need, commissioner, two_bids):
    _signed_in(client, commissioner)
    lot = need.lots[0]
    before = amendments.snapshot(need)
    events = count(AuditEvent)
    response = post_form(
        client,
        f"/needs/{need.id}/lots/{lot.id}",
        lot_data(title="Lot 1", budget="£60,000", reason="Only a typo", correction="y"),
    )
    assert response.status_code == 200
    [message] = error_summary(response)
    assert message == (
        "A correction can only change wording. This also changes Lot 1 (Lot 1): budget: untick the "
        "correction box to record it as a change that bidders must take into account"
    )
    html = page_text(response)
    assert "<title>Error:" in html and "£60,000" in html and "Only a typo" in html
    db.session.expire_all()
    assert amendments.snapshot(db.session.get(Need, need.id)) == before
    assert count(AuditEvent) == events and count(Amendment, Amendment.need_id == need.id) == 0


def test_removing_a_lot_with_bids_is_refused_on_the_page(client, need, commissioner, two_bids):
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{need.id}/lots/{need.lots[1].id}/remove", {"reason": "Not needed"})
    assert response.status_code == 200
    assert error_summary(response) == [
        "Providers have started bids on lot 2, so it cannot be removed. Change the lot instead, or cancel the need"
    ]
    assert count(Lot, Lot.need_id == need.id) == 2
