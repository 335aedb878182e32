"""A bid as a consortium: the lead invites partners (registered organisations, or ones
invited by email), sets everyone's shares of the work and the price, and removes
partners; an invited organisation accepts its link once registered; each partner
confirms or declines its share. Changing anything needs the need to be open.
"""

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..notifications import due_soon, external_url, queue_email
from ..timeutil import utcnow
from .drafting import check_editable, record_saved
from .errors import BidClosed, BidError
from .lifecycle import need_is_open
from .models import Bid, BidPartner
from .parties import bid_for, is_member, partner_bid_for

MAX_PARTNERS = 10


def _check_share(work_percent: int, price_percent: int) -> None:
    if not 1 <= work_percent <= 99:
        raise BidError(_("Enter a share of the work between 1% and 99%"))
    if not 0 <= price_percent <= 99:
        raise BidError(_("Enter a share of the price between 0% and 99%"))


def invite_partner(
    bid: Bid,
    *,
    organisation=None,
    name: str = "",
    email: str = "",
    work_percent: int,
    price_percent: int,
    actor,
    now: datetime | None = None,
) -> tuple[BidPartner, str | None]:
    """Add a partner: a registered organisation (its members are asked to confirm), or one
    not yet registered (named, and invited by email with a link to join). Returns the
    partner and, for an emailed invitation, the link token (kept only as a hash)."""
    now = now or utcnow()
    check_editable(bid, actor, now)
    _check_share(work_percent, price_percent)
    if len(bid.current_partners) >= MAX_PARTNERS:
        raise BidError(_("A consortium can have at most %(most)s partners", most=MAX_PARTNERS))
    token = None
    if organisation is not None:
        if organisation.id == bid.organisation_id:
            raise BidError(_("The lead organisation cannot also be a partner"))
        if not organisation.is_verified:
            raise BidError(_("Select an organisation that is registered and verified on Local Partners"))
        if any(p.organisation_id == organisation.id and p.declined_at is None for p in bid.current_partners):
            raise BidError(_("%(name)s is already a partner in this bid", name=organisation.name))
        if bid_for(organisation.id, bid.lot) is not None or partner_bid_for(organisation.id, bid.lot) is not None:
            raise BidError(_("%(name)s is already bidding for this lot", name=organisation.name))
        partner = BidPartner(
            bid_id=bid.id,
            lot_id=bid.lot_id,
            organisation_id=organisation.id,
            work_percent=work_percent,
            price_percent=price_percent,
            invited_at=now,
            invited_by_id=actor.id,
        )
    else:
        if not name.strip() or not email.strip():
            raise BidError(_("Enter the organisation's name and an email address to invite it"))
        token = secrets.token_urlsafe(24)
        partner = BidPartner(
            bid_id=bid.id,
            lot_id=bid.lot_id,
            invited_name=name.strip(),
            invited_email=email.strip().lower(),
            invite_token_hash=hashlib.sha256(token.encode()).hexdigest(),
            work_percent=work_percent,
            price_percent=price_percent,
            invited_at=now,
            invited_by_id=actor.id,
        )
    try:
        with db.session.begin_nested():
            db.session.add(partner)
            db.session.flush()
    except IntegrityError:
        raise BidError(_("That organisation is already bidding for this lot")) from None
    db.session.expire(bid, ["partners"])
    record_saved(bid, actor, "partners", now)
    audit.record(
        "bid.partner_invited",
        bid,
        actor=actor,
        after={"partner_id": partner.id, "organisation_id": partner.organisation_id},
    )
    _tell_partner(partner, token)
    return partner, token


def _tell_partner(partner: BidPartner, token: str | None) -> None:
    bid = partner.bid
    context = {"bid": bid, "partner": partner, "need": bid.need, "lot": bid.lot, "lead": bid.organisation}
    if token is not None:
        assert partner.invited_email is not None  # a token only for an invitation by email
        # The link lets whoever holds it join the bid, and then read it: the service team
        # reads this email with the link masked, as for the accounts' emailed links.
        queue_email(
            partner.invited_email,
            _l(
                "%(lead)s invites you to bid together for %(need)s",
                lead=bid.organisation.name,
                need=LazyString(lambda: bid.need.local_title),
            ),
            "bid_partner_invited",
            link=external_url("bids.accept_invitation", token=token),
            private=("link",),
            **context,
        )
        return
    for membership in partner.organisation.active_memberships:
        user = membership.user
        if user.is_active:
            queue_email(
                user.email,
                _l("Confirm your share in a bid for %(need)s", need=LazyString(lambda: bid.need.local_title)),
                "bid_partner_confirm",
                user=user,
                link=external_url("bids.show_bid", bid_id=bid.id),
                urgent=due_soon(bid.need.closes_at),  # the bid waits for this answer until it closes
                **context,
            )


def accept_invitation(token: str, *, organisation, actor, now: datetime | None = None) -> BidPartner:
    """An invited organisation, now registered, takes its place as a partner."""
    now = now or utcnow()
    partner = db.session.scalar(
        sa.select(BidPartner).where(BidPartner.invite_token_hash == hashlib.sha256((token or "").encode()).hexdigest())
    )
    if (
        partner is None
        or partner.removed_at is not None
        or partner.declined_at is not None
        or partner.organisation_id is not None
    ):
        raise BidError(_("This invitation link is not valid: ask the lead organisation to invite you again"))
    if not is_member(actor, organisation.id):
        raise BidError(_("You can only accept for an organisation you belong to"))
    bid = partner.bid
    if not need_is_open(bid.need, now):
        raise BidClosed(_("This need has closed"))
    if (
        organisation.id == bid.organisation_id
        or bid_for(organisation.id, bid.lot)
        or partner_bid_for(organisation.id, bid.lot)
    ):
        raise BidError(_("%(name)s is already bidding for this lot", name=organisation.name))
    partner.organisation_id = organisation.id
    partner.invite_token_hash = None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise BidError(_("%(name)s is already bidding for this lot", name=organisation.name)) from None
    audit.record(
        "bid.partner_joined", bid, actor=actor, after={"partner_id": partner.id, "organisation_id": organisation.id}
    )
    return partner


def set_shares(
    bid: Bid,
    *,
    lead_work_percent: int,
    lead_price_percent: int,
    partner_shares: dict[int, tuple[int, int]],
    actor,
    now: datetime | None = None,
) -> None:
    """The lead sets everyone's shares. A partner whose share changes must confirm again."""
    now = now or utcnow()
    check_editable(bid, actor, now)
    partners = {p.id: p for p in bid.current_partners if p.declined_at is None}
    if set(partner_shares) != set(partners):
        raise BidError(_("Enter a share for each partner"))
    for work, price in partner_shares.values():
        _check_share(work, price)
    if not 1 <= lead_work_percent <= 100 or not 0 <= lead_price_percent <= 100:
        raise BidError(_("Enter the lead organisation's shares, between 0% and 100%"))
    for partner_id, (work, price) in partner_shares.items():
        partner = partners[partner_id]
        if (partner.work_percent, partner.price_percent) != (work, price):
            partner.work_percent, partner.price_percent = work, price
            partner.confirmed_at = partner.confirmed_by_id = None
    bid.lead_work_percent = lead_work_percent
    bid.lead_price_percent = lead_price_percent
    record_saved(bid, actor, "partners", now)


def remove_partner(partner: BidPartner, *, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    bid = partner.bid
    check_editable(bid, actor, now)
    if partner.removed_at is None:
        partner.removed_at = now
        record_saved(bid, actor, "partners", now)
        audit.record(
            "bid.partner_removed",
            bid,
            actor=actor,
            before={"partner_id": partner.id, "organisation_id": partner.organisation_id},
        )


def _check_partner_member(partner: BidPartner, actor, now: datetime, refused: str) -> None:
    """Refuse (with `refused`) unless the actor is a member of the partner organisation,
    still in the bid; and refuse once the need has closed."""
    if not is_member(actor, partner.organisation_id) or partner.removed_at is not None:
        raise BidError(refused)
    if not need_is_open(partner.bid.need, now):
        raise BidClosed(_("This need has closed"))


def confirm_partner(partner: BidPartner, *, actor, now: datetime | None = None) -> None:
    """A member of the partner organisation confirms its share of the work and the price."""
    now = now or utcnow()
    _check_partner_member(partner, actor, now, _("Only a member of the partner organisation can confirm its share"))
    if partner.declined_at is not None:
        raise BidError(_("Your organisation has declined this bid"))
    partner.confirmed_at = now
    partner.confirmed_by_id = actor.id
    audit.record(
        "bid.partner_confirmed",
        partner.bid,
        actor=actor,
        after={"partner_id": partner.id, "work_percent": partner.work_percent, "price_percent": partner.price_percent},
    )


def decline_partner(partner: BidPartner, *, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    _check_partner_member(partner, actor, now, _("Only a member of the partner organisation can decline"))
    partner.declined_at = now
    partner.confirmed_at = partner.confirmed_by_id = None
    audit.record("bid.partner_declined", partner.bid, actor=actor, after={"partner_id": partner.id})


def shares_to_confirm(organisation_ids, now: datetime | None = None) -> list[BidPartner]:
    """The partner places of these organisations still to be confirmed or declined, on
    needs still open (a share can be confirmed only then), soonest closing first (one
    query; the provider's home)."""
    from sqlalchemy.orm import contains_eager, joinedload

    from ..needs.models import Need

    if not organisation_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(BidPartner)
            .join(Bid, Bid.id == BidPartner.bid_id)
            .join(Need, Need.id == Bid.need_id)
            .where(
                BidPartner.organisation_id.in_(organisation_ids),
                BidPartner.confirmed_at.is_(None),
                BidPartner.declined_at.is_(None),
                BidPartner.removed_at.is_(None),
                Need.open_clause(now or utcnow()),
            )
            .options(
                contains_eager(BidPartner.bid).contains_eager(Bid.need),
                contains_eager(BidPartner.bid).joinedload(Bid.organisation),
                joinedload(BidPartner.organisation),
            )
            .order_by(Need.closes_at, BidPartner.id)
        )
    )
