"""The rules of bids. Functions take the acting user, change state, record audit events,
queue emails and flush; the view commits once.

Audit events about bids never hold what the bid says (answers, prices): the audit trail
is read by area staff and admins, and a bid is sealed until closing.
"""

import hashlib
import json
import secrets
import statistics
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..arrival import IN_FLIGHT_LIMIT
from ..extensions import db
from ..money import MAX_PENCE, format_pounds, split_pence
from ..needs.models import Amendment, Condition, Lot, Need, NeedStatus
from ..notifications import external_url, queue_email
from ..textlimits import character_count, character_limit, word_count
from ..timeutil import london, london_to_the_tenth, utcnow
from .models import Bid, BidDocument, BidPartner, BidRevision, BidState, Declaration

# A bid this far below the median of the other bids on its lot is abnormally low.
LOW_SHARE_OF_MEDIAN = 0.70
MAX_PARTNERS = 10
SOCIAL_VALUE_WORD_LIMIT = 500
CONFLICT_WORD_LIMIT = 200


class BidError(Exception):
    """A rule of bidding was broken; the message is fit to show the user."""


class BidClosed(BidError):
    """The need has closed (or ended): nothing more can be submitted or changed."""


@dataclass(frozen=True)
class Problem:
    section: str
    message: str
    field: str | None = None  # the box in the section it is about, if one


# Who is who --------------------------------------------------------------------------


def is_member(user, organisation_id: int | None) -> bool:
    return bool(
        organisation_id is not None
        and user is not None
        and getattr(user, "is_authenticated", False)
        and any(m.organisation_id == organisation_id for m in user.organisation_memberships())
    )


def leads(user, bid: Bid) -> bool:
    """A member of the lead organisation: may change, submit and withdraw the bid."""
    return is_member(user, bid.organisation_id)


def partner_of(user, bid: Bid) -> BidPartner | None:
    """The current partner place this user's organisation holds in the bid, if any."""
    for partner in bid.current_partners:
        if partner.declined_at is None and is_member(user, partner.organisation_id):
            return partner
    return None


def is_party(user, bid: Bid) -> bool:
    """Lead or a current (not declined, not removed) partner: may read the bid."""
    return leads(user, bid) or partner_of(user, bid) is not None


# Timing ------------------------------------------------------------------------------


def need_is_open(need: Need, now: datetime) -> bool:
    return need.status_at(now) == NeedStatus.OPEN


def _changes_returning(lot: Lot):
    """The material amendments that returned bids on this lot to reconfirmation: those
    to every lot and those to this one (needs/changes.py says which is which)."""
    return sa.select(Amendment.id).where(
        Amendment.need_id == lot.need_id,
        Amendment.material.is_(True),
        sa.or_(Amendment.affects_all_lots.is_(True), Amendment.lots.any(Lot.id == lot.id)),
    )


def material_change_count(lot: Lot) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_changes_returning(lot).subquery()))


def answers_current_need(revision: BidRevision, lot: Lot) -> bool:
    """Whether the revision answers the need as it now is: it saw every material change
    to its lot. Compared by the number of such changes the revision's content records,
    not by time: an amendment is stamped when it starts, so a submission running
    alongside it (before it was committed) can be later than its stamp without having
    seen it."""
    return (revision.content or {}).get("need_material_changes") == material_change_count(lot)


def changes_since(revision: BidRevision, lot: Lot) -> list[Amendment]:
    """The material changes to the lot that the revision did not see, oldest first: what
    the bidder must check before confirming the bid again."""
    seen = (revision.content or {}).get("need_material_changes") or 0
    returning = db.session.scalars(
        sa.select(Amendment).where(Amendment.id.in_(_changes_returning(lot))).order_by(Amendment.id)
    ).all()
    return list(returning[seen:])


def counting_revision(bid: Bid) -> BidRevision | None:
    """The submission that counts: the latest, unless the bid was withdrawn after it or a
    material change to the need came after it (then it must be reconfirmed). Revisions can
    only be written before closing, so this is also the last one before closing."""
    latest = bid.latest_revision
    if latest is None:
        return None
    if bid.withdrawn_at is not None and bid.withdrawn_at >= latest.submitted_at:
        return None
    if not answers_current_need(latest, bid.lot):
        return None
    return latest


def bid_state(bid: Bid, now: datetime | None = None) -> BidState:
    now = now or utcnow()
    latest = bid.latest_revision
    withdrawn = bid.withdrawn_at is not None and (latest is None or bid.withdrawn_at >= latest.submitted_at)
    if withdrawn:
        return BidState.WITHDRAWN
    if not need_is_open(bid.need, now):
        return BidState.CLOSED
    if latest is not None:
        if not answers_current_need(latest, bid.lot):
            return BidState.NEEDS_RECONFIRMATION
        return BidState.SUBMITTED
    if any(p.declined_at is None and p.confirmed_at is None for p in bid.current_partners):
        return BidState.WAITING_FOR_PARTNERS
    return BidState.DRAFT


def has_unsubmitted_changes(bid: Bid) -> bool:
    """Whether the bidder changed anything of its own since its last submission. A change
    the commissioner made to the need (its questions' wording, the count of changes the
    bid saw) is not the bidder's: it may mean the bid needs reconfirming, said apart."""
    latest = bid.latest_revision
    return latest is not None and _bidders_own(bid_content(bid)) != _bidders_own(latest.content or {})


def _bidders_own(content: dict) -> dict:
    """What the bidder wrote and chose, from a bid's content: without the need's wording."""
    own = {key: value for key, value in content.items() if key not in ("need_material_changes", "answers", "price_breakdown")}
    own["answers"] = {str(a["criterion_id"]): a["answer"] for a in content.get("answers", []) if a.get("answer")}
    own["price_breakdown"] = {b["key"]: b["pence"] for b in content.get("price_breakdown", [])}
    return own


# Starting and editing ------------------------------------------------------------------


def bid_for(organisation_id: int, lot: Lot) -> Bid | None:
    """The bid this organisation leads on this lot, if any."""
    return db.session.scalar(sa.select(Bid).where(Bid.organisation_id == organisation_id, Bid.lot_id == lot.id))


def partner_bid_for(organisation_id: int, lot: Lot) -> Bid | None:
    """The bid on this lot in which this organisation is a current partner, if any."""
    return db.session.scalar(
        sa.select(Bid)
        .join(BidPartner, BidPartner.bid_id == Bid.id)
        .where(
            BidPartner.lot_id == lot.id,
            BidPartner.organisation_id == organisation_id,
            BidPartner.removed_at.is_(None),
            BidPartner.declined_at.is_(None),
        )
    )


def start_bid(lot: Lot, *, organisation, actor, now: datetime | None = None) -> Bid:
    """A new draft bid led by `organisation`, with what its profile already says filled in."""
    now = now or utcnow()
    need = lot.need
    if not is_member(actor, organisation.id):
        raise BidError("You can only bid for an organisation you belong to")
    if not need_is_open(need, now):
        raise BidClosed("This need is not open for bids")
    if bid_for(organisation.id, lot) is not None:
        raise BidError(f"{organisation.name} already has a bid for this lot")
    if partner_bid_for(organisation.id, lot) is not None:
        raise BidError(f"{organisation.name} is already a partner in another bid for this lot")
    reservation_problem = reservation_refusal(lot, organisation)
    if reservation_problem:
        raise BidError(reservation_problem)
    need_pdu_ids = {p.id for p in need.pdus}
    bid = Bid(
        need_id=need.id,
        lot_id=lot.id,
        organisation_id=organisation.id,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        people=need.expected_people,
        local_pdu_ids=sorted(p.id for p in organisation.pdus if p.id in need_pdu_ids),
        answers={},
        price_breakdown={},
        declarations=[],
    )
    try:
        with db.session.begin_nested():
            db.session.add(bid)
            db.session.flush()
    except IntegrityError:
        # Two starts raced (a double click): the constraint kept one bid.
        raise BidError(f"{organisation.name} already has a bid for this lot") from None
    audit.record("bid.started", bid, actor=actor, after={"lot_id": lot.id, "organisation_id": organisation.id})
    return bid


def reservation_refusal(lot: Lot, organisation) -> str | None:
    """Why this organisation may not lead a bid for a reserved lot, or None. A VCSE lot is
    for voluntary, community and social enterprise organisations (from the legal form in
    the profile); a local lot for organisations with staff or premises in a delivery unit
    the need covers (from the profile's delivery units)."""
    from ..needs.models import Reservation

    if lot.reservation == Reservation.VCSE and not organisation.is_vcse:
        return "This lot is reserved for voluntary, community and social enterprise organisations"
    if lot.reservation == Reservation.LOCAL and not {p.id for p in organisation.pdus} & {p.id for p in lot.need.pdus}:
        return (
            "This lot is reserved for local organisations: add the delivery units where you have staff "
            "or premises to your organisation's profile"
        )
    return None


def _editable(bid: Bid, actor, now: datetime) -> None:
    if not leads(actor, bid):
        raise BidError("Only the lead organisation can change this bid")
    if not need_is_open(bid.need, now):
        raise BidClosed("This need has closed: the bid can no longer be changed")


def _saved(bid: Bid, actor, section: str, now: datetime) -> None:
    bid.updated_at = now
    audit.record("bid.draft_saved", bid, actor=actor, after={"section": section})


def save_answers(bid: Bid, *, answers: dict[int, str], actor, now: datetime | None = None) -> None:
    """Save answers by criterion id. Saved even when over a word or character limit
    (nothing typed is lost); the limit is a problem that stops submission, and the form
    says so."""
    now = now or utcnow()
    _editable(bid, actor, now)
    criteria = {c.id for c in bid.need.criteria}
    unknown = set(answers) - criteria
    if unknown:
        raise BidError("Answer only the questions of this need")
    merged = dict(bid.answers or {})
    merged.update({str(k): (v or "").strip() for k, v in answers.items()})
    bid.answers = merged
    _saved(bid, actor, "answers", now)


def payment_parts(bid: Bid) -> list[tuple[str, str, int]]:
    """The need's payment profile as (key, label, percent): the advance if any, then each
    milestone. The keys are those of Bid.price_breakdown."""
    need = bid.need
    parts = []
    if need.advance_percent:
        parts.append(("advance", "Advance at contract start", need.advance_percent))
    parts += [(str(m.id), m.title, m.percent) for m in need.milestones]
    return parts


def suggested_breakdown(bid: Bid, price_pence: int) -> dict[str, int]:
    """The price shared by the need's payment profile, to start the breakdown from."""
    parts = payment_parts(bid)
    amounts = split_pence(price_pence, [p for _, _, p in parts])
    return {key: amount for (key, _, _), amount in zip(parts, amounts, strict=True)}


def save_price(bid: Bid, *, price_pence: int, breakdown: dict[str, int], people: int, actor, now: datetime | None = None) -> None:
    """Price, its split over the payment profile and the number of people. Checked here as
    well as in the form: totals must match exactly, in pence."""
    now = now or utcnow()
    _editable(bid, actor, now)
    if not 0 < price_pence <= MAX_PENCE:
        raise BidError(f"Enter a price between £0.01 and {format_pounds(MAX_PENCE)}")
    keys = [key for key, _, _ in payment_parts(bid)]
    if set(breakdown) != set(keys):
        raise BidError("Enter an amount for each payment")
    if any(amount < 0 or amount > MAX_PENCE for amount in breakdown.values()):
        raise BidError("Each payment must be between £0 and the price")
    if sum(breakdown.values()) != price_pence:
        raise BidError(
            f"The payments add up to {format_pounds(sum(breakdown.values()))}, not the price of {format_pounds(price_pence)}"
        )
    if not 0 < people <= 1_000_000:
        raise BidError("Enter the number of people, between 1 and 1,000,000")
    if bid.price_pence is not None and bid.price_pence != price_pence:
        # Partners agreed to a share of a price: a new price needs their agreement again.
        for partner in bid.current_partners:
            if partner.confirmed_at is not None:
                partner.confirmed_at = partner.confirmed_by_id = None
    bid.price_pence = price_pence
    bid.price_breakdown = {key: breakdown[key] for key in keys}
    bid.people = people
    _saved(bid, actor, "price", now)


def save_social_value(bid: Bid, *, text: str, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    _editable(bid, actor, now)
    bid.social_value = (text or "").strip()
    _saved(bid, actor, "social_value", now)


def local_presence_none(bid: Bid) -> bool:
    """The lead said it has no staff or premises in any delivery unit of the need."""
    return bool(bid.no_local_presence)


def local_pdu_ids_of(bid: Bid) -> list[int]:
    """The delivery units where the bidder has staff or premises."""
    return sorted(bid.local_pdu_ids or [])


def save_local_presence(bid: Bid, *, pdu_ids: list[int], none: bool = False, actor, now: datetime | None = None) -> None:
    """The need's delivery units where the bidder has staff or premises; or, with
    `none=True` and no units, an explicit "none of these"."""
    now = now or utcnow()
    _editable(bid, actor, now)
    allowed = {p.id for p in bid.need.pdus}
    if none:
        if pdu_ids:
            raise BidError("Select delivery units, or select 'None of these', not both")
        bid.local_pdu_ids = []
        bid.no_local_presence = True
    else:
        if not set(pdu_ids) <= allowed:
            raise BidError("Select only delivery units this need covers")
        bid.local_pdu_ids = sorted(set(pdu_ids))
        bid.no_local_presence = False
    _saved(bid, actor, "local_presence", now)


def save_declarations(bid: Bid, *, declarations: list[str], conflict_details: str, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    _editable(bid, actor, now)
    known = {d.value for d in Declaration}
    if not set(declarations) <= known:
        raise BidError("Select only the declarations listed")
    bid.declarations = [d.value for d in Declaration if d.value in declarations]
    bid.conflict_details = (conflict_details or "").strip()
    _saved(bid, actor, "declarations", now)


def add_document(bid: Bid, *, filename: str, data: bytes, actor, now: datetime | None = None) -> BidDocument:
    from ..documents.uploads import save_upload

    now = now or utcnow()
    _editable(bid, actor, now)
    document = BidDocument(bid_id=bid.id, uploaded_by_id=actor.id, uploaded_at=now, **save_upload(filename, data))
    db.session.add(document)
    db.session.flush()
    _saved(bid, actor, "documents", now)
    return document


def remove_document(document: BidDocument, *, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    _editable(document.bid, actor, now)
    if document.removed_at is None:
        document.removed_at = now
        _saved(document.bid, actor, "documents", now)


# Consortium ----------------------------------------------------------------------------


def _check_share(work_percent: int, price_percent: int) -> None:
    if not 1 <= work_percent <= 99:
        raise BidError("Enter a share of the work between 1% and 99%")
    if not 0 <= price_percent <= 99:
        raise BidError("Enter a share of the price between 0% and 99%")


def invite_partner(
    bid: Bid, *, organisation=None, name: str = "", email: str = "", work_percent: int, price_percent: int,
    actor, now: datetime | None = None,
) -> tuple[BidPartner, str | None]:
    """Add a partner: a registered organisation (its members are asked to confirm), or one
    not yet registered (named, and invited by email with a link to join). Returns the
    partner and, for an emailed invitation, the link token (kept only as a hash)."""
    now = now or utcnow()
    _editable(bid, actor, now)
    _check_share(work_percent, price_percent)
    if len(bid.current_partners) >= MAX_PARTNERS:
        raise BidError(f"A consortium can have at most {MAX_PARTNERS} partners")
    token = None
    if organisation is not None:
        if organisation.id == bid.organisation_id:
            raise BidError("The lead organisation cannot also be a partner")
        if not organisation.is_verified:
            raise BidError("Select an organisation that is registered and verified on Local Partners")
        if any(p.organisation_id == organisation.id and p.declined_at is None for p in bid.current_partners):
            raise BidError(f"{organisation.name} is already a partner in this bid")
        if bid_for(organisation.id, bid.lot) is not None or partner_bid_for(organisation.id, bid.lot) is not None:
            raise BidError(f"{organisation.name} is already bidding for this lot")
        partner = BidPartner(
            bid_id=bid.id, lot_id=bid.lot_id, organisation_id=organisation.id, work_percent=work_percent,
            price_percent=price_percent, invited_at=now, invited_by_id=actor.id,
        )
    else:
        if not name.strip() or not email.strip():
            raise BidError("Enter the organisation's name and an email address to invite it")
        token = secrets.token_urlsafe(24)
        partner = BidPartner(
            bid_id=bid.id, lot_id=bid.lot_id, invited_name=name.strip(), invited_email=email.strip().lower(),
            invite_token_hash=hashlib.sha256(token.encode()).hexdigest(), work_percent=work_percent,
            price_percent=price_percent, invited_at=now, invited_by_id=actor.id,
        )
    try:
        with db.session.begin_nested():
            db.session.add(partner)
            db.session.flush()
    except IntegrityError:
        raise BidError("That organisation is already bidding for this lot") from None
    db.session.expire(bid, ["partners"])
    _saved(bid, actor, "partners", now)
    audit.record("bid.partner_invited", bid, actor=actor, after={"partner_id": partner.id, "organisation_id": partner.organisation_id})
    _tell_partner(partner, token)
    return partner, token


def _tell_partner(partner: BidPartner, token: str | None) -> None:
    bid = partner.bid
    context = {"bid": bid, "partner": partner, "need": bid.need, "lot": bid.lot, "lead": bid.organisation}
    if token is not None:
        # The link lets whoever holds it join the bid, and then read it: the service team
        # reads this email with the link masked, as for the accounts' emailed links.
        queue_email(
            partner.invited_email,
            f"{bid.organisation.name} invites you to bid together for {bid.need.title}",
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
                f"Confirm your share in a bid for {bid.need.title}",
                "bid_partner_confirm",
                user=user,
                link=external_url("bids.show_bid", bid_id=bid.id),
                **context,
            )


def accept_invitation(token: str, *, organisation, actor, now: datetime | None = None) -> BidPartner:
    """An invited organisation, now registered, takes its place as a partner."""
    now = now or utcnow()
    partner = db.session.scalar(
        sa.select(BidPartner).where(BidPartner.invite_token_hash == hashlib.sha256((token or "").encode()).hexdigest())
    )
    if partner is None or partner.removed_at is not None or partner.declined_at is not None or partner.organisation_id is not None:
        raise BidError("This invitation link is not valid: ask the lead organisation to invite you again")
    if not is_member(actor, organisation.id):
        raise BidError("You can only accept for an organisation you belong to")
    bid = partner.bid
    if not need_is_open(bid.need, now):
        raise BidClosed("This need has closed")
    if organisation.id == bid.organisation_id or bid_for(organisation.id, bid.lot) or partner_bid_for(organisation.id, bid.lot):
        raise BidError(f"{organisation.name} is already bidding for this lot")
    partner.organisation_id = organisation.id
    partner.invite_token_hash = None
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise BidError(f"{organisation.name} is already bidding for this lot") from None
    audit.record("bid.partner_joined", bid, actor=actor, after={"partner_id": partner.id, "organisation_id": organisation.id})
    return partner


def set_shares(bid: Bid, *, lead_work_percent: int, lead_price_percent: int, partner_shares: dict[int, tuple[int, int]], actor, now: datetime | None = None) -> None:
    """The lead sets everyone's shares. A partner whose share changes must confirm again."""
    now = now or utcnow()
    _editable(bid, actor, now)
    partners = {p.id: p for p in bid.current_partners if p.declined_at is None}
    if set(partner_shares) != set(partners):
        raise BidError("Enter a share for each partner")
    for work, price in partner_shares.values():
        _check_share(work, price)
    if not 1 <= lead_work_percent <= 100 or not 0 <= lead_price_percent <= 100:
        raise BidError("Enter the lead organisation's shares, between 0% and 100%")
    for partner_id, (work, price) in partner_shares.items():
        partner = partners[partner_id]
        if (partner.work_percent, partner.price_percent) != (work, price):
            partner.work_percent, partner.price_percent = work, price
            partner.confirmed_at = partner.confirmed_by_id = None
    bid.lead_work_percent = lead_work_percent
    bid.lead_price_percent = lead_price_percent
    _saved(bid, actor, "partners", now)


def remove_partner(partner: BidPartner, *, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    bid = partner.bid
    _editable(bid, actor, now)
    if partner.removed_at is None:
        partner.removed_at = now
        _saved(bid, actor, "partners", now)
        audit.record("bid.partner_removed", bid, actor=actor, before={"partner_id": partner.id, "organisation_id": partner.organisation_id})


def confirm_partner(partner: BidPartner, *, actor, now: datetime | None = None) -> None:
    """A member of the partner organisation confirms its share of the work and the price."""
    now = now or utcnow()
    if not is_member(actor, partner.organisation_id) or partner.removed_at is not None:
        raise BidError("Only a member of the partner organisation can confirm its share")
    if not need_is_open(partner.bid.need, now):
        raise BidClosed("This need has closed")
    if partner.declined_at is not None:
        raise BidError("Your organisation has declined this bid")
    partner.confirmed_at = now
    partner.confirmed_by_id = actor.id
    audit.record(
        "bid.partner_confirmed", partner.bid, actor=actor,
        after={"partner_id": partner.id, "work_percent": partner.work_percent, "price_percent": partner.price_percent},
    )


def decline_partner(partner: BidPartner, *, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    if not is_member(actor, partner.organisation_id) or partner.removed_at is not None:
        raise BidError("Only a member of the partner organisation can decline")
    if not need_is_open(partner.bid.need, now):
        raise BidClosed("This need has closed")
    partner.declined_at = now
    partner.confirmed_at = partner.confirmed_by_id = None
    audit.record("bid.partner_declined", partner.bid, actor=actor, after={"partner_id": partner.id})


# Checking and submitting ------------------------------------------------------------------


def problems(bid: Bid) -> list[Problem]:
    """Everything that stops this bid being submitted, in the order of the task list."""
    found: list[Problem] = []
    need = bid.need
    answers = bid.answers or {}
    for criterion in need.criteria:
        text = answers.get(str(criterion.id), "")
        field = f"answer_{criterion.id}"
        if not text.strip():
            found.append(Problem("answers", f"Answer question {criterion.number}: {criterion.question}", field))
        elif word_count(text) > criterion.word_limit:
            found.append(Problem(
                "answers",
                f"Your answer to question {criterion.number} has {word_count(text):,} words; the limit is {criterion.word_limit:,}",
                field,
            ))
        elif character_count(text) > character_limit(criterion.word_limit):
            found.append(Problem(
                "answers",
                f"Your answer to question {criterion.number} has {character_count(text):,} characters; "
                f"the limit is {character_limit(criterion.word_limit):,}",
                field,
            ))
    if bid.price_pence is None:
        found.append(Problem("price", "Enter your price"))
    else:
        keys = [key for key, _, _ in payment_parts(bid)]
        breakdown = bid.price_breakdown or {}
        if set(breakdown) != set(keys):
            found.append(Problem("price", "Enter the price for each payment: the need's payment profile has changed"))
        elif sum(breakdown.values()) != bid.price_pence:
            found.append(Problem("price", "The payments must add up to the price"))
    if not bid.people:
        found.append(Problem("price", "Enter the number of people you will support"))
    if not (bid.social_value or "").strip():
        found.append(Problem("social_value", "Describe your social value commitments"))
    elif word_count(bid.social_value) > SOCIAL_VALUE_WORD_LIMIT:
        found.append(Problem("social_value", f"Social value commitments must be {SOCIAL_VALUE_WORD_LIMIT} words or fewer", "social_value"))
    elif character_count(bid.social_value) > character_limit(SOCIAL_VALUE_WORD_LIMIT):
        found.append(Problem(
            "social_value",
            f"Social value commitments must be {character_limit(SOCIAL_VALUE_WORD_LIMIT):,} characters or fewer",
            "social_value",
        ))
    if not bid.local_pdu_ids and not bid.no_local_presence:
        found.append(Problem("local_presence", "Select the delivery units where you have staff or premises, or say you have none"))
    missing = [d for d in Declaration if d.value not in (bid.declarations or [])]
    for declaration in missing:
        found.append(Problem("declarations", f"Confirm: {declaration.label}"))
    if word_count(bid.conflict_details) > CONFLICT_WORD_LIMIT:
        found.append(Problem("declarations", f"Describe any conflict of interest in {CONFLICT_WORD_LIMIT} words or fewer", "conflict_details"))
    elif character_count(bid.conflict_details) > character_limit(CONFLICT_WORD_LIMIT):
        found.append(Problem(
            "declarations",
            f"Describe any conflict of interest in {character_limit(CONFLICT_WORD_LIMIT):,} characters or fewer",
            "conflict_details",
        ))
    partners = [p for p in bid.current_partners if p.declined_at is None]
    declined = [p for p in bid.current_partners if p.declined_at is not None]
    for partner in declined:
        found.append(Problem("partners", f"{partner.name} has declined: remove it from the bid"))
    if partners:
        if bid.lead_work_percent + sum(p.work_percent for p in partners) != 100:
            found.append(Problem("partners", "The shares of the work must add up to 100%"))
        if bid.lead_price_percent + sum(p.price_percent for p in partners) != 100:
            found.append(Problem("partners", "The shares of the price must add up to 100%"))
        for partner in partners:
            if partner.organisation_id is None:
                found.append(Problem("partners", f"{partner.name} has not joined Local Partners yet"))
            elif partner.confirmed_at is None:
                found.append(Problem("partners", f"{partner.name} has not confirmed its share yet"))
    elif (bid.lead_work_percent, bid.lead_price_percent) != (100, 100):
        found.append(Problem("partners", "Bidding alone, your shares of the work and the price must be 100%"))
    if not bid.organisation.is_verified:
        found.append(Problem("organisation", "Your organisation must be verified by the Local Partners team before you can submit"))
    return found


def bid_content(bid: Bid) -> dict:
    """Exactly what is submitted, as plain JSON: the answers, the price and its
    breakdown, the partners and shares, the documents by digest, and which version of
    the need (material changes so far) it answers."""
    need = bid.need
    criteria = {str(c.id): c for c in need.criteria}
    return {
        "bid_id": bid.id,
        "need_id": need.id,
        "lot_id": bid.lot_id,
        "organisation": {"id": bid.organisation_id, "name": bid.organisation.name},
        "need_material_changes": material_change_count(bid.lot),
        "answers": [
            {"criterion_id": c.id, "number": c.number, "question": c.question, "answer": (bid.answers or {}).get(key, "")}
            for key, c in criteria.items()
        ],
        "price_pence": bid.price_pence,
        "price_breakdown": [
            {"key": key, "label": label, "pence": (bid.price_breakdown or {}).get(key)} for key, label, _ in payment_parts(bid)
        ],
        "people": bid.people,
        "social_value": bid.social_value or "",
        "local_pdu_ids": local_pdu_ids_of(bid),
        "no_local_presence": local_presence_none(bid),
        "declarations": sorted(bid.declarations or []),
        "conflict_details": bid.conflict_details or "",
        "lead_share": {"work_percent": bid.lead_work_percent, "price_percent": bid.lead_price_percent},
        "partners": [
            {"organisation_id": p.organisation_id, "name": p.name, "work_percent": p.work_percent, "price_percent": p.price_percent}
            for p in bid.current_partners
            if p.declined_at is None
        ],
        "documents": [
            {"filename": d.filename, "sha256": d.sha256, "size_bytes": d.size_bytes} for d in bid.current_documents
        ],
    }


def digest_of(content: dict) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no spaces, UTF-8)."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def lock_need(need_id: int) -> Need:
    """Read the need again, locked against a concurrent close-time change or submission
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite writes one transaction at a time)."""
    return db.session.scalars(
        sa.select(Need).where(Need.id == need_id).with_for_update().execution_options(populate_existing=True)
    ).one()


def _checked_since(need: Need, received_at: datetime, refused: str) -> None:
    """Refuse what reached us before the closing time but comes to be written only after
    the need's bids were checked at closing (after which nothing more is written to
    them; see check_at_closing, which waits IN_FLIGHT_LIMIT). Call with the need locked."""
    if need.bids_checked_at is not None:
        raise BidClosed(
            f"This need closed at {london(need.closes_at)}. Your request reached us before that, at "
            f"{london_to_the_tenth(received_at)}, but it could not be written before the bids were opened: {refused}"
        )


def submit_bid(bid: Bid, *, actor, now: datetime | None = None) -> BidRevision:
    """Submit the draft. Idempotent: submitting the same content again (a double click,
    a retry) returns the revision already written.

    `now` is the time of submission: when the request reached our servers (the view
    passes arrival.request_received_at(); called directly, when the call was made). It
    counts against the closing time, however long the request then waited for a thread
    and the need's lock; the check is made after the need is locked, inside this
    transaction, against the closing time as it is then: a submission racing the close
    either lands or is refused, never half-written."""
    now = now or utcnow()
    need = lock_need(bid.need_id)
    db.session.refresh(bid, with_for_update=True)
    if not leads(actor, bid):
        raise BidError("Only the lead organisation can submit this bid")
    status = need.status_at(now)
    if status != NeedStatus.OPEN:
        if status == NeedStatus.CLOSED:
            raise BidClosed(
                f"This need closed at {london(need.closes_at)} and your bid reached us after that, at "
                f"{london_to_the_tenth(now)}. Your bid was not submitted; your draft is kept."
            )
        raise BidClosed(f"This need is {status.label.lower()}. Your bid was not submitted; your draft is kept.")
    _checked_since(need, now, "your bid was not submitted; your draft is kept.")
    if bid.withdrawn_at is not None and bid.withdrawn_at > now:
        raise BidError(
            f"This bid was withdrawn at {london_to_the_tenth(bid.withdrawn_at)}, after your request to submit it "
            "reached us. Your bid was not submitted; your draft is kept: submit it again if you mean to."
        )
    found = problems(bid)
    if found:
        raise BidError(found[0].message)
    content = bid_content(bid)
    digest = digest_of(content)
    latest = bid.latest_revision
    if latest is not None and latest.digest == digest and counting_revision(bid) is latest:
        return latest
    revision = BidRevision(
        bid_id=bid.id,
        number=(latest.number + 1) if latest else 1,
        content=content,
        digest=digest,
        submitted_at=now,
        recorded_at=max(now, utcnow()),  # (never before it: a caller may date a submission ahead)
        submitted_by_id=actor.id,
        price_pence=bid.price_pence,
        people=bid.people,
    )
    try:
        with db.session.begin_nested():
            db.session.add(revision)
            db.session.flush()
    except IntegrityError:
        # Another submission of this bid got there first (only possible where rows are
        # not locked): give its receipt when it is this same content.
        db.session.expire(bid, ["revisions"])
        latest = bid.latest_revision
        if latest is not None and latest.digest == digest:
            return latest
        raise BidError("The bid was changed at the same time somewhere else: check it and submit again") from None
    db.session.expire(bid, ["revisions"])
    if bid.withdrawn_at is not None:
        bid.withdrawn_at = bid.withdrawn_by_id = bid.withdrawn_reason = None
    audit.record(
        "bid.submitted", bid, actor=actor,
        after={"revision": revision.number, "digest": digest, "submitted_at": now.isoformat()},
    )
    _send_receipt(bid, revision, actor)
    return revision


def _send_receipt(bid: Bid, revision: BidRevision, actor) -> None:
    queue_email(
        actor.email,
        f"Receipt: your bid for {bid.need.title} was submitted",
        "bid_receipt",
        user=actor,
        bid=bid,
        need=bid.need,
        lot=bid.lot,
        revision=revision,
        received=london_to_the_tenth(revision.submitted_at),
        closing=london(bid.need.closes_at),
        link=external_url("bids.show_bid", bid_id=bid.id),
    )


def withdraw_bid(bid: Bid, *, actor, reason: str, now: datetime | None = None) -> None:
    """Withdraw before closing, with a reason. The bid and its revisions stay; submitting
    again before closing puts it back. `now` is when the request reached us, as for
    submit_bid, and counts against the closing time in the same way."""
    now = now or utcnow()
    need = lock_need(bid.need_id)
    db.session.refresh(bid, with_for_update=True)
    db.session.expire(bid, ["revisions"])
    if not leads(actor, bid):
        raise BidError("Only the lead organisation can withdraw this bid")
    if not need_is_open(need, now):
        raise BidClosed("This need has closed: the bid can no longer be withdrawn")
    _checked_since(need, now, "the bid can no longer be withdrawn.")
    if not (reason or "").strip():
        raise BidError("Enter the reason for withdrawing the bid")
    if bid_state(bid, now) == BidState.WITHDRAWN:
        raise BidError("This bid has already been withdrawn")
    latest = bid.latest_revision
    if latest is not None and latest.submitted_at > now:
        raise BidError(
            f"This bid was submitted again at {london_to_the_tenth(latest.submitted_at)}, after your request to "
            "withdraw it reached us. It was not withdrawn: withdraw it again if you mean to."
        )
    bid.withdrawn_at = now
    bid.withdrawn_by_id = actor.id
    bid.withdrawn_reason = reason.strip()
    audit.record("bid.withdrawn", bid, actor=actor, reason=bid.withdrawn_reason)


# At closing -----------------------------------------------------------------------------


def counting_bids(need: Need) -> list[tuple[Bid, BidRevision]]:
    """The bids that count at closing, with the revision that counts, by lot then id."""
    bids = db.session.scalars(sa.select(Bid).where(Bid.need_id == need.id).order_by(Bid.lot_id, Bid.id)).all()
    result = []
    for bid in bids:
        revision = counting_revision(bid)
        if revision is not None:
            result.append((bid, revision))
    return result


def low_bid_reason(price: int, people: int, others: list[int], floor_per_person: int | None) -> str | None:
    """Why a price is abnormally low, or None. At least 30% below the median of the other
    bids on the lot, or a cost per person below the floor the commissioner set."""
    reasons = []
    if others:
        # Exact arithmetic: 0.7 x £29,000 in floating point is a hair under £20,300,
        # which would let a bid exactly 30% below the median through.
        median = statistics.median(Fraction(p) for p in others)
        if price <= Fraction(str(LOW_SHARE_OF_MEDIAN)) * median:
            below = round(100 * (1 - price / median))
            reasons.append(
                f"{format_pounds(price)} is {below}% below the median of the other bids on this lot "
                f"({format_pounds(round(median))})"
            )
    if floor_per_person and price < floor_per_person * people:
        reasons.append(
            f"the cost per person ({format_pounds(price // people)}) is below the floor of {format_pounds(floor_per_person)}"
        )
    if not reasons:
        return None
    text = "; ".join(reasons)
    return text[0].upper() + text[1:]


def check_at_closing(need: Need, now: datetime | None = None) -> bool:
    """Once a need has closed, flag abnormally low bids on each lot. Runs once per need
    (idempotent: the first caller after closing does it, under the need's lock); called
    when anyone opens the bids after closing and by `flask close-needs`. Returns whether
    it ran now.

    It runs only IN_FLIGHT_LIMIT after the closing time: a submission that reached us
    before the closing time may still be waiting for a thread or the need's lock until
    then, and it counts. Once the bids are checked nothing more is written to them."""
    now = now or utcnow()
    if (
        need.published_at is None or need.closes_at is None or now < need.closes_at + IN_FLIGHT_LIMIT
        or need.bids_checked_at is not None
    ):
        return False
    need = lock_need(need.id)
    if need.bids_checked_at is not None:
        return False
    by_lot: dict[int, list[tuple[Bid, BidRevision]]] = {}
    for bid, revision in counting_bids(need):
        by_lot.setdefault(bid.lot_id, []).append((bid, revision))
    for entries in by_lot.values():
        for bid, revision in entries:
            others = [r.price_pence for b, r in entries if b.id != bid.id]
            reason = low_bid_reason(revision.price_pence, revision.people, others, need.cost_floor_per_person_pence)
            if reason:
                bid.low_flag_reason = reason
                bid.low_flagged_at = now
                # The reason quotes prices: it stays on the bid, out of the audit trail.
                rules = {
                    "median": low_bid_reason(revision.price_pence, revision.people, others, None) is not None,
                    "cost_floor": low_bid_reason(revision.price_pence, revision.people, [], need.cost_floor_per_person_pence) is not None,
                }
                audit.record("bid.flagged_abnormally_low", bid, actor=None, after={"revision": revision.number, "rules": rules})
    need.bids_checked_at = now
    audit.record("need.bids_checked", need, actor=None, after={"bids": sum(len(e) for e in by_lot.values())})
    return True


def needs_to_check(now: datetime | None = None) -> list[Need]:
    now = now or utcnow()
    return db.session.scalars(
        sa.select(Need).where(
            Need.published_at.is_not(None), Need.closes_at <= now - IN_FLIGHT_LIMIT, Need.bids_checked_at.is_(None)
        )
    ).all()


# What providers hold -------------------------------------------------------------------


def bids_of(user) -> list[Bid]:
    """Every bid the user's organisations lead or are current partners in."""
    organisation_ids = [m.organisation_id for m in user.organisation_memberships()]
    if not organisation_ids:
        return []
    partner_bid_ids = sa.select(BidPartner.bid_id).where(
        BidPartner.organisation_id.in_(organisation_ids), BidPartner.removed_at.is_(None), BidPartner.declined_at.is_(None)
    )
    return db.session.scalars(
        sa.select(Bid).where(sa.or_(Bid.organisation_id.in_(organisation_ids), Bid.id.in_(partner_bid_ids))).order_by(Bid.id)
    ).all()


def bidder_users(need: Need) -> list:
    """Members of every organisation with a bid (draft or submitted) on the need, lead or
    partner: told about amendments and withdrawal."""
    from ..accounts.models import Membership, User

    lead_ids = sa.select(Bid.organisation_id).where(Bid.need_id == need.id)
    partner_ids = sa.select(BidPartner.organisation_id).join(Bid, Bid.id == BidPartner.bid_id).where(
        Bid.need_id == need.id, BidPartner.removed_at.is_(None), BidPartner.declined_at.is_(None),
        BidPartner.organisation_id.is_not(None),
    )
    return db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id).where(
            Membership.ended_at.is_(None),
            sa.or_(Membership.organisation_id.in_(lead_ids), Membership.organisation_id.in_(partner_ids)),
        ).distinct()
    ).all()


def eligibility_from_profile(organisation, need: Need) -> list[tuple[str, bool]]:
    """The need's conditions of participation, each with whether the organisation's profile
    says it meets it (shown beside the eligibility declaration; never retyped)."""
    held = set(organisation.policies or [])
    return [(Condition(c).label, c in held) for c in need.conditions or [] if c in Condition._value2member_map_]
