"""The provider's bid pages through HTTP: start a bid from a need, fill in each section,
check and submit with a receipt, withdraw and submit again, the lists of bids; bad input
in every field; who may see and do what."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
import sqlalchemy as sa
from markupsafe import escape

from marketplace.accounts.models import Membership, Role
from marketplace.bids import consortium, errors, lifecycle, submission
from marketplace.bids import drafting as bid_drafting
from marketplace.bids.models import Bid, BidDocument, BidRevision
from marketplace.extensions import db
from marketplace.needs import amendments, drafting
from marketplace.notifications import OutboxEmail
from marketplace.organisations.models import LegalForm
from marketplace.timeutil import london, utcnow

from .. import factories
from ..helpers import count, csrf_token, error_summary, page_text, post_form, sign_in

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def need(db_session):
    return factories.make_need(lots=(5_000_000, 2_000_000), title="Women's centre support")


@pytest.fixture
def provider(db_session):
    organisation = factories.make_organisation("Thanet Women's Project", charity_number="1123456")
    return factories.make_provider(organisation=organisation, name="Priya Provider")


def _signed_in(client, user):
    """Sign in as the sign-in page does (tests/accounts covers that page), without its
    deliberately slow password check, which would be most of these tests' time. Commits
    what the test has made so far, as signing in does, so that a view rolling back a
    refused change leaves it in place."""
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["two_factor_done"] = user.id  # and the code given, for staff
        session["_fresh"] = True
        session.permanent = True
    return user


def _fresh(bid) -> Bid:
    db.session.expire_all()
    return db.session.get(Bid, bid.id)


def _draft(need, provider, **kwargs) -> Bid:
    """A complete, unsubmitted bid."""
    return factories.make_bid(need, provider=provider, submit=False, **kwargs)


def _started(need, provider, lot=None) -> Bid:
    """A bid just started: nothing filled in but what the profile gives."""
    bid = bid_drafting.start_bid(lot or need.lots[0], organisation=provider.organisations[0], actor=provider)
    db.session.flush()
    return bid


def _close(need) -> None:
    """Close the need now. Committed (a savepoint in the tests), so that a view rolling
    back a refused change does not reopen it."""
    need.closes_at = utcnow() - timedelta(seconds=1)
    need.question_deadline = need.closes_at - timedelta(days=1)
    db.session.commit()


def _words(n: int) -> str:
    return " ".join(["word"] * n)


def _partner(bid, lead) -> "factories.User":
    """A member of a verified organisation that has confirmed its place as a partner."""
    member = factories.make_provider(name="Pat Partner")
    partner, _ = consortium.invite_partner(
        bid, organisation=member.organisations[0], work_percent=40, price_percent=40, actor=lead
    )
    consortium.set_shares(
        bid, lead_work_percent=60, lead_price_percent=60, partner_shares={partner.id: (40, 40)}, actor=lead
    )
    consortium.confirm_partner(partner, actor=member)
    db.session.flush()
    return member


# Starting a bid ------------------------------------------------------------------------


def test_provider_starts_a_bid_from_the_need_page_and_the_profile_is_reused(client, need, provider):
    provider.organisations[0].policies = ["safeguarding"]
    assert sign_in(client, provider.email).status_code == 302
    page = page_text(client.get(f"/needs/{need.id}"))
    assert f'href="/needs/{need.id}/bid"' in page and "Bid for this need" in page

    form = page_text(client.get(f"/needs/{need.id}/bid"))
    assert "Lot 1: Lot 1" in form and "£50,000" in form and "£20,000" in form and "Open to all" in form
    # The profile is never asked again.
    for asked in ("legal_form", "charity_number", "income_band", "company_number"):
        assert f'name="{asked}"' not in form

    response = post_form(client, f"/needs/{need.id}/bid", {"lot": str(need.lots[1].id)})
    assert response.status_code == 302
    bid = db.session.scalar(sa.select(Bid))
    assert bid.lot_id == need.lots[1].id and bid.organisation_id == provider.organisations[0].id
    assert response.headers["Location"] == f"/bids/{bid.id}"

    page = page_text(client.get(f"/bids/{bid.id}"))
    assert "About your organisation (from your profile)" in page
    assert "1123456" in page and "Registered charity" in page
    assert "A safeguarding policy" in page
    assert f'href="/organisations/{bid.organisation_id}/edit"' in page
    # The need page now links to the bid.
    assert f'href="/bids/{bid.id}"' in page_text(client.get(f"/needs/{need.id}"))


def test_a_member_of_two_organisations_chooses_one_and_cannot_forge_another(client, need, provider):
    second = factories.make_organisation("Margate Mentors CIC", legal_form=LegalForm.CIC)
    db.session.add(Membership(user=provider, organisation=second, role=Role.MEMBER))
    stranger = factories.make_organisation("Someone Else's Charity")
    db.session.flush()
    _signed_in(client, provider)
    form = page_text(client.get(f"/needs/{need.id}/bid"))
    assert "Which organisation is bidding?" in form
    assert "Margate Mentors CIC" in form and "Someone Else" not in form

    lot = str(need.lots[0].id)
    response = post_form(client, f"/needs/{need.id}/bid", {"lot": lot, "organisation": str(stranger.id)})
    assert response.status_code == 200
    assert error_summary(response) == ["Select the organisation that is bidding"]
    assert count(Bid) == 0

    response = post_form(client, f"/needs/{need.id}/bid", {"lot": lot, "organisation": str(second.id)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Bid)).organisation_id == second.id


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "Select the lot you are bidding for"),
        ({"lot": "not-a-number"}, "Select the lot you are bidding for"),
    ],
)
def test_start_needs_a_lot_of_this_need(client, need, provider, data, message):
    _signed_in(client, provider)
    response = post_form(client, f"/needs/{need.id}/bid", data)
    assert error_summary(response) == [message]
    assert count(Bid) == 0


def test_start_refuses_a_lot_of_another_need(client, need, provider):
    other = factories.make_need()
    _signed_in(client, provider)
    response = post_form(
        client, f"/needs/{need.id}/bid", {"lot": str(other.lots[0].id)}, from_url=f"/needs/{need.id}/bid"
    )
    assert error_summary(response) == ["Select the lot you are bidding for"]
    assert count(Bid) == 0


def test_start_refuses_a_second_bid_for_the_same_lot_and_links_the_first(client, need, provider):
    existing = _started(need, provider)
    _signed_in(client, provider)
    page = page_text(client.get(f"/needs/{need.id}/bid"))
    assert f'href="/bids/{existing.id}"' in page
    response = post_form(client, f"/needs/{need.id}/bid", {"lot": str(need.lots[0].id)})
    assert error_summary(response) == [
        f"{escape(provider.organisations[0].name)} already has a bid for this lot".replace("&#39;", "'")
    ]
    assert count(Bid) == 1


def test_start_refuses_politely_when_the_organisation_is_already_a_partner_on_the_lot(client, need, provider):
    lead = factories.make_provider()
    bid = _draft(need, lead)
    consortium.invite_partner(
        bid, organisation=provider.organisations[0], work_percent=30, price_percent=30, actor=lead
    )
    db.session.flush()
    _signed_in(client, provider)
    response = post_form(client, f"/needs/{need.id}/bid", {"lot": str(need.lots[0].id)})
    assert error_summary(response) == [
        f"{provider.organisations[0].name} is already a partner in another bid for this lot"
    ]
    assert count(Bid) == 1


@pytest.mark.parametrize("ending", ["closed", "withdrawn", "cancelled"])
def test_no_bid_can_be_started_on_a_need_that_is_not_open(client, provider, ending):
    need = factories.make_need(closes_in_days=-1 if ending == "closed" else 30)
    if ending != "closed":
        setattr(need, f"{ending}_at", utcnow())
        need.end_reason = "No longer needed"
    db.session.flush()
    _signed_in(client, provider)
    assert "Bid for this need" not in page_text(client.get(f"/needs/{need.id}"))
    response = client.get(f"/needs/{need.id}/bid")
    assert response.status_code == 200 and "This need is not open for bids" in page_text(response)
    response = post_form(client, f"/needs/{need.id}/bid", {"lot": str(need.lots[0].id)})
    assert "This need is not open for bids" in page_text(response)
    assert count(Bid) == 0


def test_a_draft_need_cannot_be_bid_for_or_even_seen(client, provider):
    need = factories.make_need(published=False)
    _signed_in(client, provider)
    assert client.get(f"/needs/{need.id}/bid").status_code == 404


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.EVALUATOR, None])
def test_only_providers_start_bids(client, need, role):
    user = factories.make_area_staff(role) if role else factories.make_user(admin=True)
    _signed_in(client, user)
    assert "Bid for this need" not in page_text(client.get(f"/needs/{need.id}"))
    assert client.get(f"/needs/{need.id}/bid").status_code == 403


def test_signed_out_start_goes_to_sign_in(client, need):
    response = client.get(f"/needs/{need.id}/bid")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in?next=")


# The task list -------------------------------------------------------------------------


def test_the_task_list_shows_each_section_and_what_is_missing(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}"))
    for title, url in (
        ("Answers to the quality questions", f"/bids/{bid.id}/answers"),
        ("Price", f"/bids/{bid.id}/price"),
        ("Social value", f"/bids/{bid.id}/social-value"),
        ("Local presence", f"/bids/{bid.id}/local-presence"),
        ("Declarations", f"/bids/{bid.id}/declarations"),
        ("Documents", f"/bids/{bid.id}/documents"),
    ):
        assert title in page and f'href="{url}"' in page
    assert "Consortium partners" in page
    assert "Incomplete" in page and "Cannot start yet" in page and "Draft" in page
    assert london(need.closes_at) in page

    bid_drafting.save_answers(bid, answers={need.criteria[0].id: "We listen."}, actor=provider)
    db.session.flush()
    page = page_text(client.get(f"/bids/{bid.id}"))
    answers_row = re.search(r"Answers to the quality questions.*?</li>", page, re.S).group(0)
    assert "Completed" in answers_row


# Sections: the happy paths -------------------------------------------------------------


def test_answers_are_saved_and_shown_again(client, need, provider):
    bid = _started(need, provider)
    criterion = need.criteria[0]
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/answers"))
    assert criterion.question in page
    assert 'data-maxwords="500"' in page and "govuk-character-count" in page
    response = post_form(
        client, f"/bids/{bid.id}/answers", {f"answer_{criterion.id}": "  A weekly drop-in with peer mentors.  "}
    )
    assert response.status_code == 302 and response.headers["Location"] == f"/bids/{bid.id}"
    assert _fresh(bid).answers == {str(criterion.id): "A weekly drop-in with peer mentors."}
    assert "A weekly drop-in with peer mentors." in page_text(client.get(f"/bids/{bid.id}/answers"))


def test_an_answer_over_its_word_limit_is_saved_as_typed_and_the_error_shown(client, need, provider):
    bid = _started(need, provider)
    criterion = need.criteria[0]
    text = _words(501)
    _signed_in(client, provider)
    response = post_form(client, f"/bids/{bid.id}/answers", {f"answer_{criterion.id}": text})
    assert response.status_code == 200
    assert error_summary(response) == ["Your answer to question 1 must be 500 words or fewer"]
    assert text in page_text(response)
    assert "saved as you typed them" in page_text(response)
    assert _fresh(bid).answers[str(criterion.id)] == text
    assert any("500" in p.message for p in submission.problems(_fresh(bid)))


def test_an_answer_of_10000_characters_in_a_few_words_is_kept_as_typed_but_cannot_be_submitted(client, need, provider):
    bid = _draft(need, provider)  # complete but for this answer
    criterion = need.criteria[0]
    text = " ".join(["x" * 1000] + ["x" * 999] * 9)
    assert len(text) == 10_000 and len(text.split()) == 10
    answers_url = f"/bids/{bid.id}/answers"
    _signed_in(client, provider)
    page = page_text(client.get(answers_url))
    assert 'data-maxwords="500"' in page and "No more than 5,000 characters, including spaces." in page
    response = post_form(client, answers_url, {f"answer_{criterion.id}": text})
    assert response.status_code == 200
    assert error_summary(response) == ["Your answer to question 1 must be 5,000 characters or fewer"]
    page = page_text(response)
    assert f'href="#answer_{criterion.id}"' in page and "<title>Error: " in page
    assert text in page and "saved as you typed them" in page
    assert _fresh(bid).answers[str(criterion.id)] == text  # no work lost
    # Opened again, the saved draft says what is wrong.
    assert error_summary(client.get(answers_url)) == ["Your answer to question 1 must be 5,000 characters or fewer"]
    # The check page blocks submission and links to the answer.
    message = "Your answer to question 1 has 10,000 characters; the limit is 5,000"
    response = client.get(f"/bids/{bid.id}/check")
    assert error_summary(response) == [message]
    assert f'href="{answers_url}#answer_{criterion.id}">{message}</a>' in page_text(response)
    assert "Submit bid" not in page_text(response)
    response = post_form(client, f"/bids/{bid.id}/check", from_url=f"/bids/{bid.id}")
    assert response.status_code == 200 and message in error_summary(response)
    assert count(BidRevision) == 0 and bid.latest_revision is None
    with pytest.raises(errors.BidError):
        submission.submit_bid(_fresh(bid), actor=provider)


def test_absurd_answers_are_refused_but_kept_in_the_page(client, need, provider):
    bid = _started(need, provider)
    criterion = need.criteria[0]
    _signed_in(client, provider)
    for text, message in (
        ("x" * 20_001, "Your answer to question 1 must be 5,000 characters or fewer"),
        ("We help \u202ewomen", "Your answer to question 1 must not contain hidden formatting characters"),
    ):
        response = post_form(client, f"/bids/{bid.id}/answers", {f"answer_{criterion.id}": text})
        assert error_summary(response) == [message]
        assert text in page_text(response)
        assert _fresh(bid).answers == {}


def test_an_empty_answer_may_be_saved_and_the_section_stays_incomplete(client, need, provider):
    bid = _started(need, provider)
    criterion = need.criteria[0]
    _signed_in(client, provider)
    response = post_form(client, f"/bids/{bid.id}/answers", {f"answer_{criterion.id}": "   "})
    assert response.status_code == 302
    assert _fresh(bid).answers == {str(criterion.id): ""}
    assert "answers" in {p.section for p in submission.problems(_fresh(bid))}


def test_answers_to_another_needs_questions_are_ignored(client, need, provider):
    bid = _started(need, provider)
    other = factories.make_need()
    _signed_in(client, provider)
    response = post_form(
        client,
        f"/bids/{bid.id}/answers",
        {f"answer_{need.criteria[0].id}": "Ours.", f"answer_{other.criteria[0].id}": "Theirs."},
    )
    assert response.status_code == 302
    assert _fresh(bid).answers == {str(need.criteria[0].id): "Ours."}


def _price_data(need, **overrides):
    # Advance 25%, milestones 40% and 35% (factories.make_need).
    data = {
        "price": "45,000",
        "people": "40",
        "part_advance": "11,250",
        f"part_{need.milestones[0].id}": "18,000",
        f"part_{need.milestones[1].id}": "15,750",
    }
    data.update(overrides)
    return data


def test_price_with_its_breakdown_by_payment(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/price"))
    assert "Advance at contract start (25%)" in page and "Six months (40%)" in page and "End of service (35%)" in page
    response = post_form(client, f"/bids/{bid.id}/price", _price_data(need))
    assert response.status_code == 302
    bid = _fresh(bid)
    assert bid.price_pence == 4_500_000 and bid.people == 40
    assert bid.price_breakdown == {
        "advance": 1_125_000,
        str(need.milestones[0].id): 1_800_000,
        str(need.milestones[1].id): 1_575_000,
    }
    page = page_text(client.get(f"/bids/{bid.id}/price"))
    assert 'value="45,000"' in page and 'value="11,250"' in page


def test_an_empty_breakdown_is_filled_in_by_the_payment_profile(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    data = _price_data(need, part_advance="", **{f"part_{m.id}": "" for m in need.milestones})
    data["price"] = "£10,000.01"
    response = post_form(client, f"/bids/{bid.id}/price", data)
    assert response.status_code == 302
    bid = _fresh(bid)
    assert bid.price_pence == 1_000_001
    assert bid.price_breakdown == bid_drafting.suggested_breakdown(bid, 1_000_001)
    assert sum(bid.price_breakdown.values()) == 1_000_001


BAD_PRICES = [
    ({"price": ""}, "Enter your total price"),
    ({"price": "lots"}, "Total price must be an amount of money, like £12,500 or £12,500.50"),
    ({"price": "-45000"}, "Total price must be more than £0"),
    ({"price": "0"}, "Total price must be more than £0"),
    ({"price": "£2,000,000,000"}, "Total price must be £1,000,000,000 or less"),
    ({"people": ""}, "Enter the number of people you will support"),
    ({"people": "forty"}, "Number of people you will support must be a whole number, like 40"),
    ({"people": "0"}, "Number of people you will support must be 1 or more"),
    ({"people": "2000000"}, "Number of people you will support must be 1,000,000 or less"),
    ({"part_advance": "11,000"}, "The payments add up to £44,750, not the total price of £45,000"),
    (
        {"part_advance": ""},
        "Enter the amount for Advance at contract start, or leave every payment empty to share the price by the payment profile",
    ),
    ({"part_advance": "-11,250"}, "The amount for Advance at contract start must be £0 or more"),
    (
        {"part_advance": "eleven"},
        "The amount for Advance at contract start must be an amount of money, like £12,500 or £12,500.50",
    ),
    ({"part_advance": "5,000,000,000"}, "The amount for Advance at contract start must be £1,000,000,000 or less"),
]


def test_bad_prices_are_refused_with_the_input_kept(client, need, provider):
    bid = _draft(need, provider)
    before = (bid.price_pence, dict(bid.price_breakdown), bid.people)
    _signed_in(client, provider)
    for overrides, message in BAD_PRICES:
        response = post_form(client, f"/bids/{bid.id}/price", _price_data(need, **overrides))
        assert response.status_code == 200, overrides
        assert error_summary(response) == [message], overrides
        for value in overrides.values():
            assert value == "" or f'value="{escape(value)}"' in page_text(response), overrides
        bid = _fresh(bid)
        assert (bid.price_pence, bid.price_breakdown, bid.people) == before, overrides


def test_social_value_is_saved_and_checked_against_its_limit(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/social-value"))
    assert 'data-maxwords="500"' in page
    response = post_form(client, f"/bids/{bid.id}/social-value", {"social_value": "Two paid posts."})
    assert response.status_code == 302 and _fresh(bid).social_value == "Two paid posts."

    response = post_form(client, f"/bids/{bid.id}/social-value", {"social_value": ""})
    assert error_summary(response) == ["Enter your social value commitments"]
    assert _fresh(bid).social_value == "Two paid posts."

    long = _words(501)
    response = post_form(client, f"/bids/{bid.id}/social-value", {"social_value": long})
    assert error_summary(response) == ["Your social value commitments must be 500 words or fewer"]
    assert long in page_text(response) and _fresh(bid).social_value == long


def test_local_presence_is_ticked_from_the_profile_and_can_be_none(client, need, provider):
    pdu = need.pdus[0]
    provider.organisations[0].pdus = [pdu]
    db.session.flush()
    bid = _started(need, provider)
    assert bid.local_pdu_ids == [pdu.id]
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/local-presence"))
    assert re.search(rf'value="{pdu.id}"\s+checked', page)
    assert 'data-behaviour="exclusive"' in page and "None of these" in page

    response = post_form(client, f"/bids/{bid.id}/local-presence", {"pdus": "none"})
    assert response.status_code == 302
    bid = _fresh(bid)
    assert bid_drafting.local_presence_none(bid) and bid_drafting.local_pdu_ids_of(bid) == []
    assert "local_presence" not in {p.section for p in submission.problems(bid)}
    assert submission.bid_content(bid)["no_local_presence"] is True
    assert re.search(r'value="none"\s+checked', page_text(client.get(f"/bids/{bid.id}/local-presence")))

    response = post_form(client, f"/bids/{bid.id}/local-presence", {"pdus": str(pdu.id)})
    assert response.status_code == 302 and _fresh(bid).local_pdu_ids == [pdu.id]


def test_bad_local_presence_is_refused(client, need, provider):
    bid = _draft(need, provider)
    before = list(bid.local_pdu_ids)
    outside = factories.area("N56ESXN")  # a delivery unit the need does not cover
    _signed_in(client, provider)
    for values, message in (
        ([], "Select the delivery units where you have staff or premises, or select 'None of these'"),
        ([str(outside.id)], "Select delivery units this need covers from the list"),
        ([str(need.pdus[0].id), "none"], "Select delivery units, or select 'None of these', not both"),
        (["1 OR 1=1"], "Select delivery units this need covers from the list"),
    ):
        response = post_form(client, f"/bids/{bid.id}/local-presence", {"pdus": values})
        assert response.status_code == 200, values
        assert error_summary(response) == [message], values
        assert _fresh(bid).local_pdu_ids == before, values


def test_declarations_show_what_the_profile_says_and_are_saved(client, need, provider):
    need.conditions = ["safeguarding", "dbs"]
    provider.organisations[0].policies = ["safeguarding"]
    db.session.flush()
    bid = _started(need, provider)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/declarations"))
    safeguarding = re.search(r"A safeguarding policy</td>.*?</td>", page, re.S).group(0)
    dbs = re.search(r"A process for DBS checks of staff and volunteers</td>.*?</td>", page, re.S).group(0)
    assert "Says you meet it" in safeguarding and "Not in your profile" in dbs
    assert 'data-maxwords="200"' in page

    response = post_form(
        client,
        f"/bids/{bid.id}/declarations",
        {
            "declarations": ["eligible", "no_conflict", "accurate"],
            "conflict_details": "Our chair sits on the reducing reoffending board.",
        },
    )
    assert response.status_code == 302
    bid = _fresh(bid)
    assert bid.declarations == ["eligible", "no_conflict", "accurate"]
    assert bid.conflict_details == "Our chair sits on the reducing reoffending board."

    response = post_form(client, f"/bids/{bid.id}/declarations", {"declarations": ["eligible"], "conflict_details": ""})
    assert response.status_code == 302 and _fresh(bid).declarations == ["eligible"]
    assert "declarations" in {p.section for p in submission.problems(_fresh(bid))}


def test_bad_declarations_are_refused_with_the_input_kept(client, need, provider):
    bid = _draft(need, provider)
    _signed_in(client, provider)
    response = post_form(
        client,
        f"/bids/{bid.id}/declarations",
        {"declarations": ["eligible", "bond_paid"], "conflict_details": "Kept text"},
    )
    assert error_summary(response) == ["Select declarations from the list"]
    assert "Kept text" in page_text(response)
    assert _fresh(bid).conflict_details == ""

    long = _words(201)
    response = post_form(
        client, f"/bids/{bid.id}/declarations", {"declarations": ["eligible"], "conflict_details": long}
    )
    assert error_summary(response) == ["The description of a conflict of interest must be 200 words or fewer"]
    assert long in page_text(response)
    assert _fresh(bid).conflict_details == long  # saved as typed; submission is blocked
    assert any("200 words" in p.message for p in submission.problems(_fresh(bid)))


def test_documents_are_uploaded_downloaded_by_parties_only_and_removed(client, need, provider):
    bid = _draft(need, provider)
    _signed_in(client, provider)
    response = post_form(
        client,
        f"/bids/{bid.id}/documents",
        {"document": (BytesIO(PDF), "Case study.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    document = db.session.scalar(sa.select(BidDocument))
    assert document.filename == "Case study.pdf"
    download = client.get(f"/bids/{bid.id}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "private, no-store"
    assert "Case study.pdf" in page_text(client.get(f"/bids/{bid.id}/check"))

    for data, message in (
        ({}, "Select a file to upload"),
        (
            {"document": (BytesIO(b"not a pdf"), "Fake.pdf")},
            "The selected file is not a real PDF file: it must be a PDF, ODT, DOCX, XLSX or CSV",
        ),
        ({"document": (BytesIO(b"MZ"), "virus.exe")}, "The selected file must be a PDF, ODT, DOCX, XLSX or CSV"),
    ):
        response = post_form(client, f"/bids/{bid.id}/documents", data, content_type="multipart/form-data")
        assert error_summary(response) == [message]
    assert count(BidDocument) == 1

    response = post_form(client, f"/bids/{bid.id}/documents/{document.id}/remove", from_url=f"/bids/{bid.id}/documents")
    assert response.status_code == 302
    assert _fresh(bid).current_documents == []
    assert client.get(f"/bids/{bid.id}/documents/{document.id}").status_code == 404

    # Another bid's document is not reachable through this bid.
    other = _draft(need, factories.make_provider())
    theirs = bid_drafting.add_document(other, filename="theirs.pdf", data=PDF, actor=other.created_by)
    db.session.flush()
    assert client.get(f"/bids/{bid.id}/documents/{theirs.id}").status_code == 404
    assert client.get(f"/bids/{other.id}/documents/{theirs.id}").status_code == 404


# Check, submit, receipt ----------------------------------------------------------------


def test_check_lists_every_problem_at_once_with_links(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    response = client.get(f"/bids/{bid.id}/check")
    messages = error_summary(response)
    assert messages == [p.message for p in submission.problems(bid)]
    assert len(messages) >= 5
    page = page_text(response)
    assert f'href="/bids/{bid.id}/price"' in page and f'href="/bids/{bid.id}/declarations"' in page
    assert "Submit bid" not in page


def test_submit_gives_a_receipt_and_a_double_submit_gives_the_same_one(client, need, provider):
    bid = _draft(need, provider)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/check"))
    assert "£50,000" in page and "We run a weekly drop-in" in page and "Submit bid" in page
    assert error_summary(client.get(f"/bids/{bid.id}/check")) == []

    response = post_form(client, f"/bids/{bid.id}/check")
    assert response.status_code == 302 and response.headers["Location"] == f"/bids/{bid.id}/revisions/1"
    revision = db.session.scalar(sa.select(BidRevision))
    receipt = page_text(client.get(f"/bids/{bid.id}/revisions/1"))
    assert "Bid submitted" in receipt and "govuk-panel" in receipt
    assert revision.digest in receipt and london(revision.submitted_at) in receipt
    assert "this is the revision that counts" in receipt
    assert "What happens next" in receipt
    emails = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == provider.email)).all()
    assert [e for e in emails if "Receipt" in e.subject]

    again = post_form(client, f"/bids/{bid.id}/check")
    assert again.headers["Location"] == f"/bids/{bid.id}/revisions/1"
    assert count(BidRevision) == 1

    page = page_text(client.get(f"/bids/{bid.id}"))
    assert "Submitted" in page and revision.digest in page
    assert "You have changes you have not submitted" not in page
    assert client.get(f"/bids/{bid.id}/revisions/2").status_code == 404


def test_a_change_after_submitting_is_flagged_and_a_new_revision_counts(client, need, provider):
    bid = factories.make_bid(need, provider=provider)
    _signed_in(client, provider)
    post_form(client, f"/bids/{bid.id}/social-value", {"social_value": "Three paid posts."})
    page = page_text(client.get(f"/bids/{bid.id}"))
    assert "You have changes you have not submitted" in page and "revision 1 is the one that counts" in page
    response = post_form(client, f"/bids/{bid.id}/check")
    assert response.headers["Location"] == f"/bids/{bid.id}/revisions/2"
    assert "You have changes you have not submitted" not in page_text(client.get(f"/bids/{bid.id}"))
    assert "This is not the revision that counts" in page_text(client.get(f"/bids/{bid.id}/revisions/1"))


def test_an_incomplete_bid_cannot_be_submitted(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    response = post_form(client, f"/bids/{bid.id}/check")
    assert response.status_code == 200
    assert error_summary(response)[0] == submission.problems(bid)[0].message
    assert count(BidRevision) == 0


def test_a_late_submit_is_refused_clearly_and_the_draft_kept(client, need, provider):
    bid = _draft(need, provider)
    _signed_in(client, provider)
    token = csrf_token(client, f"/bids/{bid.id}/check")
    _close(need)
    response = client.post(f"/bids/{bid.id}/check", data={"csrf_token": token})
    assert response.status_code == 200
    [message] = error_summary(response)
    assert message.startswith("This need closed at") and "your draft is kept" in message
    assert count(BidRevision) == 0
    assert _fresh(bid).price_pence == 5_000_000
    assert "This bid was not submitted in time" in page_text(client.get(f"/bids/{bid.id}"))


def test_after_closing_the_lead_sees_what_was_submitted_read_only(client, need, provider):
    bid = factories.make_bid(need, provider=provider)
    bid_drafting.save_social_value(bid, text="A change never submitted.", actor=provider)
    _close(need)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}"))
    assert "Revision 1 as submitted" in page and "is the bid that counts" in page
    assert "Two paid posts for women with lived experience." in page
    assert "A change never submitted." not in page
    assert f'href="/bids/{bid.id}/answers"' not in page

    response = client.get(f"/bids/{bid.id}/answers")
    assert response.status_code == 302 and response.headers["Location"] == f"/bids/{bid.id}"
    token = csrf_token(client, f"/bids/{bid.id}")
    response = client.post(f"/bids/{bid.id}/social-value", data={"csrf_token": token, "social_value": "Too late."})
    assert response.status_code == 200
    assert error_summary(response) == ["This need has closed: the bid can no longer be changed"]
    assert "Too late." in page_text(response)
    assert _fresh(bid).social_value == "A change never submitted."


def test_when_the_commissioner_withdraws_the_need_the_bid_is_read_only(client, need, provider):
    bid = _draft(need, provider)
    _signed_in(client, provider)
    token = csrf_token(client, f"/bids/{bid.id}/check")
    need.withdrawn_at = utcnow()
    need.end_reason = "The service is no longer funded"
    db.session.commit()
    page = page_text(client.get(f"/bids/{bid.id}"))
    assert "This need has been withdrawn. No bid for it will be considered: The service is no longer funded." in page
    assert client.get(f"/bids/{bid.id}/price").headers["Location"] == f"/bids/{bid.id}"
    response = client.post(f"/bids/{bid.id}/check", data={"csrf_token": token})
    assert error_summary(response) == ["This need is withdrawn. Your bid was not submitted; your draft is kept."]
    assert count(BidRevision) == 0


# Withdrawing ---------------------------------------------------------------------------


def test_withdraw_needs_a_reason_and_the_bid_can_be_submitted_again(client, need, provider):
    bid = factories.make_bid(need, provider=provider)
    _signed_in(client, provider)
    assert f'href="/bids/{bid.id}/withdraw"' in page_text(client.get(f"/bids/{bid.id}"))

    response = post_form(client, f"/bids/{bid.id}/withdraw", {"reason": "  "})
    assert error_summary(response) == ["Enter the reason for withdrawing the bid"]
    response = post_form(client, f"/bids/{bid.id}/withdraw", {"reason": "x" * 2001})
    assert error_summary(response) == ["The reason must be 2,000 characters or fewer"]
    assert _fresh(bid).withdrawn_at is None

    response = post_form(client, f"/bids/{bid.id}/withdraw", {"reason": "Our key worker has left."})
    assert response.status_code == 302
    bid = _fresh(bid)
    assert bid.withdrawn_reason == "Our key worker has left." and lifecycle.counting_revision(bid) is None
    page = page_text(client.get(f"/bids/{bid.id}"))
    assert "Withdrawn" in page and "Our key worker has left." in page
    assert client.get(f"/bids/{bid.id}/withdraw").status_code == 302  # already withdrawn

    bid_drafting.save_social_value(bid, text="A new plan.", actor=provider)
    db.session.flush()
    response = post_form(client, f"/bids/{bid.id}/check")
    assert response.headers["Location"] == f"/bids/{bid.id}/revisions/2"
    bid = _fresh(bid)
    assert bid.withdrawn_at is None and lifecycle.counting_revision(bid).number == 2


def test_withdraw_is_refused_after_closing(client, need, provider):
    bid = factories.make_bid(need, provider=provider)
    _signed_in(client, provider)
    token = csrf_token(client, f"/bids/{bid.id}/withdraw")
    _close(need)
    assert client.get(f"/bids/{bid.id}/withdraw").status_code == 302
    response = client.post(f"/bids/{bid.id}/withdraw", data={"csrf_token": token, "reason": "Changed our minds"})
    assert error_summary(response) == ["This need has closed: the bid can no longer be withdrawn"]
    assert _fresh(bid).withdrawn_at is None


def test_a_material_amendment_asks_for_reconfirmation(client, need, provider):
    bid = factories.make_bid(need, provider=provider)
    commissioner = need.created_by
    before = amendments.snapshot(need)
    drafting.save_criterion(
        need, question="How will you reach women in rural areas?", weight=60, word_limit=400, criterion=need.criteria[0]
    )
    db.session.flush()
    amendments.amend_need(need, before=before, actor=commissioner, reason="Clearer question")
    db.session.flush()
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}"))
    assert "Needs reconfirmation" in page and "submit it again" in page
    response = post_form(client, f"/bids/{bid.id}/check")
    assert response.headers["Location"] == f"/bids/{bid.id}/revisions/2"
    assert "Needs reconfirmation" not in page_text(client.get(f"/bids/{bid.id}"))


# Lists of bids -------------------------------------------------------------------------


def test_my_bids_and_home_list_every_bid_by_state(client, need, provider):
    draft = _started(need, provider, lot=need.lots[1])
    other_need = factories.make_need(title="Accommodation in Kent")
    submitted = factories.make_bid(other_need, provider=provider)
    lead = factories.make_provider()
    third = factories.make_need(title="Through the gate")
    partnered = _draft(third, lead)
    consortium.invite_partner(
        partnered, organisation=provider.organisations[0], work_percent=30, price_percent=30, actor=lead
    )
    db.session.flush()
    _signed_in(client, provider)
    for url in ("/bids", "/"):
        page = page_text(client.get(url))
        positions = [page.find(f"state-{state}") for state in ("draft", "waiting_for_partners", "submitted")]
        assert all(p >= 0 for p in positions) and positions == sorted(positions), url
        for bid in (draft, submitted, partnered):
            assert f'href="/bids/{bid.id}"' in page
        assert london(need.closes_at) in page
        assert "You are a partner" in page
    home = page_text(client.get("/"))
    assert 'href="/needs/following"' in home and 'href="/needs/saved-searches"' in home
    assert 'href="/bids"' in home  # the navigation


def test_my_bids_for_someone_without_an_organisation(client):
    user = factories.make_area_staff(Role.COMMISSIONER)
    _signed_in(client, user)
    page = page_text(client.get("/bids"))
    assert "Your account is not part of one" in page
    assert 'href="/bids"' not in page_text(client.get("/"))


# Who may do what -----------------------------------------------------------------------


def _urls(bid):
    document = bid.current_documents[0]
    return {
        "show": f"/bids/{bid.id}",
        "answers": f"/bids/{bid.id}/answers",
        "price": f"/bids/{bid.id}/price",
        "social_value": f"/bids/{bid.id}/social-value",
        "local_presence": f"/bids/{bid.id}/local-presence",
        "declarations": f"/bids/{bid.id}/declarations",
        "documents": f"/bids/{bid.id}/documents",
        "download": f"/bids/{bid.id}/documents/{document.id}",
        "check": f"/bids/{bid.id}/check",
        "receipt": f"/bids/{bid.id}/revisions/1",
        "withdraw": f"/bids/{bid.id}/withdraw",
    }


EDITS = ("answers", "price", "social_value", "local_presence", "declarations", "documents", "withdraw")


@pytest.fixture
def party_bid(need, provider):
    bid = _draft(need, provider)
    bid_drafting.add_document(bid, filename="plan.pdf", data=PDF, actor=provider)
    submission.submit_bid(bid, actor=provider)
    db.session.flush()
    return bid


def test_anonymous_users_are_sent_to_sign_in(client, party_bid):
    for name, url in _urls(party_bid).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response.headers["Location"].startswith("/sign-in?next="), name
    assert client.get("/bids").headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    "who", ["other provider", "commissioner", "commissioner elsewhere", "evaluator", "board member", "admin"]
)
def test_nobody_but_the_parties_knows_the_bid_exists(client, party_bid, who):
    user = {
        "other provider": lambda: factories.make_provider(),
        "commissioner": lambda: factories.make_area_staff(Role.COMMISSIONER, "N57EKNT"),
        "commissioner elsewhere": lambda: factories.make_area_staff(Role.COMMISSIONER, "N56ESXN"),
        "evaluator": lambda: factories.make_area_staff(Role.EVALUATOR, "N57EKNT"),
        "board member": lambda: factories.make_area_staff(Role.BOARD_MEMBER, "N57"),
        "admin": lambda: factories.make_user(admin=True),
    }[who]()
    _signed_in(client, user)
    token = csrf_token(client, "/")
    for name, url in _urls(party_bid).items():
        assert client.get(url).status_code == 404, name
        if name in EDITS or name == "check":
            assert (
                client.post(url, data={"csrf_token": token, "social_value": "x", "reason": "x"}).status_code == 404
            ), name
    assert count(BidRevision) == 1 and _fresh(party_bid).withdrawn_at is None


def test_a_partner_reads_the_bid_but_cannot_change_submit_or_withdraw_it(client, party_bid, provider):
    member = _partner(party_bid, provider)
    _signed_in(client, member)
    urls = _urls(party_bid)
    page = page_text(client.get(urls["show"]))
    assert "Only Thanet Women" in page and "We run a weekly drop-in" in page
    assert f'href="{urls["answers"]}"' not in page
    assert f'href="/bids/{party_bid.id}/share"' in page  # confirm or decline its share
    for name in ("check", "receipt", "download"):
        assert client.get(urls[name]).status_code == 200, name
    assert "Submit bid" not in page_text(client.get(urls["check"]))
    token = csrf_token(client, urls["show"])
    for name in EDITS + ("check",):
        assert client.get(urls[name]).status_code == (200 if name == "check" else 403), name
        response = client.post(
            urls[name], data={"csrf_token": token, "social_value": "Mine now", "reason": "x", "pdus": "none"}
        )
        assert response.status_code == 403, name
    bid = _fresh(party_bid)
    assert bid.social_value != "Mine now" and bid.withdrawn_at is None and len(bid.revisions) == 1


def test_a_member_who_left_the_organisation_loses_the_bid(client, party_bid, provider):
    _signed_in(client, provider)
    assert client.get(f"/bids/{party_bid.id}").status_code == 200
    provider.memberships[0].ended_at = utcnow()
    db.session.flush()
    assert client.get(f"/bids/{party_bid.id}").status_code == 404


# The organisation profile says which conditions it meets, once --------------------------


def test_the_profile_records_policies_once_and_every_bid_shows_them(client, need, provider):
    from marketplace.audit.models import AuditEvent

    organisation = provider.organisations[0]
    bid = _started(need, provider)
    _signed_in(client, provider)
    form = page_text(client.get(f"/organisations/{organisation.id}/edit"))
    assert "Which of these does your organisation have?" in form and 'value="safeguarding"' in form
    data = {
        "name": organisation.name,
        "legal_form": organisation.legal_form.value,
        "charity_number": organisation.charity_number,
        "company_number": "",
        "income_band": organisation.income_band.value,
        "contact_name": "Amira Hassan",
        "contact_email": "amira@example.org",
        "pdus": [],
        "specialisms": [],
    }
    response = post_form(client, f"/organisations/{organisation.id}/edit", {**data, "policies": ["bond"]})
    assert error_summary(response) == ["Select policies and arrangements from the list"]
    assert organisation.policies == []

    response = post_form(
        client, f"/organisations/{organisation.id}/edit", {**data, "policies": ["dbs", "safeguarding"]}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(organisation), organisation.id).policies == ["safeguarding", "dbs"]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "organisation.updated")).all()[-1]
    assert event.after["policies"] == ["dbs", "safeguarding"]
    page = page_text(client.get(f"/organisations/{organisation.id}"))
    assert "A safeguarding policy" in page and "A process for DBS checks of staff and volunteers" in page
    assert re.search(r'value="dbs"\s+checked', page_text(client.get(f"/organisations/{organisation.id}/edit")))
    # Reused, never retyped: the bid shows it, and the declaration says what it means for this need.
    assert "A process for DBS checks" in page_text(client.get(f"/bids/{bid.id}"))
    safeguarding = re.search(
        r"A safeguarding policy</td>.*?</td>", page_text(client.get(f"/bids/{bid.id}/declarations")), re.S
    )
    assert "Says you meet it" in safeguarding.group(0)
