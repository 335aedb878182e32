"""Saving a section of a need: on a draft the change is simply audited; on an open need
it is an amendment, with a reason, a dated record of what changed, the bids it returns to
reconfirmation (changes.py), a later closing time when too few working days remain, and
an email to everyone interested."""

from collections.abc import Callable
from datetime import datetime

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit
from ..extensions import db
from ..notifications import due_soon, external_url, queue_email
from ..signals import contracting_event
from ..timeutil import LONDON, london, london_date, utcnow
from ..workdays import add_working_days, working_days_between
from . import changes
from .following import interested_users
from .labels import local_title
from .models import Amendment, Need, NeedError, NeedStatus

AMENDMENT_MIN_WORKING_DAYS = 5


def snapshot(need: Need) -> dict:
    """Everything a bidder relies on, as plain JSON, to compare before and after a change."""
    return {
        "title": need.title,
        "summary": need.summary,
        "title_cy": need.title_cy,
        "summary_cy": need.summary_cy,
        "pdus": sorted(a.code for a in need.pdus),
        "category": need.category.code if need.category else None,
        "outcomes": sorted(o.code for o in need.outcomes),
        "cohort": need.cohort,
        "expected_people": need.expected_people,
        "duration_months": need.duration_months,
        "procedure": need.procedure.value if need.procedure else None,
        "lots": [
            {
                "id": lot.id,
                "title": lot.title,
                "description": lot.description,
                "value_pence": lot.value_pence,
                "reservation": lot.reservation.value,
            }
            for lot in need.lots
        ],
        "criteria": {
            "questions": [
                {"question": c.question, "weight": c.weight, "word_limit": c.word_limit} for c in need.criteria
            ],
            "social_value_weight": need.social_value_weight,
            "price_weight": need.price_weight,
            "social_value_word_limit": need.social_value_word_limit,
            "short_form": need.short_form,
        },
        "conditions": sorted(need.conditions or []),
        "payment": {
            "advance_percent": need.advance_percent,
            "milestones": [{"title": m.title, "percent": m.percent, "due_month": m.due_month} for m in need.milestones],
        },
        "question_deadline": need.question_deadline.isoformat() if need.question_deadline else None,
        "closes_at": need.closes_at.isoformat() if need.closes_at else None,
        "cost_floor_per_person_pence": need.cost_floor_per_person_pence,
        "documents": sorted(
            ({"filename": d.filename, "sha256": d.sha256} for d in need.documents if d.removed_at is None),
            key=lambda d: (d["filename"], d["sha256"]),
        ),
    }


SECTION_KEYS = {
    "about": (
        "title",
        "summary",
        "pdus",
        "category",
        "outcomes",
        "cohort",
        "expected_people",
        "duration_months",
        "procedure",
    ),
    "welsh": ("title_cy", "summary_cy"),
    "lots": ("lots",),
    "criteria": ("criteria",),
    "conditions": ("conditions", "cost_floor_per_person_pence"),
    "payment": ("payment",),
    "dates": ("question_deadline", "closes_at"),
    "documents": ("documents",),
}


def save_section(
    need: Need, change: Callable[[], None], *, actor, section: str, reason: str | None = None, correction: bool = False
) -> Amendment | None:
    """Apply `change` (a call that edits the need) as one save of `section`. On a draft
    the change is audited (record_draft_change); otherwise it is an amendment
    (amend_need), with the reason. Returns the amendment, or None for a draft or when
    nothing changed. Raises NeedError, the change's or the amendment's."""
    drafting = need.status == NeedStatus.DRAFT
    before = snapshot(need)
    change()
    db.session.flush()
    if drafting:
        record_draft_change(need, before=before, actor=actor, section=section)
        return None
    return amend_need(need, before=before, actor=actor, reason=reason, correction=correction)


def record_draft_change(need: Need, *, before: dict, actor, section: str) -> bool:
    """Audit what a save changed on a draft need (an open need gets an Amendment instead).
    `before` is snapshot(need) taken before the change. False when nothing changed."""
    after = snapshot(need)
    changed = [key for key in after if before.get(key) != after[key]]
    if not changed:
        return False
    audit.record(
        "need.edited",
        need,
        actor=actor,
        before={key: before.get(key) for key in changed},
        after={key: after[key] for key in changed},
        reason=f"Draft section saved: {section}",
    )
    return True


def amend_need(
    need: Need, *, before: dict, actor, reason: str | None, correction: bool = False, now: datetime | None = None
) -> Amendment | None:
    """Record what an edit changed on a published need, return the bids it affects to
    reconfirmation, move the closing time if it is now too near, and tell everyone
    interested. `before` is snapshot(need) taken before the edit was applied. Returns None
    when nothing changed.

    A change to one lot returns only that lot's bids; a change to what every bidder
    answers returns every bid (needs/changes.py). A correction, a change of wording the
    commissioner records as affecting no bid, returns none and keeps the closing time."""
    now = now or utcnow()
    if need.status_at(now) != NeedStatus.OPEN:
        raise NeedError(_("Only an open need can be amended"))
    after = snapshot(need)
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if not changed:
        return None
    if not reason or not reason.strip():
        raise NeedError(_("Enter the reason for the change"), field="reason")
    fields = changes.field_changes(before, after)
    all_lots, lot_ids = _lots_affected(fields, correction)
    closes_before = need.closes_at
    if not correction:
        _keep_working_days(need, now)
    amendment = Amendment(
        need=need,
        made_at=now,
        made_by_id=actor.id,
        reason=reason.strip(),
        changes=changed,
        correction=correction,
        affects_all_lots=all_lots,
        lots=[lot for lot in need.lots if lot.id in lot_ids],
        material=all_lots or bool(lot_ids),
        closes_at_before=closes_before,
        closes_at_after=need.closes_at,
    )
    db.session.add(amendment)
    db.session.flush()
    audit.record(
        "need.corrected" if correction else "need.amended",
        need,
        actor=actor,
        before={k: v["before"] for k, v in changed.items()},
        after={k: v["after"] for k, v in changed.items()},
        reason=amendment.reason,
    )
    contracting_event.send(amendment, kind="tenderAmendment", at=now)
    _tell_interested(need, amendment, fields)
    return amendment


def _lots_affected(fields, correction: bool) -> tuple[bool, set]:
    """(every lot, the ids of the lots) whose bids the change returns to reconfirmation;
    a correction returns none, and is refused when it changes more than wording."""
    if not correction:
        return changes.lots_affected(fields)
    beyond = changes.not_a_correction(fields)
    if beyond is not None:
        raise NeedError(
            _(
                "A correction can only change wording. This also changes %(what)s: untick the correction box "
                "to record it as a change that bidders must take into account",
                what=beyond.label,
            ),
            field="correction",
        )
    return False, set()


def _keep_working_days(need: Need, now: datetime) -> None:
    """Move the closing time, at the same time of day, so that at least
    AMENDMENT_MIN_WORKING_DAYS working days remain after an amendment."""
    assert need.closes_at is not None  # published: ck_needs_published_has_dates
    if working_days_between(london_date(now), london_date(need.closes_at)) >= AMENDMENT_MIN_WORKING_DAYS:
        return
    new_day = add_working_days(london_date(now), AMENDMENT_MIN_WORKING_DAYS)
    clock = need.closes_at.astimezone(LONDON).time()
    need.closes_at = datetime.combine(new_day, clock, tzinfo=LONDON).astimezone(need.closes_at.tzinfo)


def _tell_interested(need: Need, amendment: Amendment, fields) -> None:
    for user in interested_users(need):
        queue_email(
            user.email,
            _l("Correction to %(title)s", title=local_title(need))
            if amendment.correction
            else _l("Change to %(title)s", title=local_title(need)),
            "need_amended",
            user=user,
            need=need,
            amendment=amendment,
            fields=fields,
            closing=LazyString(lambda: london(need.closes_at)),
            moved=amendment.closes_at_before != need.closes_at,
            link=external_url("needs.show_need", need_id=need.id, _anchor="amendments"),
            urgent=due_soon(need.closes_at),  # bids affected must be confirmed again before it closes
        )
