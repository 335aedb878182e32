"""A contract's feedback link, the answers given through it, and the decision on each comment.

A response is written without an audit record: an audit event carries the exact time and
the response's id, which together would say when someone gave their answers. The link's
changes (made, turned off, turned on) and each comment's publication or refusal are
audited in the transaction that makes them, with who and when.
"""

import secrets
from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from .. import audit
from ..contracts.models import Contract
from ..extensions import db
from ..refusals import Refusal
from ..textlimits import too_long
from ..timeutil import utcnow
from .choices import choices_for
from .models import (
    CODE_ALPHABET,
    CODE_LENGTH,
    COMMENT_CHARACTERS,
    CommentState,
    FeedbackChange,
    FeedbackLink,
    FeedbackResponse,
    Helped,
    Recommend,
)


class FeedbackError(Refusal):
    pass


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(typed: str | None) -> str | None:
    """A code as typed (any case, spaces or dashes around its halves), or None when it
    cannot be one, so the database is not asked."""
    code = (typed or "").replace("-", "").replace(" ", "").upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return None
    return code


def find_link(typed: str | None) -> FeedbackLink | None:
    code = normal_code(typed)
    if code is None:
        return None
    return db.session.scalar(sa.select(FeedbackLink).where(FeedbackLink.code == code))


def link_of(contract: Contract) -> FeedbackLink | None:
    return db.session.scalar(sa.select(FeedbackLink).where(FeedbackLink.contract_id == contract.id))


def make_link(contract: Contract, *, actor=None, code: str | None = None) -> FeedbackLink:
    """The contract's link, made now (and audited) if it has none. Two people opening the
    contract at once make one: the second finds the first's."""
    existing = link_of(contract)
    if existing is not None:
        return existing
    for _attempt in range(5):
        link = FeedbackLink(contract_id=contract.id, code=code or new_code(), created_by_id=getattr(actor, "id", None))
        try:
            with db.session.begin_nested():
                db.session.add(link)
                db.session.flush()
        except sa.exc.IntegrityError:
            existing = link_of(contract)
            if existing is not None:
                return existing
            code = None  # the code was taken: draw another
            continue
        audit.record("feedback_link.created", link, actor=actor, after={"code": link.code})
        return link
    raise RuntimeError("no free feedback code after 5 draws")


def switch_link(link: FeedbackLink, *, turn_on: bool, actor) -> None:
    """Turn the link off (the form says it is closed) or on again; audited."""
    if link.is_open == turn_on:
        return
    link.is_open = turn_on
    link.changed_at = utcnow()
    link.changed_by_id = actor.id
    audit.record(
        "feedback_link.turned_on" if turn_on else "feedback_link.turned_off",
        link,
        actor=actor,
        before={"is_open": not turn_on},
        after={"is_open": turn_on},
    )


def category_code(contract: Contract) -> str | None:
    category = contract.need.category
    return category.code if category is not None else None


def give(
    link: FeedbackLink,
    *,
    helped: str,
    changes: Iterable[str],
    treated: int,
    recommend: str,
    comment: str | None,
    today: date,
) -> FeedbackResponse:
    """Keep one person's answers: the day only. Refused (by the field) for a closed link or
    an answer that is not one of the choices; the form checks these first."""
    if not link.is_open:
        raise FeedbackError(_("This feedback link is closed"))
    listed = choices_for(category_code(link.contract))
    ticked = sorted(set(changes))
    if any(code not in listed for code in ticked):
        raise FeedbackError(_("Select what has changed from the list"), "changes")
    if treated not in range(1, 6):
        raise FeedbackError(_("Select how you were treated"), "treated")
    comment = (comment or "").strip() or None
    if comment is not None and too_long(comment, noun="", characters=COMMENT_CHARACTERS):
        raise FeedbackError(_("What you wrote must be 1,000 characters or fewer"), "comment")
    response = FeedbackResponse(
        link_id=link.id,
        contract_id=link.contract_id,
        given_on=today,
        helped=Helped(helped),
        treated=treated,
        recommend=Recommend(recommend),
        comment=comment,
        comment_state=CommentState.HELD if comment else None,
        changes=[FeedbackChange(code=code) for code in ticked],
    )
    db.session.add(response)
    db.session.flush()
    return response


def held_comments(contract: Contract) -> list[FeedbackResponse]:
    return list(
        db.session.scalars(
            sa.select(FeedbackResponse)
            .where(FeedbackResponse.contract_id == contract.id, FeedbackResponse.comment_state == CommentState.HELD)
            .order_by(FeedbackResponse.given_on, FeedbackResponse.id)
        )
    )


def published_comments(contract_ids: Iterable[int]) -> list[FeedbackResponse]:
    return list(
        db.session.scalars(
            sa.select(FeedbackResponse)
            .where(
                FeedbackResponse.contract_id.in_(list(contract_ids)),
                FeedbackResponse.comment_state == CommentState.PUBLISHED,
            )
            .order_by(FeedbackResponse.given_on.desc(), FeedbackResponse.id.desc())
        )
    )


def decide(response: FeedbackResponse, *, publish: bool, text: str | None, actor) -> None:
    """Publish the comment as `text` (the held comment edited to take out names, places and
    dates), or decline to publish it. The original is kept as it was; audited."""
    if response.comment_state != CommentState.HELD:
        raise FeedbackError(_("This comment has already been decided on"))
    if not publish:
        response.comment_state = CommentState.DECLINED
        audit.record("feedback_comment.declined", response, actor=actor)
        return
    text = (text or "").strip()
    if not text:
        raise FeedbackError(_("Enter the comment to publish"), "text")
    problem = too_long(text, noun=_("The comment to publish"), characters=COMMENT_CHARACTERS)
    if problem:
        raise FeedbackError(problem, "text")
    response.comment_state = CommentState.PUBLISHED
    response.published_comment = text
    audit.record(
        "feedback_comment.published",
        response,
        actor=actor,
        after={"published_comment": text, "edited": text != response.comment},
    )
