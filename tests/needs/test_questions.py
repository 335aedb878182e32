"""Clarification questions: providers ask privately before the deadline; commissioners of
the need's area answer, publishing the answer without naming the asker or answering
privately; followers hear about published answers."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Membership, Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.needs import following, questions
from marketplace.needs.models import Follow, NeedError, Question, QuestionVisibility
from marketplace.notifications import OutboxEmail
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

PUBLISHED = QuestionVisibility.PUBLISHED.value
PRIVATE = QuestionVisibility.PRIVATE.value


@pytest.fixture
def world(db_session):
    org_a = factories.make_organisation("Thanet Women's Centre")
    org_b = factories.make_organisation("Green Shoots Growing CIC")
    org_c = factories.make_organisation("Margate Allotments")
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT", email="commissioner@example.org")
    need = factories.make_need(commissioner=commissioner, title="Women's centre support")
    asker = factories.make_provider(Role.MEMBER, org_a, email="asker@example.org")
    two_orgs = factories.make_provider(Role.OWNER, org_a, email="two@example.org")
    db.session.add(Membership(user=two_orgs, organisation=org_c, role=Role.MEMBER))
    db.session.flush()
    return {
        "need": need,
        "org_a": org_a,
        "org_b": org_b,
        "org_c": org_c,
        "commissioner": commissioner,
        "asker": asker,
        "two_orgs": two_orgs,
        "other_provider": factories.make_provider(Role.OWNER, org_b, email="other@example.org"),
        "other_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N07", email="elsewhere@example.org"),
        "region_commissioner": factories.make_area_staff(Role.COMMISSIONER, "N57", email="region@example.org"),
    }


def signed_in(client, user):
    response = sign_in(client, user.email)
    assert response.status_code == 302, page_text(response)
    return user


def ask_url(need):
    return f"/needs/{need.id}/questions/new"


def asked(need, organisation, user, text="When can the service start?"):
    return questions.ask_question(need, organisation=organisation, actor=user, text=text)


def emails_to(address):
    return db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == address)).all()


def audit_count(action):
    return count(AuditEvent, AuditEvent.action == action)


# Asking ------------------------------------------------------------------------------


def test_provider_asks_a_question_and_is_told_it_may_be_published_anonymously(client, world):
    need = world["need"]
    signed_in(client, world["asker"])
    page = client.get(ask_url(need))
    assert page.status_code == 200
    assert "Ask a question" in page_text(page)
    assert 'name="organisation"' not in page_text(page)  # one organisation: no choice to make
    response = post_form(client, ask_url(need), {"text": "  Can two organisations share lot 1?  "})
    assert response.status_code == 302
    question = db.session.scalar(sa.select(Question).where(Question.need_id == need.id))
    assert question.text == "Can two organisations share lot 1?"
    assert question.organisation_id == world["org_a"].id and question.asked_by_id == world["asker"].id
    assert question.answered_at is None and question.visibility is None
    assert audit_count("question.asked") == 1
    assert count(Follow, Follow.need_id == need.id, Follow.user_id == world["asker"].id, Follow.ended_at.is_(None)) == 1
    sent = client.get(response.headers["Location"])
    text = page_text(sent)
    assert "Your question has been sent" in text
    assert "without naming you" in text
    assert "Can two organisations share lot 1?" in text


def test_question_is_escaped_wherever_it_is_shown(client, world):
    need = world["need"]
    signed_in(client, world["asker"])
    response = post_form(client, ask_url(need), {"text": "<script>alert('x')</script> & <b>bold</b>"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Question.text)) == "<script>alert('x')</script> & <b>bold</b>"
    pages = [client.get(response.headers["Location"]), client.get(f"/needs/{need.id}/questions/mine")]
    client.post(
        "/sign-out", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page_text(pages[0])).group(1)}
    )
    signed_in(client, world["commissioner"])
    question = db.session.scalar(sa.select(Question))
    pages += [client.get(f"/needs/{need.id}/questions"), client.get(f"/needs/{need.id}/questions/{question.id}/answer")]
    for page in pages:
        assert page.status_code == 200
        assert "<script>alert" not in page_text(page) and "<b>bold</b>" not in page_text(page)
        assert "&lt;script&gt;" in page_text(page)


@pytest.mark.parametrize(
    "text,message",
    [
        ("", "Enter your question"),
        ("   \n  ", "Enter your question"),
        ("x" * 2001, "Your question must be 2,000 characters or fewer"),
    ],
    ids=["empty", "spaces", "too long"],
)
def test_bad_question_is_refused_with_the_input_kept(client, world, text, message):
    signed_in(client, world["asker"])
    response = post_form(client, ask_url(world["need"]), {"text": text})
    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert "<title>Error:" in page_text(response)
    if text.strip():
        assert text in page_text(response)
    assert count(Question) == 0 and audit_count("question.asked") == 0


def test_question_of_exactly_2000_characters_is_accepted(client, world):
    signed_in(client, world["asker"])
    assert post_form(client, ask_url(world["need"]), {"text": "y" * 2000}).status_code == 302
    assert count(Question) == 1


def test_member_of_several_organisations_chooses_which_is_asking(client, world):
    need = world["need"]
    signed_in(client, world["two_orgs"])
    page = page_text(client.get(ask_url(need)))
    assert "Which organisation is asking?" in page
    assert "Thanet Women&#39;s Centre" in page and "Margate Allotments" in page
    response = post_form(
        client, ask_url(need), {"text": "Is there a start-up grant?", "organisation": str(world["org_c"].id)}
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Question.organisation_id)) == world["org_c"].id


@pytest.mark.parametrize("choice", ["", "forged", "nonsense"], ids=["none", "another organisation", "not a number"])
def test_organisation_must_be_one_of_the_users_own(client, world, choice):
    signed_in(client, world["two_orgs"])
    organisation = {"": None, "forged": str(world["org_b"].id), "nonsense": "abc"}[choice]
    data = {"text": "Is there a start-up grant?"}
    if organisation is not None:
        data["organisation"] = organisation
    response = post_form(client, ask_url(world["need"]), data)
    assert response.status_code == 200
    assert error_summary(response) == ["Select the organisation asking the question"]
    assert count(Question) == 0


def test_a_single_organisation_member_cannot_ask_for_another_organisation(client, world):
    signed_in(client, world["asker"])
    response = post_form(client, ask_url(world["need"]), {"text": "Hello?", "organisation": str(world["org_b"].id)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Question.organisation_id)) == world["org_a"].id


def _past_deadline(need):
    need.question_deadline = utcnow() - timedelta(minutes=1)


def _closed(need):
    need.question_deadline = utcnow() - timedelta(days=2)
    need.closes_at = utcnow() - timedelta(days=1)


def _withdrawn(need):
    need.withdrawn_at = utcnow()


@pytest.mark.parametrize(
    "change,message",
    [
        (_past_deadline, "The deadline for questions was"),
        (_closed, "This need is closed"),
        (_withdrawn, "This need is withdrawn"),
    ],
    ids=["after the question deadline", "closed", "withdrawn"],
)
def test_no_questions_once_questions_have_closed(client, world, change, message):
    need = world["need"]
    signed_in(client, world["asker"])
    change(need)
    db.session.flush()
    page = client.get(ask_url(need))
    assert page.status_code == 200
    assert "You can no longer ask questions about this need" in page_text(page) and message in page_text(page)
    response = post_form(client, ask_url(need), {"text": "Too late?"}, from_url="/account")
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(Question) == 0 and audit_count("question.asked") == 0


def test_service_refuses_a_question_after_the_deadline(world):
    need = world["need"]
    need.question_deadline = utcnow() - timedelta(seconds=1)
    with pytest.raises(NeedError, match="The deadline for questions was"):
        asked(need, world["org_a"], world["asker"])
    assert count(Question) == 0


@pytest.mark.parametrize(
    "actor,status",
    [
        ("anonymous", 302),
        ("commissioner", 403),
        ("other_commissioner", 403),
        ("outsider", 403),
        ("asker", 200),
    ],
)
def test_who_may_ask(client, world, actor, status):
    if actor == "outsider":
        world["outsider"] = factories.make_user()
    if actor != "anonymous":
        signed_in(client, world[actor])
    response = client.get(ask_url(world["need"]))
    assert response.status_code == status
    if status == 302:
        assert "/sign-in" in response.headers["Location"]


def test_questions_cannot_be_asked_about_a_draft_nobody_can_see(client, world):
    draft = factories.make_need(commissioner=world["commissioner"], published=False)
    signed_in(client, world["asker"])
    assert client.get(ask_url(draft)).status_code == 404
    assert client.get(f"/needs/{draft.id}/questions/mine").status_code == 404
    assert client.get("/needs/999999/questions/new").status_code == 404


def test_confirmation_page_is_only_for_the_asking_organisation(client, world):
    question = asked(world["need"], world["org_a"], world["asker"])
    signed_in(client, world["other_provider"])
    assert client.get(f"/needs/{world['need'].id}/questions/{question.id}/sent").status_code == 404


# Answering ---------------------------------------------------------------------------


def test_commissioner_sees_every_question_with_who_asked_unanswered_first(client, world):
    need = world["need"]
    first = asked(need, world["org_a"], world["asker"], "First question, answered")
    asked(need, world["org_b"], world["other_provider"], "Second question, waiting")
    questions.answer_question(first, actor=world["commissioner"], answer="Yes.", publish=True)
    signed_in(client, world["commissioner"])
    response = client.get(f"/needs/{need.id}/questions")
    text = page_text(response)
    assert response.status_code == 200
    assert "Green Shoots Growing CIC" in text and "Thanet Women&#39;s Centre" in text
    assert text.index("Second question, waiting") < text.index("First question, answered")
    assert "Waiting for an answer (1)" in text and "Answered (1)" in text


@pytest.mark.parametrize(
    "actor,status",
    [
        ("anonymous", 302),
        ("asker", 403),
        ("other_commissioner", 403),
        ("region_commissioner", 200),
        ("commissioner", 200),
    ],
)
def test_who_may_see_and_answer_questions(client, world, actor, status):
    question = asked(world["need"], world["org_a"], world["asker"])
    if actor != "anonymous":
        signed_in(client, world[actor])
    need_id = world["need"].id
    assert client.get(f"/needs/{need_id}/questions").status_code == status
    assert client.get(f"/needs/{need_id}/questions/{question.id}/answer").status_code == status


def test_forbidden_answer_post_writes_nothing(client, world):
    question = asked(world["need"], world["org_a"], world["asker"])
    signed_in(client, world["other_commissioner"])
    response = post_form(
        client,
        f"/needs/{world['need'].id}/questions/{question.id}/answer",
        {"answer": "No", "visibility": PUBLISHED},
        from_url="/account",
    )
    assert response.status_code == 403
    assert question.answered_at is None and audit_count("question.answered") == 0


def test_published_answer_emails_followers_and_the_asker(client, world):
    need = world["need"]
    follower = factories.make_provider(email="follower@example.org")
    former = factories.make_provider(email="former@example.org")
    following.follow_need(need, actor=follower)
    following.follow_need(need, actor=former)
    following.unfollow_need(need, actor=former)
    question = asked(need, world["org_a"], world["asker"], "Is travel paid?")
    signed_in(client, world["commissioner"])
    url = f"/needs/{need.id}/questions/{question.id}/answer"
    page = page_text(client.get(url))
    assert "Is travel paid?" in page and "Thanet Women&#39;s Centre" in page
    response = post_form(client, url, {"answer": "Yes, travel is paid.", "visibility": PUBLISHED})
    assert response.status_code == 302
    assert question.answer == "Yes, travel is paid."
    assert question.visibility == QuestionVisibility.PUBLISHED
    assert question.answered_by_id == world["commissioner"].id and question.answered_at is not None
    assert audit_count("question.answered") == 1
    [to_follower] = emails_to("follower@example.org")
    assert to_follower.subject == f"New answer on {need.title}"
    assert "Yes, travel is paid." in to_follower.body
    assert "Thanet" not in to_follower.body and "asker@example.org" not in to_follower.body
    assert len(emails_to("asker@example.org")) == 1
    assert emails_to("former@example.org") == [] and emails_to("other@example.org") == []
    assert "Answer published" in page_text(client.get(response.headers["Location"]))


def test_private_answer_emails_only_the_asker(client, world):
    need = world["need"]
    follower = factories.make_provider(email="follower@example.org")
    following.follow_need(need, actor=follower)
    question = asked(need, world["org_a"], world["asker"], "Can we see your current provider's data?")
    signed_in(client, world["commissioner"])
    response = post_form(
        client,
        f"/needs/{need.id}/questions/{question.id}/answer",
        {"answer": "We will send it to you.", "visibility": PRIVATE},
    )
    assert response.status_code == 302
    assert question.visibility == QuestionVisibility.PRIVATE
    [email] = emails_to("asker@example.org")
    assert "privately" in email.body and "We will send it to you." in email.body
    assert emails_to("follower@example.org") == []
    assert "Answer sent privately to Thanet Women" in page_text(client.get(response.headers["Location"]))


@pytest.mark.parametrize(
    "data,message",
    [
        ({"answer": "", "visibility": PUBLISHED}, "Enter your answer"),
        ({"answer": "  ", "visibility": PRIVATE}, "Enter your answer"),
        ({"answer": "a" * 5001, "visibility": PUBLISHED}, "Your answer must be 5,000 characters or fewer"),
        ({"answer": "Yes."}, "Select who should see the answer"),
        ({"answer": "Yes.", "visibility": "everyone_with_names"}, "Select who should see the answer"),
    ],
    ids=["empty", "spaces", "too long", "no choice", "not a choice"],
)
def test_bad_answer_is_refused_and_nothing_is_sent(client, world, data, message):
    question = asked(world["need"], world["org_a"], world["asker"])
    signed_in(client, world["commissioner"])
    response = post_form(client, f"/needs/{world['need'].id}/questions/{question.id}/answer", data)
    assert response.status_code == 200
    assert error_summary(response) == [message]
    if data["answer"].strip():
        assert data["answer"] in page_text(response)
    assert question.answered_at is None and count(OutboxEmail) == 0


def test_answer_of_exactly_5000_characters_is_accepted(client, world):
    question = asked(world["need"], world["org_a"], world["asker"])
    signed_in(client, world["commissioner"])
    url = f"/needs/{world['need'].id}/questions/{question.id}/answer"
    assert post_form(client, url, {"answer": "b" * 5000, "visibility": PRIVATE}).status_code == 302
    assert len(question.answer) == 5000


def test_question_of_another_need_is_not_found(client, world):
    other_need = factories.make_need(commissioner=world["commissioner"])
    question = asked(other_need, world["org_a"], world["asker"])
    signed_in(client, world["commissioner"])
    url = f"/needs/{world['need'].id}/questions/{question.id}/answer"
    assert client.get(url).status_code == 404
    response = post_form(client, url, {"answer": "Yes.", "visibility": PUBLISHED}, from_url="/account")
    assert response.status_code == 404
    assert question.answered_at is None
    assert client.get(f"/needs/{world['need'].id}/questions/{question.id}/sent").status_code == 404


def test_answering_twice_is_refused_clearly(client, world):
    question = asked(world["need"], world["org_a"], world["asker"])
    signed_in(client, world["commissioner"])
    url = f"/needs/{world['need'].id}/questions/{question.id}/answer"
    token_page = url
    from ..helpers import csrf_token

    token = csrf_token(client, token_page)
    assert (
        client.post(url, data={"answer": "First answer.", "visibility": PRIVATE, "csrf_token": token}).status_code
        == 302
    )
    emails = count(OutboxEmail)
    response = client.post(
        url, data={"answer": "Second answer.", "visibility": PUBLISHED, "csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "This question has already been answered" in page_text(response)
    assert question.answer == "First answer." and question.visibility == QuestionVisibility.PRIVATE
    assert count(OutboxEmail) == emails and audit_count("question.answered") == 1


def test_service_refuses_to_answer_twice(world):
    question = asked(world["need"], world["org_a"], world["asker"])
    questions.answer_question(question, actor=world["commissioner"], answer="Once.", publish=False)
    with pytest.raises(NeedError, match="already been answered"):
        questions.answer_question(question, actor=world["commissioner"], answer="Twice.", publish=True)
    assert question.answer == "Once."


# A provider's own questions ----------------------------------------------------------


def test_provider_sees_own_questions_and_private_answers_but_not_other_organisations(client, world):
    need = world["need"]
    ours_private = asked(need, world["org_a"], world["asker"], "Our private question")
    ours_waiting = asked(need, world["org_a"], world["two_orgs"], "Our colleague's question")
    theirs_private = asked(need, world["org_b"], world["other_provider"], "Their private question")
    theirs_published = asked(need, world["org_b"], world["other_provider"], "Their general question")
    questions.answer_question(ours_private, actor=world["commissioner"], answer="Private answer for A", publish=False)
    questions.answer_question(theirs_private, actor=world["commissioner"], answer="Private answer for B", publish=False)
    questions.answer_question(
        theirs_published, actor=world["commissioner"], answer="Published answer for all", publish=True
    )
    assert ours_waiting.answered_at is None
    signed_in(client, world["asker"])
    response = client.get(f"/needs/{need.id}/questions/mine")
    text = page_text(response)
    assert response.status_code == 200
    assert "Our private question" in text and "Private answer for A" in text and "Answered privately" in text
    assert "Our colleague&#39;s question" in text and "Waiting for an answer" in text
    assert "Their general question" in text and "Published answer for all" in text
    assert "Their private question" not in text and "Private answer for B" not in text
    assert "Green Shoots" not in text  # a published answer never says who asked


@pytest.mark.parametrize("actor,status", [("anonymous", 302), ("commissioner", 403), ("other_provider", 200)])
def test_who_may_see_their_own_questions(client, world, actor, status):
    if actor != "anonymous":
        signed_in(client, world[actor])
    assert client.get(f"/needs/{world['need'].id}/questions/mine").status_code == status
