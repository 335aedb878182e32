"""Who hears about a need: providers follow and unfollow it, and `interested_users` names
everyone to tell of a change, an answer or an ending (followers and bidders)."""

import sqlalchemy as sa

from .. import audit, signals
from ..extensions import db
from ..timeutil import utcnow
from .models import Follow, Need


def current_follow(need: Need, user) -> Follow | None:
    return db.session.scalar(
        sa.select(Follow).where(Follow.need_id == need.id, Follow.user_id == user.id, Follow.ended_at.is_(None))
    )


def follow_need(need: Need, *, actor) -> Follow:
    existing = current_follow(need, actor)
    if existing is not None:
        return existing
    follow = Follow(need_id=need.id, user_id=actor.id)
    db.session.add(follow)
    db.session.flush()
    audit.record("need.followed", follow, actor=actor, after={"need_id": need.id})
    return follow


def unfollow_need(need: Need, *, actor) -> None:
    follow = current_follow(need, actor)
    if follow is not None:
        follow.ended_at = utcnow()
        audit.record("need.unfollowed", follow, actor=actor, after={"need_id": need.id})


def interested_users(need: Need) -> list:
    """Everyone to tell about a change: followers, and whoever the packages above add
    (signals.who_to_tell: bids adds the members of every organisation with a bid on the
    need, draft or submitted, lead or partner)."""
    from ..accounts.models import User

    users = list(
        db.session.scalars(
            sa.select(User)
            .join(Follow, Follow.user_id == User.id)
            .where(Follow.need_id == need.id, Follow.ended_at.is_(None))
        ).all()
    )
    for more in signals.answers(signals.who_to_tell, need):
        users.extend(more)
    seen, result = set(), []
    for user in users:
        if user.id not in seen and user.is_active:
            seen.add(user.id)
            result.append(user)
    return result
