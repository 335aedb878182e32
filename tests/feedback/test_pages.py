"""The staff's side of feedback: the contract page's section (the link made on first view,
the QR code, the poster), turning the link off and on, the answers in numbers with small
numbers suppressed, and the area's page."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.feedback import charts, services, summaries
from marketplace.feedback.models import FeedbackLink
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import count, page_text, post_form, sign_in


@pytest.fixture
def made(db_session):
    made = factories.make_contract()
    db.session.commit()
    return made


def _as(client, user):
    browser = client.application.test_client()
    sign_in(browser, user.email)
    return browser


def _answers(link, n, **answers):
    today = london_date(utcnow())
    for i in range(n):
        values = {"helped": "yes", "changes": [], "treated": 5, "recommend": "yes", "comment": None, **answers}
        services.give(link, today=today - timedelta(days=i), **values)


def test_the_link_is_made_when_the_provider_first_opens_the_contract(client, made):
    assert count(FeedbackLink) == 0
    html = page_text(_as(client, made.provider).get(f"/contracts/{made.contract.id}"))
    link = db.session.scalar(sa.select(FeedbackLink))
    assert link.contract_id == made.contract.id and len(link.code) == 8
    assert set(link.code) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    assert f"/f/{link.code}" in html
    assert 'role="img" aria-label="QR code for the feedback link' in html
    assert count(AuditEvent, AuditEvent.action == "feedback_link.created", AuditEvent.actor_id == made.provider.id)
    # Opening it again makes no other.
    _as(client, made.provider).get(f"/contracts/{made.contract.id}")
    assert count(FeedbackLink) == 1


def test_the_board_sees_the_count_but_not_the_link_controls(client, made):
    link = services.make_link(made.contract)
    _answers(link, 2)
    db.session.commit()
    board_member = factories.make_area_staff(Role.BOARD_MEMBER, "N57EKNT")
    db.session.commit()
    html = page_text(_as(client, board_member).get(f"/contracts/{made.contract.id}"))
    assert "Feedback from people supported" in html and "2 people have answered so far." in html
    assert f"/f/{link.code}" not in html and "Turn off the feedback link" not in html


def test_the_link_is_turned_off_and_on_again_audited(client, made):
    link = services.make_link(made.contract)
    db.session.commit()
    owner = _as(client, made.provider)
    url = f"/contracts/{made.contract.id}/feedback/link"
    response = post_form(owner, url, from_url=f"/contracts/{made.contract.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert not db.session.get(FeedbackLink, link.id).is_open
    assert "This feedback link is closed" in page_text(client.get(f"/f/{link.code}"))
    assert "Turned off on" in page_text(owner.get(f"/contracts/{made.contract.id}"))
    assert made.provider.name in page_text(owner.get(f"/contracts/{made.contract.id}"))
    commissioner = _as(client, made.commissioner)
    post_form(commissioner, url, from_url=f"/contracts/{made.contract.id}")
    db.session.expire_all()
    assert db.session.get(FeedbackLink, link.id).is_open
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "feedback_links").order_by(AuditEvent.id)
    ).all()
    assert actions == ["feedback_link.created", "feedback_link.turned_off", "feedback_link.turned_on"]


def test_the_poster_has_the_qr_code_and_the_link_typed_out(client, made):
    html = page_text(_as(client, made.provider).get(f"/contracts/{made.contract.id}/feedback/poster"))
    link = db.session.scalar(sa.select(FeedbackLink))
    assert "Tell us what you think" in html and "You do not have to give your name." in html
    assert html.count(f"/f/{link.code}") >= 2 and "<svg" in html
    assert "Dywedwch wrthym beth rydych chi’n ei feddwl" not in html


def test_the_poster_of_a_contract_in_wales_is_in_welsh_and_english(client, made):
    made.contract.need.area = factories.area("WPTNWS")  # North Wales
    made.contract.need.area_id = made.contract.need.area.id
    db.session.commit()
    html = page_text(_as(client, made.provider).get(f"/contracts/{made.contract.id}/feedback/poster"))
    assert 'lang="cy"' in html and "Tell us what you think" in html
    assert "Dywedwch wrthym beth rydych chi’n ei feddwl" in html


def test_counts_under_five_are_shown_as_fewer_than_five_and_not_drawn(made):
    link = services.make_link(made.contract)
    _answers(link, 6, helped="yes", treated=5)
    _answers(link, 3, helped="no", treated=2)
    summary = summaries.summary(made.contract)
    assert summary.responses == 9
    helped = next(q for q in summary.questions if q.key == "helped")
    assert [(str(line.label), line.count, line.shown) for line in helped.lines] == [
        ("Yes", 6, "6"),
        ("A bit", 0, "fewer than 5"),
        ("No", 3, "fewer than 5"),
    ]
    assert [summaries.drawn(line.count) for line in helped.lines] == [6, None, None]
    assert charts.chart(helped).src.startswith("data:image/svg+xml;base64,")


def test_the_partnership_page_shows_each_answer_as_a_chart_beside_a_table(client, made):
    link = services.make_link(made.contract)
    _answers(link, 7, changes=["talk"])
    _answers(link, 2, recommend="no")
    db.session.commit()
    html = page_text(_as(client, made.commissioner).get(f"/contracts/{made.contract.id}/feedback"))
    assert "9 people have answered." in html
    assert html.count('class="lp-chart"') == 4
    assert "Bar chart of the answers to “Did our service help you?”" in html
    assert "I have someone to talk to" in html and "fewer than 5" in html


def test_the_area_page_lists_each_partnership_with_its_summary(client, made):
    link = services.make_link(made.contract)
    _answers(link, 5, helped="partly", treated=4)
    _answers(link, 5, helped="no", treated=1, recommend="no")
    small = factories.make_contract()
    _answers(services.make_link(small.contract), 2)
    db.session.commit()
    board_member = factories.make_area_staff(Role.BOARD_MEMBER, "N57EKNT")
    db.session.commit()
    browser = _as(client, board_member)
    area_id = made.contract.need.area_id
    assert f"/areas/{area_id}/feedback" in page_text(browser.get(f"/areas/{area_id}/dashboard"))
    html = page_text(browser.get(f"/areas/{area_id}/feedback"))
    assert made.contract.title in html and small.contract.title in html
    assert html.count("50%") == 3  # helped, treated well and would recommend: 5 of 10 each
    assert "Too few answers to show" in html
    rows = summaries.by_partnership([area_id])
    assert [
        (r.responses, r.helped, r.treated_well, r.would_recommend) for r in rows if r.contract_id == made.contract.id
    ] == [(10, 5, 5, 5)]


def test_another_provider_learns_nothing_of_the_feedback(client, made):
    other = factories.make_provider(Role.OWNER)
    db.session.commit()
    browser = _as(client, other)
    for url in (
        f"/contracts/{made.contract.id}/feedback",
        f"/contracts/{made.contract.id}/feedback/poster",
    ):
        assert browser.get(url).status_code == 404
