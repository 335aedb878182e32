"""Asked once, reused everywhere: a bid filled in from the organisation's profile, the task
list marking what the profile completed, the profile's policies and safeguarding fixed
into what is submitted, and "Use an earlier answer": only the organisation's own, searched,
copied as typing would, refused to anyone else."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import drafting, reuse, submission
from marketplace.bids.models import Bid, BidRevision
from marketplace.extensions import db
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count, error_summary, page_text, post_form

STATEMENT = "We employ women with lived experience as paid peer mentors in every town we work in."
SAFEGUARDING = "Our safeguarding lead is Jo Smith; every mentor has an enhanced DBS check."


@pytest.fixture
def need(db_session):
    return factories.make_need(title="Women's centre support")


@pytest.fixture
def organisation(db_session):
    return factories.make_organisation(
        "Thanet Women's Project",
        social_value_statement=STATEMENT,
        safeguarding=SAFEGUARDING,
        policies=["safeguarding", "dbs"],
    )


@pytest.fixture
def provider(organisation, need):
    organisation.pdus = list(need.pdus)
    return factories.make_provider(organisation=organisation)


def _signed_in(client, user):
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["two_factor_done"] = user.id
        session["_fresh"] = True
        session.permanent = True
    return user


def _started(need, provider) -> Bid:
    bid = drafting.start_bid(need.lots[0], organisation=provider.organisations[0], actor=provider)
    db.session.flush()
    return bid


def _fresh(bid) -> Bid:
    db.session.expire_all()
    return db.session.get(Bid, bid.id)


def _earlier_bid(provider, *, answer: str, social_value: str = "", title: str = "Housing advice", submit=True):
    """An earlier bid of the provider's organisation on another need, answered with `answer`."""
    other = factories.make_need(title=title)
    bid = factories.make_bid(other, provider=provider, submit=False)
    drafting.save_answers(bid, answers={other.criteria[0].id: answer}, actor=provider)
    if social_value:
        drafting.save_social_value(bid, text=social_value, actor=provider)
    if submit:
        submission.submit_bid(bid, actor=provider)
    return bid


def _references(html: str) -> list[str]:
    return re.findall(r'name="source" value="([0-9a-f]+)"', html)


# Filled in from the profile -----------------------------------------------------------------


def test_a_new_bid_takes_its_social_value_and_local_presence_from_the_profile(need, provider):
    bid = _started(need, provider)
    assert bid.social_value == STATEMENT
    assert bid.local_pdu_ids == [p.id for p in need.pdus]
    assert drafting.social_value_from_profile(bid) and drafting.local_presence_from_profile(bid)


def test_the_social_value_page_says_it_came_from_the_profile_until_it_is_changed(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/social-value"))
    assert "Filled in from your organisation" in page and "Changes here are for this bid only" in page
    response = post_form(client, f"/bids/{bid.id}/social-value", {"social_value": STATEMENT + " And in Margate."})
    assert response.status_code == 302
    assert "Filled in from your organisation" not in page_text(client.get(f"/bids/{bid.id}/social-value"))


def _task_hints(html: str) -> dict[str, bool]:
    """Each task list section title, with whether it carries the profile's hint."""
    items = re.findall(r'<li class="govuk-task-list__item.*?</li>', html, re.S)
    return {
        re.search(r"govuk-task-list__(?:link|name-and-hint)[^>]*>\s*(?:<a[^>]*>)?\s*([^<]+)", item)
        .group(1)
        .strip(): "From your organisation" in item
        for item in items
    }


def test_the_task_list_marks_sections_completed_from_the_profile(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    hints = _task_hints(page_text(client.get(f"/bids/{bid.id}")))
    assert hints["Social value"] and hints["Local presence"]
    assert not hints["Price"] and not hints["Answers to the quality questions"]
    assert page_text(client.get(f"/bids/{bid.id}")).count("From your organisation's profile") == 2


def test_changing_a_section_from_the_profile_clears_its_mark(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    post_form(client, f"/bids/{bid.id}/social-value", {"social_value": "Only for this bid."})
    post_form(client, f"/bids/{bid.id}/local-presence", {"pdus": "none"})
    hints = _task_hints(page_text(client.get(f"/bids/{bid.id}")))
    assert not hints["Social value"] and not hints["Local presence"]


def test_a_profile_without_a_statement_leaves_social_value_to_be_written(need, db_session):
    provider = factories.make_provider()
    bid = _started(need, provider)
    assert bid.social_value == "" and not drafting.social_value_from_profile(bid)
    assert any(p.section == "social_value" for p in submission.problems(bid))


# Policies and safeguarding, fixed into what is submitted ------------------------------------


def test_the_declarations_page_shows_the_profiles_safeguarding_beside_eligibility(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/declarations"))
    assert str(escape(SAFEGUARDING)) in page and "Says you meet it" in page


def test_what_is_submitted_holds_the_profiles_policies_and_safeguarding_as_they_were(client, need, provider):
    bid = factories.make_bid(need, provider=provider)
    content = bid.latest_revision.content
    assert content["profile"]["safeguarding"] == SAFEGUARDING
    assert content["profile"]["policies"] == [
        "A safeguarding policy",
        "A process for DBS checks of staff and volunteers",
    ]
    provider.organisations[0].safeguarding = "Changed after submitting."
    db.session.flush()
    assert _fresh(bid).latest_revision.content["profile"]["safeguarding"] == SAFEGUARDING
    assert submission.has_unsubmitted_changes(_fresh(bid))  # the profile now says otherwise
    factories.close_need(need)
    evaluator = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")
    _signed_in(client, evaluator)
    seen = page_text(client.get(f"/needs/{need.id}/bids/{bid.id}"))
    assert str(escape(SAFEGUARDING)) in seen and "Changed after submitting." not in seen


def test_a_revision_submitted_before_bids_held_the_profile_has_no_unsubmitted_changes(need, provider):
    bid = factories.make_bid(need, provider=provider)
    revision = bid.latest_revision
    legacy = {k: v for k, v in revision.content.items() if k != "profile"}
    revision.content, revision.digest = legacy, submission.digest_of(legacy)
    db.session.flush()
    bid = _fresh(bid)
    assert not submission.has_unsubmitted_changes(bid)
    assert bid.latest_revision.digest == submission.digest_of(legacy)  # unchanged, still its content's


def test_a_profile_saying_nothing_of_policies_or_safeguarding_leaves_the_content_as_before(need, db_session):
    bid = factories.make_bid(need, provider=factories.make_provider())
    content = submission.bid_content(bid)
    assert "profile" not in content
    assert bid.latest_revision.digest == submission.digest_of(content)
    assert not submission.has_unsubmitted_changes(bid)


# Use an earlier answer ------------------------------------------------------------------------


def test_earlier_answers_list_the_organisations_own_drafts_and_revisions(client, need, provider):
    _earlier_bid(provider, answer="Submitted answer about tenancy sustainment.", title="Housing advice")
    draft = _earlier_bid(provider, answer="Draft answer about debt advice.", title="Money matters", submit=False)
    bid = _started(need, provider)
    criterion = need.criteria[0]
    _signed_in(client, provider)
    answers_page = page_text(client.get(f"/bids/{bid.id}/answers"))
    button = re.search(r"<button[^>]*>", answers_page[answers_page.index("Use an earlier answer") - 400 :])
    assert 'name="earlier"' in button.group(0) and f'value="{criterion.id}"' in button.group(0)
    page = page_text(client.get(f"/bids/{bid.id}/answers/{criterion.id}/earlier"))
    assert "Submitted answer about tenancy sustainment." in page and "Housing advice" in page
    assert "Draft answer about debt advice." in page and "Money matters" in page
    assert str(escape(STATEMENT)) in page  # the profile's statement
    assert page.index("Draft answer about debt advice.") < page.index("Submitted answer about tenancy")  # newest first
    assert page.count("Two paid posts for women with lived experience.") == 1  # the same text once
    assert draft.id != bid.id


def test_another_organisations_answers_are_never_listed_even_searched_by_their_words(client, need, provider):
    other = factories.make_provider()
    _earlier_bid(other, answer="Secret-rival-marker: our confidential model.", title="Rival need")
    bid = _started(need, provider)
    _signed_in(client, provider)
    url = f"/bids/{bid.id}/answers/{need.criteria[0].id}/earlier"
    for page in (client.get(url), client.get(url, query_string={"q": "Secret-rival-marker confidential"})):
        assert "our confidential model" not in page_text(page) and "Rival need" not in page_text(page)


def test_a_partner_is_refused_and_an_outsider_is_not_told_the_bid_exists(client, need, provider):
    from marketplace.bids import consortium

    bid = _started(need, provider)
    partner_user = factories.make_provider()
    consortium.invite_partner(
        bid, organisation=partner_user.organisations[0], work_percent=30, price_percent=30, actor=provider
    )
    for user, status in ((partner_user, 403), (factories.make_provider(), 404)):
        _signed_in(client, user)
        for url in (f"/bids/{bid.id}/answers/{need.criteria[0].id}/earlier", f"/bids/{bid.id}/social-value/earlier"):
            assert client.get(url).status_code == status


def test_the_search_needs_every_word_in_any_case(client, need, provider):
    _earlier_bid(provider, answer="Mentoring for women leaving prison.", title="Through the gate")
    _earlier_bid(provider, answer="Mentoring for young men.", title="Young adults")
    bid = _started(need, provider)
    _signed_in(client, provider)
    url = f"/bids/{bid.id}/answers/{need.criteria[0].id}/earlier"
    page = page_text(client.get(url, query_string={"q": "MENTORING women"}))
    assert "Mentoring for women leaving prison." in page and "Mentoring for young men." not in page
    assert "No earlier" not in page
    nothing = page_text(client.get(url, query_string={"q": "mentoring astronauts"}))
    assert "Mentoring for" not in nothing and "Search with fewer words" in nothing


def test_a_search_too_long_is_refused_with_a_govuk_error(client, need, provider):
    bid = _started(need, provider)
    _signed_in(client, provider)
    response = client.get(f"/bids/{bid.id}/social-value/earlier", query_string={"q": "x" * 201})
    assert response.status_code == 200
    assert "The search must be 200 characters or fewer" in error_summary(response)
    assert page_text(response).count("The search must be 200 characters or fewer") == 2  # and by the box


def test_at_most_twenty_are_shown_with_how_many_there_are(client, need, provider, monkeypatch):
    bid = _started(need, provider)
    many = [
        reuse.Earlier(f"Answer number {i}.", "A question", "A need", utcnow() - timedelta(days=i), None, "1")
        for i in range(25)
    ]
    monkeypatch.setattr(reuse, "_from_revisions", lambda organisation_id: many)
    _signed_in(client, provider)
    page = page_text(client.get(f"/bids/{bid.id}/answers/{need.criteria[0].id}/earlier"))
    assert "Showing 20 of 26: search to narrow them down" in page  # and the profile's statement
    assert len(_references(page)) == 20


def test_using_an_earlier_answer_copies_it_into_the_bid_audited(client, need, provider):
    _earlier_bid(provider, answer="Our tried and tested drop-in model.", title="Housing advice")
    bid = _started(need, provider)
    criterion = need.criteria[0]
    _signed_in(client, provider)
    url = f"/bids/{bid.id}/answers/{criterion.id}/earlier"
    page = page_text(client.get(url, query_string={"q": "tried tested"}))
    assert 'data-prevent-double-click="true"' in page
    [reference] = _references(page)
    events = count(AuditEvent, AuditEvent.action == "bid.draft_saved")
    response = post_form(client, url, {"source": reference}, from_url=f"{url}?q=tried")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/bids/{bid.id}/answers#answer_{criterion.id}")
    assert _fresh(bid).answers[str(criterion.id)] == "Our tried and tested drop-in model."
    assert count(AuditEvent, AuditEvent.action == "bid.draft_saved") == events + 1
    shown = page_text(client.get(response.headers["Location"]))
    assert "Answer copied from ‘Housing advice’. Check it answers this question, and edit it." in shown


def test_using_an_earlier_social_value_copies_it(client, need, provider):
    _earlier_bid(provider, answer="Any answer.", social_value="Volunteering days for our staff.")
    bid = _started(need, provider)
    _signed_in(client, provider)
    url = f"/bids/{bid.id}/social-value/earlier"
    [reference] = _references(page_text(client.get(url, query_string={"q": "volunteering days"})))
    response = post_form(client, url, {"source": reference})
    assert response.headers["Location"].endswith(f"/bids/{bid.id}/social-value#social_value")
    assert _fresh(bid).social_value == "Volunteering days for our staff."


def test_an_answer_copied_over_the_limit_is_saved_shown_as_an_error_and_blocks_submission(client, need, provider):
    long_answer = " ".join(["word"] * (need.criteria[0].word_limit + 1))
    _earlier_bid(provider, answer=long_answer, submit=False)
    bid = factories.make_bid(need, provider=provider, submit=False)
    criterion = need.criteria[0]
    _signed_in(client, provider)
    url = f"/bids/{bid.id}/answers/{criterion.id}/earlier"
    [reference] = _references(page_text(client.get(url, query_string={"q": "word"})))
    response = post_form(client, url, {"source": reference})
    assert response.status_code == 302
    assert _fresh(bid).answers[str(criterion.id)] == long_answer
    message = f"Your answer to question 1 must be {criterion.word_limit} words or fewer"
    assert message in page_text(client.get(f"/bids/{bid.id}/answers"))
    assert any(p.field == f"answer_{criterion.id}" for p in submission.problems(_fresh(bid)))
    before = count(BidRevision)
    assert post_form(client, f"/bids/{bid.id}/check", {}).status_code in (200, 302)
    assert count(BidRevision) == before


@pytest.mark.parametrize("whose", ["unknown", "another organisation's"])
def test_an_unknown_or_foreign_source_is_404_and_writes_nothing(client, need, provider, whose):
    other = factories.make_provider()
    foreign = _earlier_bid(other, answer="Their own words.")
    reference = reuse.reference_of("Their own words.") if whose != "unknown" else "0" * 32
    assert foreign.organisation_id != provider.organisations[0].id
    bid = _started(need, provider)
    _signed_in(client, provider)
    events = count(AuditEvent)
    for url in (f"/bids/{bid.id}/answers/{need.criteria[0].id}/earlier", f"/bids/{bid.id}/social-value/earlier"):
        assert post_form(client, url, {"source": reference}).status_code == 404
    assert count(AuditEvent) == events
    bid = _fresh(bid)
    assert bid.answers == {} and bid.social_value == STATEMENT


def test_a_question_of_another_need_is_404(client, need, provider):
    other = factories.make_need()
    bid = _started(need, provider)
    _signed_in(client, provider)
    assert client.get(f"/bids/{bid.id}/answers/{other.criteria[0].id}/earlier").status_code == 404


def test_after_closing_the_list_and_the_copy_send_the_lead_to_the_bid(client, need, provider):
    _earlier_bid(provider, answer="Words to copy.")
    bid = _started(need, provider)
    url = f"/bids/{bid.id}/answers/{need.criteria[0].id}/earlier"
    _signed_in(client, provider)
    token_page = page_text(client.get(url, query_string={"q": "words copy"}))
    [reference] = _references(token_page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', token_page).group(1)
    need.closes_at = utcnow() - timedelta(seconds=1)
    need.question_deadline = need.closes_at - timedelta(days=1)
    db.session.commit()
    for response in (client.get(url), client.post(url, data={"source": reference, "csrf_token": token})):
        assert response.status_code == 302 and response.headers["Location"].endswith(f"/bids/{bid.id}")
    assert _fresh(bid).answers == {}


def test_the_earlier_answers_are_read_in_two_queries_however_many_bids(need, provider):
    for i in range(4):
        _earlier_bid(provider, answer=f"Answer {i}.", title=f"Need {i}")
    bid = _started(need, provider)
    statements = []

    def counted(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", counted)
    try:
        found = reuse.earlier_texts(provider.organisations[0], bid=bid, key=str(need.criteria[0].id))
    finally:
        sa.event.remove(engine, "before_cursor_execute", counted)
    assert len(statements) == 2
    assert {"Answer 0.", "Answer 3."} <= {e.text for e in found}


def test_the_commissioning_side_still_cannot_read_a_bid_before_closing(client, need, provider):
    bid = factories.make_bid(need, provider=provider)
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")
    _signed_in(client, commissioner)
    refused = client.get(f"/needs/{need.id}/bids/{bid.id}")
    assert refused.status_code == 403 and str(escape(SAFEGUARDING)) not in page_text(refused)
    for url in (f"/bids/{bid.id}/answers/{need.criteria[0].id}/earlier", f"/bids/{bid.id}/social-value/earlier"):
        assert client.get(url).status_code == 404


def test_choosing_an_earlier_answer_first_saves_what_was_typed_in_every_box(client, need, provider):
    bid = _started(need, provider)
    criterion = need.criteria[0]
    _signed_in(client, provider)
    response = post_form(
        client,
        f"/bids/{bid.id}/answers",
        {f"answer_{criterion.id}": "Typed before choosing.", "earlier": str(criterion.id)},
    )
    assert response.headers["Location"] == f"/bids/{bid.id}/answers/{criterion.id}/earlier"
    db.session.refresh(bid)
    assert bid.answers[str(criterion.id)] == "Typed before choosing."


def test_choosing_an_earlier_answer_for_a_question_of_another_need_only_saves(client, need, provider):
    bid = _started(need, provider)
    criterion = need.criteria[0]
    _signed_in(client, provider)
    response = post_form(client, f"/bids/{bid.id}/answers", {f"answer_{criterion.id}": "Typed.", "earlier": "999999"})
    assert response.headers["Location"] == f"/bids/{bid.id}"
