"""Lived-experience advisers on a need's panel: a commissioner invites a person by email
(paid or not, with the fee agreed if any) to score chosen parts of the bids, social value
and "how will people take part" first among them. The invitation is the accounts' signed
link for the area with the adviser role; accepting it (accounts sends
signals.invitation_accepted) puts the person on this need's panel with those parts, in the
same transaction. An adviser declares conflicts and scores on their own like an evaluator,
but only their parts (scoring.parts_for), and only the needs whose panel they are on.
Taken off the panel like an evaluator; an invitation not yet accepted is cancelled."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, signals
from ..accounts.models import Invitation, Role
from ..accounts.services import AccountError, find_user, invite
from ..extensions import db
from ..needs.models import Need
from ..timeutil import utcnow
from .errors import EvaluationError
from .models import SOCIAL_VALUE, AdviserPlace, PanelMember
from .panel import panel, panel_member
from .scoring import Part, counted_sheets, parts
from .timing import require_closed
from .wording import local_title

# Words that mark a question about how the people served take part (suggested to advisers).
TAKING_PART = ("take part", "taking part", "involve", "lived experience", "co-produc")


def suggested_parts(need: Need) -> list[str]:
    """The parts to suggest to an adviser: social value and the questions about how the
    people served take part, where the need has them."""
    return [
        p.key for p in parts(need) if p.key == SOCIAL_VALUE or any(word in p.question.lower() for word in TAKING_PART)
    ]


def places(need: Need) -> Sequence[AdviserPlace]:
    """Every adviser invited to the need's panel, oldest first (joined, waiting, cancelled)."""
    return db.session.scalars(
        sa.select(AdviserPlace).where(AdviserPlace.need_id == need.id).order_by(AdviserPlace.id)
    ).all()


def waiting_places(need: Need) -> list[AdviserPlace]:
    """Invitations sent and not yet accepted nor cancelled."""
    return [p for p in places(need) if p.panel_member_id is None and p.invitation.is_open]


def place_of(member: PanelMember) -> AdviserPlace | None:
    return db.session.scalar(sa.select(AdviserPlace).where(AdviserPlace.panel_member_id == member.id))


def part_labels(need: Need, keys) -> list[str]:
    return [p.label for p in parts(need) if p.key in set(keys or ())]


def _check(need: Need, email: str, chosen: list[str]) -> list[str]:
    known = [p.key for p in parts(need)]
    if not chosen:
        raise EvaluationError(_("Select at least one part for the adviser to score"), "parts")
    if any(key not in known for key in chosen):
        raise EvaluationError(_("Select the parts from the list"), "parts")
    user = find_user(email)
    if user is not None and panel_member(need, user) is not None:
        raise EvaluationError(_("%(email)s is already on the panel", email=email), "email")
    if any(p.invitation.email == email for p in waiting_places(need)):
        raise EvaluationError(_("%(email)s has already been invited to this panel", email=email), "email")
    return [key for key in known if key in chosen]


def invite_adviser(
    need: Need,
    *,
    name: str,
    email: str,
    paid: bool,
    fee_pence: int | None,
    chosen: list[str],
    actor,
    now: datetime | None = None,
) -> AdviserPlace:
    """Invite a lived-experience adviser to the need's panel to score the `chosen` parts."""
    now = now or utcnow()
    require_closed(need, now)
    email = (email or "").strip().lower()
    keys = _check(need, email, chosen)
    if fee_pence is not None and (not paid or fee_pence <= 0):
        raise EvaluationError(_("Give a fee only when the adviser is paid"), "fee")
    try:
        invitation = invite(
            email=email,
            role=Role.ADVISER,
            actor=actor,
            area=need.area,
            again=True,
            subject=_l("You are invited to be a lived-experience adviser on a Local Partners panel"),
            template="adviser_invitation",
            need_title=local_title(need),
            adviser_name=name,
            part_names=part_labels(need, keys),
            paid=paid,
            fee_pence=fee_pence,
        )
    except AccountError as error:
        raise EvaluationError(str(error), "email") from None
    place = AdviserPlace(
        need_id=need.id,
        invitation_id=invitation.id,
        name=name,
        paid=paid,
        fee_pence=fee_pence if paid else None,
        parts=keys,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(place)
    db.session.flush()
    audit.record(
        "panel.adviser_invited",
        place,
        actor=actor,
        after={
            "need_id": need.id,
            "invitation_id": invitation.id,
            "paid": paid,
            "fee_pence": place.fee_pence,
            "parts": keys,
        },
    )
    return place


def cancel_invitation(place: AdviserPlace, *, actor, now: datetime | None = None) -> None:
    """An adviser's invitation not accepted yet is cancelled (the link stops working)."""
    now = now or utcnow()
    if place.panel_member_id is not None or not place.invitation.is_open:
        raise EvaluationError(_("This invitation has already been accepted or cancelled"))
    place.invitation.cancelled_at = now
    audit.record("panel.adviser_invitation_cancelled", place, actor=actor, after={"need_id": place.need_id})


@signals.invitation_accepted.connect
def join_panel(invitation: Invitation, *, user, membership, **_extra) -> None:
    """An adviser accepted: on the need's panel, with the parts chosen (the same transaction)."""
    place = db.session.scalar(sa.select(AdviserPlace).where(AdviserPlace.invitation_id == invitation.id))
    if place is None or place.panel_member_id is not None:
        return
    need = db.session.get(Need, place.need_id)
    assert need is not None
    member = panel_member(need, user)
    if member is None:
        member = PanelMember(
            need_id=need.id,
            user_id=user.id,
            assigned_at=utcnow(),
            assigned_by_id=place.created_by_id,
            parts=list(place.parts),
        )
        db.session.add(member)
        db.session.flush()
    place.panel_member_id = member.id
    audit.record(
        "panel.adviser_joined",
        member,
        actor=user,
        after={"need_id": need.id, "user_id": user.id, "parts": member.parts, "membership_id": membership.id},
    )


def adviser_scored(bid) -> list[Part]:
    """The parts of the bid a lived-experience adviser on the panel scored (a submitted
    sheet that counts), in the need's order: what its bidder is told."""
    scored = {m.user_id: m.parts for m in panel(bid.need) if m.parts is not None}
    keys = {key for sheet in counted_sheets(bid) for key in scored.get(sheet.user_id) or ()}
    return [p for p in parts(bid.need) if p.key in keys]


def adviser_needs(user) -> list[Need]:
    """The needs whose panel the user sits on as a lived-experience adviser."""
    return list(
        db.session.scalars(
            sa.select(Need)
            .join(PanelMember, PanelMember.need_id == Need.id)
            .where(PanelMember.user_id == user.id, PanelMember.removed_at.is_(None), PanelMember.parts.is_not(None))
            .order_by(Need.closes_at.desc())
        )
    )
