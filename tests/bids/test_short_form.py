"""Bids on a need that uses the short grant form: three fixed questions and no separate
social value answer (it is part of question 3), so no social value section, problem or
page; the bid is submitted as any other."""

import pytest

from marketplace.bids import drafting, submission
from marketplace.bids.errors import BidError
from marketplace.extensions import db

from .. import factories
from ..helpers import page_text
from .test_pages import _signed_in

# The pages count working days to the closing time.
pytestmark = pytest.mark.clock


@pytest.fixture
def need(db_session):
    return factories.make_need(lots=(1_800_000,), short_form=True, title="Peer mentoring in Thanet")


def test_a_short_form_bid_has_no_social_value_section_and_can_be_submitted(client, need):
    provider = factories.make_provider()
    bid = factories.make_bid(need, provider=provider, submit=False)
    assert submission.problems(bid) == []
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}"))
    assert "Answers to the quality questions" in page and "Local presence" in page
    assert "Social value" not in page
    submission.submit_bid(bid, actor=provider)
    db.session.flush()
    assert bid.latest_revision is not None and bid.latest_revision.content["social_value"] == ""


def test_a_short_form_bids_social_value_page_is_not_found_and_a_save_is_refused(client, need):
    provider = factories.make_provider()
    bid = factories.make_bid(need, provider=provider, submit=False)
    _signed_in(client, provider)
    assert client.get(f"/bids/{bid.id}/social-value").status_code == 404
    with pytest.raises(BidError, match="social value is part of your answer to question 3"):
        drafting.save_social_value(bid, text="Two paid posts.", actor=provider)


def test_a_short_form_bids_check_page_shows_no_empty_social_value(client, need):
    provider = factories.make_provider()
    bid = factories.make_bid(need, provider=provider, submit=False)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/check"))
    assert "Question 3: What will change" in page
    assert "Social value commitments" not in page


def test_the_bids_social_value_limit_is_the_needs_own(client, db_session):
    need = factories.make_need(social_value_word_limit=200)
    provider = factories.make_provider()
    bid = factories.make_bid(need, provider=provider, submit=False)
    _signed_in(client, provider)
    assert 'data-maxwords="200"' in page_text(client.get(f"/bids/{bid.id}/social-value"))
    bid.social_value = " ".join(["word"] * 201)
    assert [p.message for p in submission.problems(bid)] == ["Social value commitments must be 200 words or fewer"]
