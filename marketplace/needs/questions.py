"""Clarification questions: whether one can be asked now, asking (which follows the need),
answering (published to everyone without the asker's name, or privately), and the lists
of questions each side reads."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, waiting
from ..extensions import db
from ..notifications import due_soon, external_url, queue_email
from ..timeutil import london, utcnow
from .following import follow_need, interested_users
from .labels import local_title
from .models import Need, NeedError, NeedStatus, Question, QuestionVisibility


def why_no_questions(need: Need, now: datetime | None = None) -> str | None:
    """Why questions cannot be asked now (or by a request that reached us at `now`), in
    words for the page, or None when they can."""
    now = now or utcnow()
    status = need.status_at(now)
    if status == NeedStatus.DRAFT:
        return _("This need has not been published yet, so questions cannot be asked.")
    if status != NeedStatus.OPEN:
        return _no_more_questions(status)
    assert need.question_deadline is not None  # open, so published: ck_needs_published_has_dates
    if now >= need.question_deadline:
        return _("The deadline for questions was %(time)s.", time=london(need.question_deadline))
    return None


def _no_more_questions(status: NeedStatus) -> str:
    """Why questions can no longer be asked of a need that has left OPEN, in a sentence."""
    return {
        NeedStatus.CLOSED: _("This need is closed, so questions can no longer be asked."),
        NeedStatus.WITHDRAWN: _("This need is withdrawn, so questions can no longer be asked."),
        NeedStatus.CANCELLED: _("This need is cancelled, so questions can no longer be asked."),
        NeedStatus.AWARDED: _("This need is awarded, so questions can no longer be asked."),
    }.get(status) or _("This need is not awarded, so questions can no longer be asked.")


def waiting_for_answers(area_ids) -> sa.Select:
    """The questions on the areas' needs still waiting for an answer (not on a need
    withdrawn or cancelled), as a waiting-work query (marketplace/waiting.py): by question,
    of its need."""
    return (
        sa.select(
            *waiting.columns(
                item=Question.id, parent=Question.need_id, area=Need.area_id, since=Question.asked_at, title=Need.title
            )
        )
        .join(Need, Need.id == Question.need_id)
        .where(
            Need.area_id.in_(area_ids),
            Question.answered_at.is_(None),
            Need.withdrawn_at.is_(None),
            Need.cancelled_at.is_(None),
        )
    )


def ask_question(need: Need, *, organisation, actor, text: str, now: datetime | None = None) -> Question:
    """`now` is when the question reached us (the view passes arrival.request_received_at()):
    checked against the question deadline as it stands, with the need locked."""
    from .models import lock_need

    now = now or utcnow()
    need = lock_need(need.id)
    if actor.role_in(organisation) is None:
        raise NeedError(_("You can ask only for an organisation you belong to"))
    if need.status_at(now) != NeedStatus.OPEN:
        raise NeedError(_("Questions can be asked only while the need is open"))
    assert need.question_deadline is not None  # open, so published: ck_needs_published_has_dates
    if now >= need.question_deadline:
        raise NeedError(_("The deadline for questions was %(time)s", time=london(need.question_deadline)))
    question = Question(need_id=need.id, organisation_id=organisation.id, asked_by_id=actor.id, text=text, asked_at=now)
    db.session.add(question)
    db.session.flush()
    audit.record("question.asked", question, actor=actor, after={"need_id": need.id})
    follow_need(need, actor=actor)
    return question


def answer_question(question: Question, *, actor, answer: str, publish: bool, now: datetime | None = None) -> None:
    now = now or utcnow()
    if question.answered_at is not None:
        raise NeedError(_("This question has already been answered"))
    question.answer = answer
    question.answered_at = now
    question.answered_by_id = actor.id
    question.visibility = QuestionVisibility.PUBLISHED if publish else QuestionVisibility.PRIVATE
    audit.record("question.answered", question, actor=actor, after={"visibility": question.visibility.value})
    need = question.need
    link = external_url("needs.show_need", need_id=need.id, _anchor="questions")
    recipients = interested_users(need) if publish else [question.asked_by]
    if question.asked_by not in recipients:
        recipients.append(question.asked_by)
    for user in recipients:
        queue_email(
            user.email,
            _l("New answer on %(title)s", title=local_title(need)),
            "question_answered",
            user=user,
            need=need,
            question=question,
            link=link,
            urgent=due_soon(need.closes_at, now),  # bidders need the answer before it closes
        )


# Reading -------------------------------------------------------------------------------


def unanswered_count(need: Need) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Question)
        .where(Question.need_id == need.id, Question.answered_at.is_(None))
    ).scalar_one()


def need_questions(need: Need) -> Sequence[Question]:
    """Every question on the need, for its commissioner: unanswered first, oldest first."""
    return db.session.scalars(
        sa.select(Question)
        .where(Question.need_id == need.id)
        .order_by(Question.answered_at.is_not(None), Question.asked_at, Question.id)
    ).all()


def asked_by(need: Need, organisation_ids: list[int]) -> Sequence[Question]:
    """The questions these organisations asked on the need, oldest first."""
    return db.session.scalars(
        sa.select(Question)
        .where(Question.need_id == need.id, Question.organisation_id.in_(organisation_ids))
        .order_by(Question.asked_at, Question.id)
    ).all()


def published_questions(need: Need, *, excluding: Sequence[int] = ()) -> Sequence[Question]:
    """The questions on the need with a published answer, in answer order; `excluding`
    leaves out those these organisations asked."""
    query = sa.select(Question).where(Question.need_id == need.id, Question.visibility == QuestionVisibility.PUBLISHED)
    if excluding:
        query = query.where(Question.organisation_id.not_in(excluding))
    return db.session.scalars(query.order_by(Question.answered_at, Question.id)).all()
