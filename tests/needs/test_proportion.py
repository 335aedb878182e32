"""Proportionate bids (needs/proportion.py): the word budget by the largest lot, refused
past it on every path (drafting, amending, publishing) with a message naming it; the
criteria step's budget used and left; the short grant form and its rules; the time a bid
takes, on the need's page and the bid's task list."""

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.needs import documents, drafting, proportion
from marketplace.needs.models import Amendment, Criterion, Need, NeedError, NeedStatus, Procedure

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in
from .test_manage import about_data, criterion_data, lot_data, weights_data

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SMALL_LOT = 1_800_000  # £18,000: a 600-word budget


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def commissioner(db_session):
    return factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")


@pytest.fixture
def small(commissioner):
    """A draft grant of one £18,000 lot asking 450 words: a 200-word question and 250 of
    social value, so 150 words are left."""
    need = factories.make_need(
        commissioner=commissioner, published=False, lots=(SMALL_LOT,), social_value_word_limit=250
    )
    need.criteria[0].word_limit = 200
    db.session.flush()
    return need


def _signed_in(client, user):
    assert sign_in(client, user.email).status_code == 302


def _fresh(need: Need) -> Need:
    db.session.expire_all()
    return db.session.get(Need, need.id)


# The budget ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("largest_lot", "words"),
    [(2_499_999, 600), (2_500_000, 1_200), (9_999_999, 1_200), (10_000_000, 2_000), (None, 2_000)],
    ids=["£24,999.99", "£25,000.00", "£99,999.99", "£100,000.00", "no lots"],
)
def test_the_word_budget_is_set_by_the_largest_lot_at_the_boundaries(largest_lot, words):
    assert proportion.budget_for(largest_lot) == words


def test_the_largest_lot_sets_the_budget_and_every_limit_counts(commissioner):
    need = factories.make_need(commissioner=commissioner, lots=(1_000_000, 3_000_000), social_value_word_limit=300)
    assert proportion.word_budget(need) == 1_200
    assert proportion.words_asked(need) == 500 + 300
    assert proportion.budget_reason(need) == "its largest lot is under £100,000"


def test_the_short_form_asks_for_its_three_questions_and_no_separate_social_value(commissioner):
    need = factories.make_need(commissioner=commissioner, lots=(SMALL_LOT,), short_form=True)
    assert proportion.words_asked(need) == 600 == proportion.word_budget(need)


def test_a_new_need_may_ask_for_the_most_until_its_lots_are_set(commissioner):
    need = drafting.create_need(area=factories.area("N57EKNT"), title="New", actor=commissioner)
    assert proportion.word_budget(need) == 2_000
    assert proportion.words_asked(need) == 250  # the new need's social value limit


# Refused past the budget, on every path --------------------------------------------------


def test_adding_a_question_past_the_budget_is_refused_naming_it(client, commissioner, small):
    _signed_in(client, commissioner)
    question = "What will you do in the first month?"
    before = (count(Criterion), count(AuditEvent))
    response = post_form(
        client, f"/needs/{small.id}/criteria/add", criterion_data(question=question, weight="10", word_limit="300")
    )
    assert response.status_code == 200
    assert error_summary(response) == [
        "This need may ask for 600 words in all, because its largest lot is under £25,000. "
        "These limits ask for 750 words: take off 150."
    ]
    assert question in page_text(response) and 'value="300"' in page_text(response)
    assert (count(Criterion), count(AuditEvent)) == before


def test_raising_a_questions_limit_past_the_budget_is_refused(client, commissioner, small):
    _signed_in(client, commissioner)
    criterion = small.criteria[0]
    response = post_form(
        client,
        f"/needs/{small.id}/criteria/{criterion.id}",
        criterion_data(question=criterion.question, word_limit="400"),
    )
    assert error_summary(response) == [
        "This need may ask for 600 words in all, because its largest lot is under £25,000. "
        "These limits ask for 650 words: take off 50."
    ]
    assert 'value="400"' in page_text(response)
    assert _fresh(small).criteria[0].word_limit == 200


def test_a_social_value_limit_past_the_budget_is_refused_by_its_field(client, commissioner, small):
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{small.id}/criteria", weights_data(social_value_word_limit="500"))
    assert error_summary(response) == [
        "This need may ask for 600 words in all, because its largest lot is under £25,000. "
        "These limits ask for 700 words: take off 100."
    ]
    assert 'id="social_value_word_limit-error"' in page_text(response)
    assert 'value="500"' in page_text(response)
    assert _fresh(small).social_value_word_limit == 250


def test_lowering_the_largest_lot_below_a_band_the_need_does_not_fit_is_refused(client, commissioner):
    need = factories.make_need(commissioner=commissioner, published=False)  # £50,000: 500 + 500 words
    _signed_in(client, commissioner)
    lot = need.lots[0]
    response = post_form(client, f"/needs/{need.id}/lots/{lot.id}", lot_data(budget="£20,000"))
    assert error_summary(response) == [
        "This need may ask for 600 words in all, because its largest lot is under £25,000. Its questions and "
        "social value ask for 1,000 words: take off 400. Shorten their word limits on the evaluation criteria "
        "step first, or keep the lot's budget."
    ]
    assert 'value="£20,000"' in page_text(response)
    assert _fresh(need).lots[0].value_pence == 5_000_000


def test_a_need_over_its_budget_cannot_be_published(client, commissioner):
    need = factories.make_need(commissioner=commissioner, published=False, lots=(2_000_000,))  # 1,000 of 600
    _signed_in(client, commissioner)
    message = (
        "This need may ask for 600 words in all, because its largest lot is under £25,000. "
        "These limits ask for 1,000 words: take off 400."
    )
    assert message in page_text(client.get(f"/needs/{need.id}/check"))
    response = post_form(client, f"/needs/{need.id}/publish", from_url=f"/needs/{need.id}/check")
    assert message in page_text(client.get(response.headers.get("Location", f"/needs/{need.id}/check")))
    assert _fresh(need).status == NeedStatus.DRAFT


@pytest.mark.clock
def test_an_amendment_past_the_budget_is_refused_and_nothing_is_recorded(client, commissioner):
    need = factories.make_need(commissioner=commissioner, social_value_word_limit=250, closes_in_days=40)
    _signed_in(client, commissioner)
    before = (count(Amendment), count(Criterion))
    response = post_form(
        client,
        f"/needs/{need.id}/criteria/add",
        criterion_data(word_limit="500", weight="10", reason="A question about partners"),
    )
    assert error_summary(response) == [
        "This need may ask for 1,200 words in all, because its largest lot is under £100,000. "
        "These limits ask for 1,250 words: take off 50."
    ]
    assert "A question about partners" in page_text(response)
    assert (count(Amendment), count(Criterion)) == before


def test_an_older_need_over_its_budget_may_still_be_shortened(commissioner):
    need = factories.make_need(commissioner=commissioner, published=False, lots=(2_000_000,))  # 1,000 of 600
    drafting.save_criterion(need, question="Shorter", weight=60, word_limit=300, criterion=need.criteria[0])
    assert proportion.words_asked(need) == 800
    with pytest.raises(NeedError, match="take off 250"):
        drafting.save_criterion(need, question="Longer", weight=60, word_limit=350, criterion=need.criteria[0])


# The criteria step -------------------------------------------------------------------------


def test_the_criteria_step_shows_the_budget_used_and_left(client, commissioner, small):
    _signed_in(client, commissioner)
    page = page_text(client.get(f"/needs/{small.id}/criteria"))
    assert "600 words (largest lot £18,000, under £25,000)" in page
    assert "450 words (questions 200 + social value 250)" in page
    assert "150 words" in page and "words more than its budget" not in page


def test_the_criteria_step_says_what_to_shorten_when_an_older_need_is_over(client, commissioner):
    need = factories.make_need(commissioner=commissioner, published=False, lots=(2_000_000,))
    _signed_in(client, commissioner)
    page = page_text(client.get(f"/needs/{need.id}/criteria"))
    assert "None: 400 words over" in page
    assert "This need asks for 400 words more than its budget of 600." in page


def test_a_new_question_starts_at_300_words_or_what_the_budget_leaves(client, commissioner, small):
    _signed_in(client, commissioner)
    assert 'value="150"' in page_text(client.get(f"/needs/{small.id}/criteria/add"))
    small.social_value_word_limit = 380  # 20 left: a new question starts at the least, 50
    db.session.flush()
    assert 'value="50"' in page_text(client.get(f"/needs/{small.id}/criteria/add"))
    roomy = factories.make_need(commissioner=commissioner, published=False, social_value_word_limit=100)
    assert 'value="300"' in page_text(client.get(f"/needs/{roomy.id}/criteria/add"))


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("lots", "Word limit for the social value answer must be a whole number, like 250"),
        ("0", "Word limit for the social value answer must be 50 or more"),
        ("501", "Word limit for the social value answer must be 500 or less"),
        ("", "Enter the word limit for the social value answer"),
    ],
)
def test_bad_social_value_limits_are_refused_and_kept(client, commissioner, small, typed, message):
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{small.id}/criteria", weights_data(social_value_word_limit=typed))
    assert response.status_code == 200 and error_summary(response) == [message]
    assert f'value="{typed}"' in page_text(response) or typed == ""
    assert _fresh(small).social_value_word_limit == 250


def test_the_social_value_limit_is_saved_within_the_budget(client, commissioner, small):
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{small.id}/criteria", weights_data(social_value_word_limit="400"))
    assert response.status_code == 302
    assert _fresh(small).social_value_word_limit == 400


# The short grant form ------------------------------------------------------------------------


def test_the_short_form_is_offered_only_to_a_grant_with_every_lot_under_25000(client, commissioner, small):
    _signed_in(client, commissioner)
    assert "Choose the short grant form" in page_text(client.get(f"/needs/{small.id}/criteria"))
    contract = factories.make_need(
        commissioner=commissioner, published=False, lots=(SMALL_LOT,), procedure=Procedure.CONTRACT
    )
    big = factories.make_need(commissioner=commissioner, published=False, lots=(SMALL_LOT, 2_500_000))
    for need in (contract, big):
        assert "short grant form" not in page_text(client.get(f"/needs/{need.id}/criteria"))
        response = client.get(f"/needs/{need.id}/criteria/form")
        assert response.status_code == 302
        assert "Only a grant with every lot under £25,000 can use the short grant form." in page_text(
            client.get(response.headers["Location"])
        )
        with pytest.raises(NeedError, match="Only a grant"):
            drafting.set_short_form(need, True)


def test_choosing_the_short_form_puts_its_three_fixed_questions_in_place(client, commissioner, small):
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{small.id}/criteria/form", {})
    assert error_summary(response) == ["Select the short grant form or your own questions"]
    response = post_form(client, f"/needs/{small.id}/criteria/form", {"short_form": "short"})
    assert response.status_code == 302
    need = _fresh(small)
    assert need.short_form
    assert [(c.question, c.word_limit, c.weight) for c in need.criteria] == [
        (q, limit, 20) for q, limit in proportion.SHORT_FORM_QUESTIONS
    ]
    assert proportion.words_asked(need) == 600
    page = page_text(client.get(f"/needs/{need.id}/criteria"))
    assert "This need uses the short grant form" in page and "Add a quality question" not in page
    assert "social value is part of question 3" in page
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "need.edited").order_by(AuditEvent.id.desc())
    )
    assert event.after["criteria"]["short_form"] is True


def test_the_short_forms_questions_keep_their_wording_and_limits(client, commissioner):
    need = factories.make_need(commissioner=commissioner, published=False, lots=(SMALL_LOT,), short_form=True)
    _signed_in(client, commissioner)
    third = need.criteria[2]
    response = post_form(
        client,
        f"/needs/{need.id}/criteria/{third.id}",
        {"question": "Something else", "word_limit": "500", "weight": "25"},
    )
    assert response.status_code == 302
    third = _fresh(need).criteria[2]
    assert (third.question, third.word_limit, third.weight) == (*proportion.SHORT_FORM_QUESTIONS[2], 25)
    response = client.get(f"/needs/{need.id}/criteria/add")
    assert response.status_code == 302 and len(_fresh(need).criteria) == 3
    response = post_form(client, f"/needs/{need.id}/criteria/{third.id}/remove", {})
    assert "The short grant form has three fixed questions" in page_text(response)
    assert len(_fresh(need).criteria) == 3
    with pytest.raises(NeedError, match="fixed"):
        drafting.save_criterion(need, question="Other", weight=20, word_limit=200, criterion=need.criteria[0])


def test_a_short_form_need_cannot_become_a_contract_or_have_a_lot_of_25000(client, commissioner):
    need = factories.make_need(commissioner=commissioner, published=False, lots=(SMALL_LOT,), short_form=True)
    _signed_in(client, commissioner)
    response = post_form(client, f"/needs/{need.id}/about", about_data(procedure="contract"))
    assert error_summary(response) == [
        "This need uses the short grant form, which is only for grants. To let it as a contract, "
        "choose 'your own questions' on the evaluation criteria step first"
    ]
    assert 'id="procedure-error"' in page_text(response)
    lot = need.lots[0]
    response = post_form(client, f"/needs/{need.id}/lots/{lot.id}", lot_data(budget="£25,000"))
    assert error_summary(response) == [
        "This need uses the short grant form, so every lot must be under £25,000. Keep the budget under that, "
        "or choose 'your own questions' on the evaluation criteria step first"
    ]
    need = _fresh(need)
    assert need.procedure == Procedure.GRANT and need.lots[0].value_pence == SMALL_LOT


def test_your_own_questions_keeps_the_three_as_ordinary_questions(client, commissioner):
    need = factories.make_need(commissioner=commissioner, published=False, lots=(SMALL_LOT,), short_form=True)
    _signed_in(client, commissioner)
    assert post_form(client, f"/needs/{need.id}/criteria/form", {"short_form": "own"}).status_code == 302
    need = _fresh(need)
    assert not need.short_form and len(need.criteria) == 3
    # The social value answer is back, and counts: 600 + 500 is over the budget until shortened.
    assert proportion.words_asked(need) == 1_100
    criterion = need.criteria[0]
    response = post_form(
        client,
        f"/needs/{need.id}/criteria/{criterion.id}",
        criterion_data(question="What will you do, week by week?", word_limit="100", weight="20"),
    )
    assert response.status_code == 302 and _fresh(need).criteria[0].question == "What will you do, week by week?"


@pytest.mark.clock
def test_a_published_needs_form_cannot_change(client, commissioner):
    need = factories.make_need(commissioner=commissioner, lots=(SMALL_LOT,), short_form=True)
    _signed_in(client, commissioner)
    response = client.get(f"/needs/{need.id}/criteria/form")
    assert response.status_code == 302
    assert "A published need&#39;s form cannot change." in page_text(client.get(response.headers["Location"]))
    with pytest.raises(NeedError, match="A published need's form cannot change"):
        drafting.set_short_form(need, False)


# The time a bid takes ------------------------------------------------------------------------


def _hand_worked(commissioner):
    """500 words to read and a document; one lot, one question of 500 words and 500 of
    social value."""
    need = factories.make_need(commissioner=commissioner, closes_in_days=40)
    need.summary = " ".join(["word"] * 380)
    need.cohort = " ".join(["women"] * 10)
    need.lots[0].title, need.lots[0].description = "Thanet", " ".join(["work"] * 9)
    need.criteria[0].question = " ".join(["question"] * 100)
    need.conditions = []
    documents.store_document(need, filename="Specification.pdf", data=PDF, actor=commissioner)
    db.session.flush()
    return need


def test_the_estimate_of_a_hand_worked_need(commissioner):
    estimate = proportion.estimate(_hand_worked(commissioner))
    # Reading: 500 words at 200 a minute (2.5, so 3) and 2 minutes for the document.
    assert (estimate.reading_words, estimate.documents, estimate.reading_minutes) == (500, 1, 5)
    # Pages: start, the task list 6 times, 5 sections, check, receipt. Fields: the question,
    # price, people, social value, local presence, declarations. 20 s each: 400 s, so 7.
    assert (estimate.pages, estimate.fields, estimate.form_minutes) == (14, 6, 7)
    # Writing: two thirds of 1,000 words at 15 a minute (44.4, so 45); to the limit 66.7, so 67.
    assert (estimate.words_asked, estimate.writing_minutes) == (1_000, 45)
    assert (estimate.total_minutes, estimate.total_at_limit_minutes) == (57, 79)


def test_the_short_form_takes_fewer_pages_and_fields(commissioner):
    need = factories.make_need(commissioner=commissioner, lots=(SMALL_LOT,), short_form=True)
    estimate = proportion.estimate(need)
    assert (estimate.pages, estimate.fields, estimate.words_asked) == (12, 7, 600)
    assert estimate.writing_minutes == 27  # 400 words at 15 a minute


def test_a_choice_of_lots_is_a_field(commissioner):
    need = factories.make_need(commissioner=commissioner, lots=(1_000_000, 1_000_000))
    assert proportion.estimate(need).fields == 7


@pytest.mark.clock
def test_the_needs_page_and_the_bids_task_list_show_the_estimate(client, commissioner):
    need = _hand_worked(commissioner)
    page = page_text(client.get(f"/needs/{need.id}"))
    assert "A bid for this need takes about 57 minutes." in page
    assert "How we worked this out" in page and "14 pages and 6 fields" in page
    assert "Written to every word limit, a bid takes about 79 minutes." in page
    provider = factories.make_provider()
    bid = factories.make_bid(need, provider=provider, submit=False)
    _signed_in(client, provider)
    assert "A bid for this need takes about 57 minutes." in page_text(client.get(f"/bids/{bid.id}"))
