"""Drafting a bid: starting it (with what the organisation's profile already says), and
saving each section of the draft while the need is open: answers, price and its
breakdown by the need's payment profile, social value, local presence, declarations
and documents. Functions take the acting user, record audit events and flush; the view
commits once.

Audit events about bids never hold what the bid says (answers, prices): the audit trail
is read by area staff and admins, and a bid is sealed until closing.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..i18n import in_language
from ..money import MAX_PENCE, format_pounds, split_pence
from ..needs.models import Condition, Lot, Need
from ..timeutil import utcnow
from .errors import BidClosed, BidError
from .lifecycle import need_is_open
from .models import Bid, BidDocument, Declaration
from .parties import bid_for, is_member, leads, partner_bid_for

CONFLICT_WORD_LIMIT = 200


def start_bid(lot: Lot, *, organisation, actor, now: datetime | None = None) -> Bid:
    """A new draft bid led by `organisation`, with what its profile already says filled in."""
    now = now or utcnow()
    need = lot.need
    if not is_member(actor, organisation.id):
        raise BidError(_("You can only bid for an organisation you belong to"))
    if not need_is_open(need, now):
        raise BidClosed(_("This need is not open for bids"))
    if bid_for(organisation.id, lot) is not None:
        raise BidError(_("%(name)s already has a bid for this lot", name=organisation.name))
    if partner_bid_for(organisation.id, lot) is not None:
        raise BidError(_("%(name)s is already a partner in another bid for this lot", name=organisation.name))
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
        # (The short grant form has no social value answer: it is part of question 3.)
        social_value="" if need.short_form else (organisation.social_value_statement or "").strip(),
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
        raise BidError(_("%(name)s already has a bid for this lot", name=organisation.name)) from None
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
        return _(
            "This lot is reserved for local organisations: add the delivery units where you have staff "
            "or premises to your organisation's profile"
        )
    return None


def check_editable(bid: Bid, actor, now: datetime) -> None:
    """Refuse unless the actor leads the bid and its need is open."""
    if not leads(actor, bid):
        raise BidError(_("Only the lead organisation can change this bid"))
    if not need_is_open(bid.need, now):
        raise BidClosed(_("This need has closed: the bid can no longer be changed"))


def record_saved(bid: Bid, actor, section: str, now: datetime) -> None:
    """Stamp the draft as changed and audit which section (never what it says)."""
    bid.updated_at = now
    audit.record("bid.draft_saved", bid, actor=actor, after={"section": section})


def save_answers(bid: Bid, *, answers: dict[int, str], actor, now: datetime | None = None) -> None:
    """Save answers by criterion id. Saved even when over a word or character limit
    (nothing typed is lost); the limit is a problem that stops submission, and the form
    says so."""
    now = now or utcnow()
    check_editable(bid, actor, now)
    criteria = {c.id for c in bid.need.criteria}
    unknown = set(answers) - criteria
    if unknown:
        raise BidError(_("Answer only the questions of this need"))
    merged = dict(bid.answers or {})
    merged.update({str(k): (v or "").strip() for k, v in answers.items()})
    bid.answers = merged
    record_saved(bid, actor, "answers", now)


def payment_parts(bid: Bid) -> list[tuple[str, str, int]]:
    """The need's payment profile as (key, label, percent): the advance if any, then each
    milestone. The keys are those of Bid.price_breakdown."""
    need = bid.need
    parts = []
    if need.advance_percent:
        parts.append(("advance", _("Advance at contract start"), need.advance_percent))
    parts += [(str(m.id), m.title, m.percent) for m in need.milestones]
    return parts


def suggested_breakdown(bid: Bid, price_pence: int) -> dict[str, int]:
    """The price shared by the need's payment profile, to start the breakdown from."""
    parts = payment_parts(bid)
    amounts = split_pence(price_pence, [p for _, _, p in parts])
    return {key: amount for (key, _, _), amount in zip(parts, amounts, strict=True)}


def save_price(
    bid: Bid, *, price_pence: int, breakdown: dict[str, int], people: int, actor, now: datetime | None = None
) -> None:
    """Price, its split over the payment profile and the number of people. Checked here as
    well as in the form: totals must match exactly, in pence."""
    now = now or utcnow()
    check_editable(bid, actor, now)
    if not 0 < price_pence <= MAX_PENCE:
        raise BidError(_("Enter a price between £0.01 and %(most)s", most=format_pounds(MAX_PENCE)))
    keys = [key for key, _, _ in payment_parts(bid)]
    if set(breakdown) != set(keys):
        raise BidError(_("Enter an amount for each payment"))
    if any(amount < 0 or amount > MAX_PENCE for amount in breakdown.values()):
        raise BidError(_("Each payment must be between £0 and the price"))
    if sum(breakdown.values()) != price_pence:
        raise BidError(
            _(
                "The payments add up to %(total)s, not the price of %(price)s",
                total=format_pounds(sum(breakdown.values())),
                price=format_pounds(price_pence),
            )
        )
    if not 0 < people <= 1_000_000:
        raise BidError(_("Enter the number of people, between 1 and 1,000,000"))
    if bid.price_pence is not None and bid.price_pence != price_pence:
        # Partners agreed to a share of a price: a new price needs their agreement again.
        for partner in bid.current_partners:
            if partner.confirmed_at is not None:
                partner.confirmed_at = partner.confirmed_by_id = None
    bid.price_pence = price_pence
    bid.price_breakdown = {key: breakdown[key] for key in keys}
    bid.people = people
    record_saved(bid, actor, "price", now)


def save_social_value(bid: Bid, *, text: str, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    check_editable(bid, actor, now)
    if bid.need.short_form:
        raise BidError(_("This need uses the short grant form: social value is part of your answer to question 3"))
    bid.social_value = (text or "").strip()
    record_saved(bid, actor, "social_value", now)


def local_presence_none(bid: Bid) -> bool:
    """The lead said it has no staff or premises in any delivery unit of the need."""
    return bool(bid.no_local_presence)


def local_pdu_ids_of(bid: Bid) -> list[int]:
    """The delivery units where the bidder has staff or premises."""
    return sorted(bid.local_pdu_ids or [])


def save_local_presence(
    bid: Bid, *, pdu_ids: list[int], none: bool = False, actor, now: datetime | None = None
) -> None:
    """The need's delivery units where the bidder has staff or premises; or, with
    `none=True` and no units, an explicit "none of these"."""
    now = now or utcnow()
    check_editable(bid, actor, now)
    allowed = {p.id for p in bid.need.pdus}
    if none:
        if pdu_ids:
            raise BidError(_("Select delivery units, or select 'None of these', not both"))
        bid.local_pdu_ids = []
        bid.no_local_presence = True
    else:
        if not set(pdu_ids) <= allowed:
            raise BidError(_("Select only delivery units this need covers"))
        bid.local_pdu_ids = sorted(set(pdu_ids))
        bid.no_local_presence = False
    record_saved(bid, actor, "local_presence", now)


def save_declarations(
    bid: Bid, *, declarations: list[str], conflict_details: str, actor, now: datetime | None = None
) -> None:
    now = now or utcnow()
    check_editable(bid, actor, now)
    known = {d.value for d in Declaration}
    if not set(declarations) <= known:
        raise BidError(_("Select only the declarations listed"))
    bid.declarations = [d.value for d in Declaration if d.value in declarations]
    bid.conflict_details = (conflict_details or "").strip()
    record_saved(bid, actor, "declarations", now)


def add_document(bid: Bid, *, filename: str, data: bytes, actor, now: datetime | None = None) -> BidDocument:
    from ..documents.uploads import save_upload

    now = now or utcnow()
    check_editable(bid, actor, now)
    document = BidDocument(bid_id=bid.id, uploaded_by_id=actor.id, uploaded_at=now, **save_upload(filename, data))
    db.session.add(document)
    db.session.flush()
    record_saved(bid, actor, "documents", now)
    return document


def remove_document(document: BidDocument, *, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    check_editable(document.bid, actor, now)
    if document.removed_at is None:
        document.removed_at = now
        record_saved(document.bid, actor, "documents", now)


def social_value_from_profile(bid: Bid) -> bool:
    """The bid's social value is still exactly the profile's statement (filled in by
    start_bid, or copied from it, and not changed since)."""
    statement = (bid.organisation.social_value_statement or "").strip()
    return bool(statement) and (bid.social_value or "").strip() == statement


def local_presence_from_profile(bid: Bid) -> bool:
    """The bid's local presence is still exactly the profile's delivery units within the
    need (as start_bid filled it in)."""
    need_pdu_ids = {p.id for p in bid.need.pdus}
    from_profile = sorted(p.id for p in bid.organisation.pdus if p.id in need_pdu_ids)
    return bool(from_profile) and not bid.no_local_presence and local_pdu_ids_of(bid) == from_profile


def profile_facts(organisation) -> dict:
    """What the organisation's profile says of its policies (the labels of the conditions of
    participation it meets) and its safeguarding arrangements, as fixed into a submitted
    bid; empty when the profile says nothing of either."""
    with in_language("en"):  # fixed into the bid as submitted (its digest): one language
        policies = [str(c.label) for c in Condition if c.value in (organisation.policies or [])]
    safeguarding = (organisation.safeguarding or "").strip()
    if not policies and not safeguarding:
        return {}
    return {"policies": policies, "safeguarding": safeguarding}


def eligibility_from_profile(organisation, need: Need) -> list[tuple[str, bool]]:
    """The need's conditions of participation, each with whether the organisation's profile
    says it meets it (shown beside the eligibility declaration; never retyped)."""
    held = set(organisation.policies or [])
    return [(Condition(c).label, c in held) for c in need.conditions or [] if c in Condition._value2member_map_]
