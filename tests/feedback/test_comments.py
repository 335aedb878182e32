"""Comments held until published: the commissioner or the provider's owner publishes one
edited (the original is kept and never shown) or declines to, audited in the same
transaction; bad input is told by its field with nothing written; who may do what."""

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.feedback import services
from marketplace.feedback.models import CommentState, FeedbackResponse
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

ORIGINAL = "Sam Jones at the Margate office on 3 May was kind"
EDITED = "A member of staff was kind"


@pytest.fixture
def made(db_session):
    made = factories.make_contract()
    link = services.make_link(made.contract)
    answers = {"helped": "yes", "changes": [], "treated": 4, "recommend": "yes", "today": london_date(utcnow())}
    made.held = services.give(link, comment=ORIGINAL, **answers)
    made.link = link
    db.session.commit()
    return made


def _as(client, user):
    browser = client.application.test_client()
    sign_in(browser, user.email)
    return browser


def _page(made) -> str:
    return f"/contracts/{made.contract.id}/feedback"


def _decide(browser, made, data):
    url = f"{_page(made)}/comments/{made.held.id}"
    prefixed = {f"comment-{made.held.id}-{k}": v for k, v in data.items()}
    return post_form(browser, url, prefixed, from_url=_page(made))


def _writes():
    return count(AuditEvent), db.session.scalar(
        sa.select(sa.func.count()).select_from(FeedbackResponse).where(FeedbackResponse.comment_state != "held")
    )


def test_the_commissioner_publishes_a_comment_edited_and_the_original_is_never_shown(client, made):
    commissioner = _as(client, made.commissioner)
    assert ORIGINAL in page_text(commissioner.get(_page(made)))  # to edit, in the box
    response = _decide(commissioner, made, {"text": EDITED, "publish": "Publish this comment"})
    assert response.status_code == 302
    db.session.expire_all()
    held = db.session.get(FeedbackResponse, made.held.id)
    assert (held.comment_state, held.published_comment, held.comment) == (CommentState.PUBLISHED, EDITED, ORIGINAL)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "feedback_comment.published"))
    assert event.actor_id == made.commissioner.id and event.object_id == held.id
    assert event.after == {"published_comment": EDITED, "edited": True}
    board_member = _as(client, factories.make_area_staff(Role.BOARD_MEMBER, "N57EKNT"))
    db.session.commit()
    for url in (_page(made), f"/contracts/{made.contract.id}/reviews", f"/contracts/{made.contract.id}"):
        for who in (commissioner, board_member):
            html = page_text(who.get(url))
            assert ORIGINAL not in html, url
    assert EDITED in page_text(board_member.get(f"/contracts/{made.contract.id}/reviews"))
    assert EDITED in page_text(board_member.get(_page(made)))


def test_the_providers_owner_declines_to_publish_and_it_is_audited(client, made):
    owner = _as(client, made.provider)
    response = _decide(owner, made, {"text": ORIGINAL, "decline": "Do not publish"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(FeedbackResponse, made.held.id).comment_state == CommentState.DECLINED
    assert count(AuditEvent, AuditEvent.action == "feedback_comment.declined", AuditEvent.actor_id == made.provider.id)
    assert ORIGINAL not in page_text(owner.get(_page(made)))


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Enter the comment to publish"),
        ("   ", "Enter the comment to publish"),
        ("y" * 1001, "The comment to publish must be 1,000 characters or fewer"),
    ],
)
def test_a_comment_to_publish_must_be_there_and_short_enough(client, made, text, message):
    commissioner = _as(client, made.commissioner)
    before = _writes()
    response = _decide(commissioner, made, {"text": text, "publish": "Publish this comment"})
    assert response.status_code == 400
    assert message in error_summary(response)
    assert _writes() == before


def test_a_comment_is_decided_on_once(client, made):
    commissioner = _as(client, made.commissioner)
    _decide(commissioner, made, {"text": EDITED, "publish": "Publish this comment"})
    before = _writes()
    with pytest.raises(services.FeedbackError):
        services.decide(db.session.get(FeedbackResponse, made.held.id), publish=False, text="", actor=made.commissioner)
    db.session.rollback()
    assert _writes() == before


def test_script_in_a_comment_is_shown_as_text(client, made):
    script = '<script>alert("held")</script>'
    services.give(
        made.link, helped="no", changes=[], treated=1, recommend="no", comment=script, today=london_date(utcnow())
    )
    db.session.commit()
    html = page_text(_as(client, made.commissioner).get(_page(made)))
    assert script not in html
    assert "&lt;script&gt;alert(" in html


@pytest.mark.parametrize(
    "who, status",
    [
        ("member", 403),  # of the provider, not its owner
        ("board_member", 403),
        ("finance", 403),
        ("other_owner", 404),
        ("region_commissioner", 302),
    ],
)
def test_who_may_publish_a_comment(client, made, who, status):
    users = {
        "member": lambda: factories.make_provider(Role.MEMBER, made.contract.organisation),
        "board_member": lambda: factories.make_area_staff(Role.BOARD_MEMBER, "N57EKNT"),
        "finance": lambda: factories.make_area_staff(Role.FINANCE, "N57EKNT"),
        "other_owner": lambda: factories.make_provider(Role.OWNER),
        "region_commissioner": lambda: factories.make_area_staff(Role.COMMISSIONER, "N57"),
    }
    user = users[who]()
    db.session.commit()
    browser = _as(client, user)
    url = f"{_page(made)}/comments/{made.held.id}"
    token_page = "/account"
    response = post_form(
        browser,
        url,
        {f"comment-{made.held.id}-text": EDITED, f"comment-{made.held.id}-publish": "x"},
        from_url=token_page,
    )
    assert response.status_code == status


def test_held_comments_are_not_shown_to_a_partner_or_finance(client, made):
    """Those who read the contract read the counts and published comments, not what is held."""
    finance = _as(client, factories.make_area_staff(Role.FINANCE, "N57EKNT"))
    db.session.commit()
    response = finance.get(_page(made))
    assert response.status_code == 200
    assert ORIGINAL not in page_text(response)
    assert "1 person has answered." in page_text(response)
