"""The question deadline counts against when a question reached us, not when it was
handled (as the closing time does for bids: tests/bids/test_closing_time.py). Fixed
clocks: the deadline was midday on 25 February 2026; the need is still open."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace import arrival
from marketplace.extensions import db
from marketplace.needs import questions
from marketplace.needs.models import NeedError, Question
from marketplace.timeutil import LONDON

from .. import factories
from ..helpers import count, csrf_token, page_text

DEADLINE = datetime(2026, 2, 25, 12, 0, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def need(db_session):
    return factories.make_need(title="Women's centre support")


@pytest.fixture
def asker(db_session):
    return factories.make_provider(organisation=factories.make_organisation("Thanet Women's Centre"))


def _deadline_passed(need) -> None:
    need.question_deadline = DEADLINE
    db.session.commit()  # a savepoint in the tests


def test_a_question_received_before_the_deadline_is_asked_though_handled_after_it(need, asker):
    _deadline_passed(need)
    question = questions.ask_question(
        need,
        organisation=asker.organisations[0],
        actor=asker,
        text="Can two of us share lot 1?",
        now=DEADLINE - timedelta(seconds=0.4),
    )
    assert question.asked_at == DEADLINE - timedelta(seconds=0.4)
    with pytest.raises(NeedError, match="^The deadline for questions was midday on 25 February 2026$"):
        questions.ask_question(need, organisation=asker.organisations[0], actor=asker, text="And lot 2?", now=DEADLINE)


@pytest.mark.parametrize(
    "late, asked", [(timedelta(seconds=-0.4), True), (timedelta(0), False), (timedelta(seconds=0.1), False)]
)
def test_the_time_a_question_reached_us_is_the_time_it_was_asked(client, need, asker, late, asked):
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = asker.get_id()
        session["_fresh"] = True
        session.permanent = True
    url = f"/needs/{need.id}/questions/new"
    token = csrf_token(client, url)
    _deadline_passed(need)
    response = client.post(
        url,
        data={"csrf_token": token, "text": "Can two of us share lot 1?"},
        environ_overrides={arrival.ENVIRON_KEY: DEADLINE + late},
    )
    if asked:
        assert response.status_code == 302
        assert db.session.scalar(sa.select(Question.asked_at)) == DEADLINE + late
    else:
        assert response.status_code == 200
        assert "The deadline for questions was midday on 25 February 2026." in page_text(response)
        assert count(Question) == 0
