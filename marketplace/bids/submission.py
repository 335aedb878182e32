"""Checking and submitting a bid: what stops it being submitted (problems), exactly what
is submitted (bid_content and its digest), submitting it (idempotently, against the
closing time as it is once the need is locked), confirming it again after a material
change to the need, and withdrawing it. Functions take the acting user, record audit
events, queue emails and flush; the view commits once.

Audit events about bids never hold what the bid says (answers, prices): the audit trail
is read by area staff and admins, and a bid is sealed until closing.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import LazyString, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from .. import audit
from ..extensions import db
from ..i18n import DEFAULT, in_language
from ..needs.models import Need, NeedStatus, lock_need
from ..notifications import external_url, queue_email
from ..textlimits import character_count, character_limit, word_count
from ..timeutil import london, london_to_the_tenth, utcnow
from .drafting import (
    CONFLICT_WORD_LIMIT,
    local_pdu_ids_of,
    local_presence_none,
    payment_parts,
    profile_facts,
)
from .errors import BidClosed, BidError
from .lifecycle import bid_state, counting_revision, material_change_count, need_is_open
from .models import Bid, BidRevision, BidState, Declaration
from .parties import leads


@dataclass(frozen=True)
class Problem:
    section: str
    message: str
    field: str | None = None  # the box in the section it is about, if one


# What stops a submission -----------------------------------------------------------------


def problems(bid: Bid) -> list[Problem]:
    """Everything that stops this bid being submitted, in the order of the task list."""
    found = _answer_problems(bid) + _price_problems(bid) + _social_value_problems(bid)
    if not bid.local_pdu_ids and not bid.no_local_presence:
        found.append(
            Problem(
                "local_presence", _("Select the delivery units where you have staff or premises, or say you have none")
            )
        )
    found += _declaration_problems(bid) + _partner_problems(bid)
    if not bid.organisation.is_verified:
        found.append(
            Problem(
                "organisation",
                _("Your organisation must be verified by the Local Partners team before you can submit"),
            )
        )
    return found


def _answer_problems(bid: Bid) -> list[Problem]:
    found = []
    answers = bid.answers or {}
    for criterion in bid.need.criteria:
        text = answers.get(str(criterion.id), "")
        field = f"answer_{criterion.id}"
        if not text.strip():
            found.append(
                Problem(
                    "answers",
                    _("Answer question %(number)s: %(question)s", number=criterion.number, question=criterion.question),
                    field,
                )
            )
        elif word_count(text) > criterion.word_limit:
            found.append(
                Problem(
                    "answers",
                    _(
                        "Your answer to question %(number)s has %(count)s words; the limit is %(limit)s",
                        number=criterion.number,
                        count=format_decimal(word_count(text)),
                        limit=format_decimal(criterion.word_limit),
                    ),
                    field,
                )
            )
        elif character_count(text) > character_limit(criterion.word_limit):
            found.append(
                Problem(
                    "answers",
                    _(
                        "Your answer to question %(number)s has %(count)s characters; the limit is %(limit)s",
                        number=criterion.number,
                        count=format_decimal(character_count(text)),
                        limit=format_decimal(character_limit(criterion.word_limit)),
                    ),
                    field,
                )
            )
    return found


def _price_problems(bid: Bid) -> list[Problem]:
    found = []
    if bid.price_pence is None:
        found.append(Problem("price", _("Enter your price")))
    else:
        keys = [key for key, _, _ in payment_parts(bid)]
        breakdown = bid.price_breakdown or {}
        if set(breakdown) != set(keys):
            found.append(
                Problem("price", _("Enter the price for each payment: the need's payment profile has changed"))
            )
        elif sum(breakdown.values()) != bid.price_pence:
            found.append(Problem("price", _("The payments must add up to the price")))
    if not bid.people:
        found.append(Problem("price", _("Enter the number of people you will support")))
    return found


def _social_value_problems(bid: Bid) -> list[Problem]:
    """The social value answer, within the need's word limit (none on the short form)."""
    if bid.need.short_form:
        return []
    limit = bid.need.social_value_word_limit
    if not (bid.social_value or "").strip():
        return [Problem("social_value", _("Describe your social value commitments"))]
    if word_count(bid.social_value) > limit:
        return [
            Problem(
                "social_value",
                _("Social value commitments must be %(limit)s words or fewer", limit=format_decimal(limit)),
                "social_value",
            )
        ]
    if character_count(bid.social_value) > character_limit(limit):
        return [
            Problem(
                "social_value",
                _(
                    "Social value commitments must be %(limit)s characters or fewer",
                    limit=format_decimal(character_limit(limit)),
                ),
                "social_value",
            )
        ]
    return []


def _declaration_problems(bid: Bid) -> list[Problem]:
    found = [
        Problem("declarations", _("Confirm: %(declaration)s", declaration=d.label))
        for d in Declaration
        if d.value not in (bid.declarations or [])
    ]
    if word_count(bid.conflict_details) > CONFLICT_WORD_LIMIT:
        found.append(
            Problem(
                "declarations",
                _("Describe any conflict of interest in %(limit)s words or fewer", limit=CONFLICT_WORD_LIMIT),
                "conflict_details",
            )
        )
    elif character_count(bid.conflict_details) > character_limit(CONFLICT_WORD_LIMIT):
        found.append(
            Problem(
                "declarations",
                _(
                    "Describe any conflict of interest in %(limit)s characters or fewer",
                    limit=format_decimal(character_limit(CONFLICT_WORD_LIMIT)),
                ),
                "conflict_details",
            )
        )
    return found


def _partner_problems(bid: Bid) -> list[Problem]:
    partners = [p for p in bid.current_partners if p.declined_at is None]
    declined = [p for p in bid.current_partners if p.declined_at is not None]
    found = [
        Problem("partners", _("%(name)s has declined: remove it from the bid", name=partner.name))
        for partner in declined
    ]
    if not partners:
        if (bid.lead_work_percent, bid.lead_price_percent) != (100, 100):
            found.append(Problem("partners", _("Bidding alone, your shares of the work and the price must be 100%")))
        return found
    if bid.lead_work_percent + sum(p.work_percent for p in partners) != 100:
        found.append(Problem("partners", _("The shares of the work must add up to 100%")))
    if bid.lead_price_percent + sum(p.price_percent for p in partners) != 100:
        found.append(Problem("partners", _("The shares of the price must add up to 100%")))
    for partner in partners:
        if partner.organisation_id is None:
            found.append(Problem("partners", _("%(name)s has not joined Local Partners yet", name=partner.name)))
        elif partner.confirmed_at is None:
            found.append(Problem("partners", _("%(name)s has not confirmed its share yet", name=partner.name)))
    return found


# What is submitted -------------------------------------------------------------------------


def bid_content(bid: Bid) -> dict:
    """Exactly what is submitted, as plain JSON: the answers, the price and its
    breakdown, the partners and shares, the documents by digest, which version of the
    need (material changes so far) it answers, and (under "profile", only when the profile
    says something of them) the lead's policies and safeguarding arrangements as its
    profile has them, so evaluators read what was true at submission. The labels it holds
    (the advance, the policies) are in English whatever the page's language, so the same
    bid has the same digest in either; pages show them in their own (stored_label)."""
    with in_language(DEFAULT):
        content = _content(bid)
        facts = profile_facts(bid.organisation)
    if facts:
        content["profile"] = facts
    return content


def _content(bid: Bid) -> dict:
    need = bid.need
    criteria = {str(c.id): c for c in need.criteria}
    return {
        "bid_id": bid.id,
        "need_id": need.id,
        "lot_id": bid.lot_id,
        "organisation": {"id": bid.organisation_id, "name": bid.organisation.name},
        "need_material_changes": material_change_count(bid.lot),
        "answers": [
            {
                "criterion_id": c.id,
                "number": c.number,
                "question": c.question,
                "answer": (bid.answers or {}).get(key, ""),
            }
            for key, c in criteria.items()
        ],
        "price_pence": bid.price_pence,
        "price_breakdown": [
            {"key": key, "label": label, "pence": (bid.price_breakdown or {}).get(key)}
            for key, label, _ in payment_parts(bid)
        ],
        "people": bid.people,
        "social_value": bid.social_value or "",
        "local_pdu_ids": local_pdu_ids_of(bid),
        "no_local_presence": local_presence_none(bid),
        "declarations": sorted(bid.declarations or []),
        "conflict_details": bid.conflict_details or "",
        "lead_share": {"work_percent": bid.lead_work_percent, "price_percent": bid.lead_price_percent},
        "partners": [
            {
                "organisation_id": p.organisation_id,
                "name": p.name,
                "work_percent": p.work_percent,
                "price_percent": p.price_percent,
            }
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


def has_unsubmitted_changes(bid: Bid) -> bool:
    """Whether the bidder changed anything of its own since its last submission. A change
    the commissioner made to the need (its questions' wording, the count of changes the
    bid saw) is not the bidder's: it may mean the bid needs reconfirming, said apart."""
    latest = bid.latest_revision
    if latest is None:
        return False
    submitted = latest.content or {}
    # A revision without "profile" was submitted before bids held it, or when the profile
    # said nothing of it: what the profile says now is no change to the bid.
    ignored = () if "profile" in submitted else ("profile",)
    return _bidders_own(bid_content(bid), ignored) != _bidders_own(submitted, ignored)


def _bidders_own(content: dict, ignored: tuple[str, ...] = ()) -> dict:
    """What the bidder wrote and chose, from a bid's content: without the need's wording."""
    own = {
        key: value
        for key, value in content.items()
        if key not in ("need_material_changes", "answers", "price_breakdown", *ignored)
    }
    own["answers"] = {str(a["criterion_id"]): a["answer"] for a in content.get("answers", []) if a.get("answer")}
    own["price_breakdown"] = {b["key"]: b["pence"] for b in content.get("price_breakdown", [])}
    return own


# Locking, submitting and withdrawing ---------------------------------------------------


def _checked_since(need: Need, received_at: datetime, withdrawing: bool = False) -> None:
    """Refuse what reached us before the closing time but comes to be written only after
    the need's bids were checked at closing (after which nothing more is written to
    them; see check_at_closing, which waits IN_FLIGHT_LIMIT). Call with the need locked."""
    if need.bids_checked_at is not None:
        times = {"time": london(need.closes_at), "received": london_to_the_tenth(received_at)}
        if withdrawing:
            raise BidClosed(
                _(
                    "This need closed at %(time)s. Your request reached us before that, at %(received)s, but it "
                    "could not be written before the bids were opened: the bid can no longer be withdrawn.",
                    **times,
                )
            )
        raise BidClosed(
            _(
                "This need closed at %(time)s. Your request reached us before that, at %(received)s, but it "
                "could not be written before the bids were opened: your bid was not submitted; your draft is kept.",
                **times,
            )
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
    _check_submittable(bid, need, actor, now)
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
    raced = _add_revision(bid, revision)
    if raced is not None:
        return raced
    if bid.withdrawn_at is not None:
        bid.withdrawn_at = bid.withdrawn_by_id = bid.withdrawn_reason = None
    audit.record(
        "bid.submitted",
        bid,
        actor=actor,
        after={"revision": revision.number, "digest": digest, "submitted_at": now.isoformat()},
    )
    _send_receipt(bid, revision, actor)
    return revision


def _check_submittable(bid: Bid, need: Need, actor, now: datetime) -> None:
    """Refuse unless the actor leads the bid, the (locked) need is open at `now`, and the
    bid was not withdrawn after the request reached us. The draft is kept either way."""
    if not leads(actor, bid):
        raise BidError(_("Only the lead organisation can submit this bid"))
    status = need.status_at(now)
    if status != NeedStatus.OPEN:
        if status == NeedStatus.CLOSED:
            raise BidClosed(
                _(
                    "This need closed at %(time)s and your bid reached us after that, at %(received)s. "
                    "Your bid was not submitted; your draft is kept.",
                    time=london(need.closes_at),
                    received=london_to_the_tenth(now),
                )
            )
        raise BidClosed(_not_open(status))
    _checked_since(need, now)
    if bid.withdrawn_at is not None and bid.withdrawn_at > now:
        raise BidError(
            _(
                "This bid was withdrawn at %(time)s, after your request to submit it reached us. Your bid was "
                "not submitted; your draft is kept: submit it again if you mean to.",
                time=london_to_the_tenth(bid.withdrawn_at),
            )
        )


def _not_open(status: NeedStatus) -> str:
    """Why a bid on a need neither open nor closed was not submitted."""
    return {
        NeedStatus.DRAFT: _("This need is draft. Your bid was not submitted; your draft is kept."),
        NeedStatus.WITHDRAWN: _("This need is withdrawn. Your bid was not submitted; your draft is kept."),
        NeedStatus.CANCELLED: _("This need is cancelled. Your bid was not submitted; your draft is kept."),
        NeedStatus.AWARDED: _("This need is awarded. Your bid was not submitted; your draft is kept."),
        NeedStatus.NOT_AWARDED: _("This need is not awarded. Your bid was not submitted; your draft is kept."),
    }[status]


def _add_revision(bid: Bid, revision: BidRevision) -> BidRevision | None:
    """Write the revision. None when written; when another submission of this bid got
    there first (only possible where rows are not locked), its revision if it is this
    same content, else refused."""
    try:
        with db.session.begin_nested():
            db.session.add(revision)
            db.session.flush()
    except IntegrityError:
        db.session.expire(bid, ["revisions"])
        latest = bid.latest_revision
        if latest is not None and latest.digest == revision.digest:
            return latest
        raise BidError(_("The bid was changed at the same time somewhere else: check it and submit again")) from None
    db.session.expire(bid, ["revisions"])
    return None


def _send_receipt(bid: Bid, revision: BidRevision, actor) -> None:
    queue_email(
        actor.email,
        _l("Receipt: your bid for %(need)s was submitted", need=LazyString(lambda: bid.need.local_title)),
        "bid_receipt",
        user=actor,
        bid=bid,
        need=bid.need,
        lot=bid.lot,
        revision=revision,
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
        raise BidError(_("Only the lead organisation can withdraw this bid"))
    if not need_is_open(need, now):
        raise BidClosed(_("This need has closed: the bid can no longer be withdrawn"))
    _checked_since(need, now, withdrawing=True)
    if not (reason or "").strip():
        raise BidError(_("Enter the reason for withdrawing the bid"))
    if bid_state(bid, now) == BidState.WITHDRAWN:
        raise BidError(_("This bid has already been withdrawn"))
    latest = bid.latest_revision
    if latest is not None and latest.submitted_at > now:
        raise BidError(
            _(
                "This bid was submitted again at %(time)s, after your request to withdraw it reached us. "
                "It was not withdrawn: withdraw it again if you mean to.",
                time=london_to_the_tenth(latest.submitted_at),
            )
        )
    bid.withdrawn_at = now
    bid.withdrawn_by_id = actor.id
    bid.withdrawn_reason = reason.strip()
    audit.record("bid.withdrawn", bid, actor=actor, reason=bid.withdrawn_reason)
