"""The public feedback form at /f/<code>: no account, good answers kept (the day only), every
bad input told by its field with the answers kept and nothing written, the honeypot, a
closed or unknown link, the rate limits, 10,000 characters and script in a comment."""

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.feedback import services
from marketplace.feedback.models import CommentState, FeedbackChange, FeedbackResponse, Helped, Recommend
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import count, error_summary, page_text, post_form

SERVICE_ANSWERS = {"helped": "yes", "changes": [], "treated": 5, "recommend": "yes", "comment": None}
GOOD = {"helped": "yes", "changes": ["feel-better", "talk"], "treated": "5", "recommend": "not_sure", "comment": ""}


@pytest.fixture
def link(db_session):
    made = factories.make_contract()
    link = services.make_link(made.contract)
    db.session.commit()
    return link


def _url(link) -> str:
    return f"/f/{link.code}"


def _send(client, link, data):
    return post_form(client, _url(link), data)


def _writes():
    return count(FeedbackResponse), count(FeedbackChange), count(AuditEvent)


def test_anyone_opens_the_form_without_an_account(client, link):
    response = client.get(_url(link))
    assert response.status_code == 200
    text = page_text(response)
    assert "Did our service help you?" in text
    assert "You do not have to give your name." in text
    # The general list of changes, for a need without a category listed.
    assert "I feel better about things" in text


def test_a_code_is_read_in_any_case(client, link):
    response = client.get(f"/f/{link.code.lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(_url(link))


@pytest.mark.clock
def test_good_answers_are_kept_with_the_day_only(client, link):
    response = _send(client, link, {**GOOD, "changes": ["feel-better"], "comment": "The mentor listened."})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{_url(link)}/thank-you")
    assert "Thank you" in page_text(client.get(response.headers["Location"]))
    kept = db.session.scalar(sa.select(FeedbackResponse))
    assert kept.given_on == london_date(utcnow())
    assert (kept.helped, kept.treated, kept.recommend) == (Helped.YES, 5, Recommend.NOT_SURE)
    assert kept.change_codes == ["feel-better"]
    assert (kept.comment, kept.comment_state, kept.published_comment) == (
        "The mentor listened.",
        CommentState.HELD,
        None,
    )


def test_nothing_identifying_is_stored(client, link):
    """No column of a response holds a time or an address: the day, the answers, the comment."""
    columns = FeedbackResponse.__table__.columns
    assert not [c.name for c in columns if isinstance(c.type, sa.DateTime) or "time" in str(c.type).lower()]
    assert not [c.name for c in columns if any(w in c.name for w in ("ip", "address", "agent", "email", "name"))]
    _send(client, link, GOOD)
    row = db.session.execute(sa.select(FeedbackResponse.__table__)).mappings().one()
    assert "127.0.0.1" not in repr(dict(row))
    # Nor does the audit trail say when it was given.
    assert count(AuditEvent, AuditEvent.object_type == "feedback_responses") == 0


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"helped": ""}, "helped", "Select if our service helped you"),
        ({"helped": "maybe"}, "helped", "Select if our service helped you"),
        ({"treated": ""}, "treated", "Select how you were treated"),
        ({"treated": "6"}, "treated", "Select how you were treated"),
        ({"treated": "0"}, "treated", "Select how you were treated"),
        ({"recommend": "perhaps"}, "recommend", "Select if you would tell a friend to use it"),
        ({"changes": ["got-job"]}, "changes", "Select what has changed from the list"),
        ({"comment": "x" * 1001}, "comment", "What you wrote must be 1,000 characters or fewer"),
        ({"comment": "Hello \u202e world"}, "comment", "What you wrote must not contain hidden formatting characters"),
    ],
)
def test_every_bad_answer_is_told_by_its_field_and_nothing_is_kept(client, link, change, field, message):
    before = _writes()
    response = _send(client, link, {**GOOD, **change})
    assert response.status_code == 400
    assert message in error_summary(response)
    assert f'href="#{field}' in page_text(response)
    assert "<title>Error: Tell us what you think" in page_text(response)
    assert _writes() == before


def test_ten_thousand_characters_are_refused_and_kept_in_the_box(client, link):
    before = _writes()
    long = "word " * 2000
    response = _send(client, link, {**GOOD, "comment": long})
    assert response.status_code == 400
    assert "What you wrote must be 1,000 characters or fewer" in error_summary(response)
    assert long.strip() in page_text(response)  # the answer is kept for them to shorten
    assert 'value="yes" checked' in page_text(response)
    assert _writes() == before


def test_script_in_a_comment_is_kept_as_text(client, link):
    script = '<script>alert("x")</script> thanks'
    _send(client, link, {**GOOD, "comment": script})
    kept = db.session.scalar(sa.select(FeedbackResponse))
    assert kept.comment == script  # as text; test_comments.py shows it is shown escaped


def test_a_filled_honeypot_gets_the_thank_you_page_and_nothing_is_kept(client, link):
    before = _writes()
    response = _send(client, link, {**GOOD, "website": "http://spam.example"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/thank-you")
    assert _writes() == before


def test_the_honeypot_is_hidden_from_people(client, link):
    html = page_text(client.get(_url(link)))
    assert 'tabindex="-1"' in html and 'autocomplete="off"' in html
    assert "Leave this empty" in html


def test_a_closed_link_says_so_and_keeps_nothing(client, link):
    owner = link.contract.organisation
    services.switch_link(link, turn_on=False, actor=factories.make_provider(organisation=owner))
    db.session.commit()
    assert "This feedback link is closed" in page_text(client.get(_url(link)))
    before = _writes()
    # Answers sent from a page opened before it closed (a valid token): told, nothing kept.
    response = post_form(client, _url(link), GOOD, from_url="/sign-in")
    assert response.status_code == 200
    assert "This feedback link is closed" in page_text(response)
    assert _writes() == before
    with pytest.raises(services.FeedbackError):
        services.give(link, **{**SERVICE_ANSWERS, "today": london_date(utcnow())})


@pytest.mark.parametrize("code", ["ZZZZZZZZ", "nope", "0OIL1234", "x" * 300])
def test_an_unknown_code_is_not_found(client, db_session, code):
    response = client.get(f"/f/{code}")
    assert response.status_code == 404
    assert "Feedback link not found" in page_text(response)


def test_answers_without_the_form_token_are_refused(client, link):
    before = _writes()
    response = client.post(_url(link), data=GOOD)
    assert response.status_code == 400
    assert _writes() == before


def test_one_address_may_send_a_few_answers_a_minute(client, link):
    for _ in range(5):
        assert _send(client, link, GOOD).status_code == 302
    before = _writes()
    response = _send(client, link, GOOD)
    assert response.status_code == 429
    assert "Too many answers sent" in page_text(response)
    assert _writes() == before


def test_one_link_takes_a_limited_number_of_answers_a_day(client, link, app, monkeypatch):
    monkeypatch.setitem(app.config, "FEEDBACK_LIMIT_PER_LINK", "2 per day")
    for number in range(2):
        assert _send(client, link, GOOD).status_code == 302, number
    response = post_form(client, _url(link), GOOD, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 429
