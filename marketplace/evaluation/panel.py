"""The panel of a closed need and its conflicts of interest: the commissioner puts
evaluators of the area on the panel (or takes them off); each declares, against every
organisation bidding, a conflict or none; an evaluator opens only the bids it has no
conflict with, once it has declared against every bidder."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, waiting
from ..accounts.models import Role, User
from ..accounts.services import area_staff
from ..bids.closing import counting_bids
from ..bids.lifecycle import submitted_clause
from ..bids.models import Bid, BidRevision
from ..extensions import db
from ..needs.models import Need
from ..notifications import external_url, queue_email
from ..organisations.models import Organisation
from ..timeutil import utcnow
from .errors import EvaluationError
from .models import ConflictDeclaration, PanelMember
from .parties import bid_organisation_ids
from .timing import require_closed
from .wording import local_title


def available_evaluators(need: Need) -> list[User]:
    """Active users with the evaluator role on the need's area or its region."""
    return area_staff(Role.EVALUATOR, need.area, order_by=User.name)


def addable_evaluators(need: Need) -> list[User]:
    """The evaluators of the area not on the panel yet."""
    on_panel = {m.user_id for m in panel(need)}
    return [u for u in available_evaluators(need) if u.id not in on_panel]


def panel(need: Need) -> Sequence[PanelMember]:
    return db.session.scalars(
        sa.select(PanelMember)
        .where(PanelMember.need_id == need.id, PanelMember.removed_at.is_(None))
        .order_by(PanelMember.id)
    ).all()


def panel_member(need: Need, user) -> PanelMember | None:
    if user is None or getattr(user, "id", None) is None:
        return None
    return db.session.scalar(
        sa.select(PanelMember).where(
            PanelMember.need_id == need.id, PanelMember.user_id == user.id, PanelMember.removed_at.is_(None)
        )
    )


def assign_evaluator(need: Need, user: User, *, actor, now: datetime | None = None) -> PanelMember:
    now = now or utcnow()
    require_closed(need, now)
    if user.id not in {u.id for u in available_evaluators(need)}:
        raise EvaluationError(_("Choose an evaluator of this area"), "user_id")
    if panel_member(need, user) is not None:
        raise EvaluationError(_("%(name)s is already on the panel", name=user.name), "user_id")
    member = PanelMember(need_id=need.id, user_id=user.id, assigned_at=now, assigned_by_id=actor.id)
    db.session.add(member)
    audit.record("panel.assigned", member, actor=actor, after={"need_id": need.id, "user_id": user.id})
    queue_email(
        user.email,
        _l("You are on the evaluation panel for %(title)s", title=local_title(need)),
        "panel_assigned",
        user=user,
        need=need,
        link=external_url("evaluation.my_evaluation", need_id=need.id),
    )
    return member


def remove_evaluator(member: PanelMember, *, actor, now: datetime | None = None) -> None:
    """Off the panel. Sheets already submitted stay in the record but no longer count."""
    now = now or utcnow()
    require_closed(member.need, now)
    if member.removed_at is not None:
        raise EvaluationError(_("This evaluator has already been removed"))
    member.removed_at = now
    member.removed_by_id = actor.id
    audit.record("panel.removed", member, actor=actor, after={"need_id": member.need_id, "user_id": member.user_id})


def bidding_organisations(need: Need) -> Sequence[Organisation]:
    """Every organisation in a bid that counts, lead or partner, by name."""
    ids = {i for _, revision in counting_bids(need) for i in bid_organisation_ids(revision)}
    if not ids:
        return []
    return db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)).all()


def declarations(need: Need, user=None) -> Sequence[ConflictDeclaration]:
    query = sa.select(ConflictDeclaration).where(ConflictDeclaration.need_id == need.id)
    if user is not None:
        query = query.where(ConflictDeclaration.user_id == user.id)
    return db.session.scalars(query.order_by(ConflictDeclaration.user_id, ConflictDeclaration.id)).all()


def undeclared(need: Need, user) -> list[Organisation]:
    done = {d.organisation_id for d in declarations(need, user)}
    return [o for o in bidding_organisations(need) if o.id not in done]


def declare_conflicts(need: Need, user, answers: dict[int, tuple[bool, str]], *, now: datetime | None = None) -> None:
    """Declare, for each organisation not yet declared, a conflict (with details) or none.
    Every outstanding organisation must be answered at once."""
    now = now or utcnow()
    require_closed(need, now)
    if panel_member(need, user) is None:
        raise EvaluationError(_("Only evaluators on this need's panel declare conflicts"))
    outstanding = undeclared(need, user)
    if not outstanding:
        raise EvaluationError(_("You have already declared your interests for every bidder"))
    for organisation in outstanding:
        if organisation.id not in answers:
            raise EvaluationError(
                _("Say whether you have a conflict of interest with %(organisation)s", organisation=organisation.name),
                f"org_{organisation.id}",
            )
        conflicted, details = answers[organisation.id]
        if conflicted and not (details or "").strip():
            raise EvaluationError(
                _("Describe your conflict of interest with %(organisation)s", organisation=organisation.name),
                f"details_{organisation.id}",
            )
    for organisation in outstanding:
        conflicted, details = answers[organisation.id]
        declaration = ConflictDeclaration(
            need_id=need.id,
            user_id=user.id,
            organisation_id=organisation.id,
            conflicted=conflicted,
            details=(details or "").strip() if conflicted else "",
            declared_at=now,
        )
        db.session.add(declaration)
        audit.record(
            "conflict.declared",
            declaration,
            actor=user,
            after={"need_id": need.id, "organisation_id": organisation.id, "conflicted": conflicted},
            reason=declaration.details or None,
        )


def conflicted_with(need: Need, user, revision: BidRevision) -> bool:
    ids = set(bid_organisation_ids(revision))
    return any(d.conflicted and d.organisation_id in ids for d in declarations(need, user))


def may_open(user, bid: Bid, revision: BidRevision) -> bool:
    """A panel evaluator may open a bid once it has declared against every bidder, and
    only when it has no conflict with the bid's lead or partners."""
    need = bid.need
    return (
        panel_member(need, user) is not None
        and not undeclared(need, user)
        and not conflicted_with(need, user, revision)
    )


def needs_without_panel(area_ids, now: datetime) -> sa.Select:
    """The areas' closed needs with a submitted bid and nobody on their panel yet, as a
    waiting-work query (marketplace/waiting.py): waiting since they closed."""
    on_panel = (
        sa.select(PanelMember.id).where(PanelMember.need_id == Need.id, PanelMember.removed_at.is_(None)).exists()
    )
    has_bid = sa.select(Bid.id).where(Bid.need_id == Need.id, submitted_clause()).exists()
    return sa.select(
        *waiting.columns(item=Need.id, parent=Need.id, area=Need.area_id, since=Need.closes_at, title=Need.title)
    ).where(Need.area_id.in_(area_ids), Need.closed_clause(now), ~on_panel, has_bid)


def evaluations_for(user) -> Sequence[Need]:
    """Closed needs on whose panel `user` sits (the evaluator's home)."""
    return db.session.scalars(
        sa.select(Need)
        .join(PanelMember, PanelMember.need_id == Need.id)
        .where(PanelMember.user_id == user.id, PanelMember.removed_at.is_(None))
        .order_by(Need.closes_at.desc())
    ).all()
