"""`generate-needs`: made-up needs in bulk for the needs-list benchmark, each with its lots,
first criterion, two milestones, delivery units and desired outcomes; about 75% open, the
rest closed, withdrawn, cancelled or drafts, spread over every current PDU and category."""

import random
from datetime import datetime, timedelta

import click
import sqlalchemy as sa

from ..accounts.models import User
from ..extensions import db
from ..needs import proportion
from ..needs.models import (
    Criterion,
    Lot,
    Milestone,
    Need,
    may_be_reserved,
    need_outcomes,
    need_pdus,
)
from ..reference.models import Area, AreaKind, DesiredOutcome, ServiceCategory
from ..timeutil import utcnow
from .bulk import after_bulk_insert, next_id

CREATOR_EMAIL = "generated-needs@localpartners.invalid"
_BATCH = 5000

_WORDS = {
    "what": [
        "Housing support",
        "Mentoring",
        "Employment coaching",
        "Debt advice",
        "Recovery support",
        "Family work",
        "Wellbeing groups",
        "Women's centre",
        "Allotment project",
        "Peer support",
        "Through-the-gate",
        "Tenancy sustainment",
        "Digital skills",
        "Benefits advice",
        "Art therapy",
    ],
    "who": [
        "for women on probation",
        "for young adults",
        "for people leaving prison",
        "for families",
        "for people with convictions",
        "for veterans on probation",
        "for people at risk of homelessness",
    ],
}


class _Places:
    """What the needs are spread over: current PDUs (by region), categories and outcomes."""

    def __init__(self) -> None:
        self.pdus = list(db.session.scalars(sa.select(Area).where(Area.kind == AreaKind.PDU, Area.current())))
        self.by_region: dict[int, list[int]] = {}
        for pdu in self.pdus:
            assert pdu.parent_id is not None  # ck_areas_pdu_has_region
            self.by_region.setdefault(pdu.parent_id, []).append(pdu.id)
        self.categories = list(db.session.scalars(sa.select(ServiceCategory).where(ServiceCategory.current())))
        self.outcomes: dict[int, list[int]] = {}
        for o in db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.current())):
            self.outcomes.setdefault(o.category_id, []).append(o.id)
        if not self.pdus or not self.categories:
            raise click.ClickException("Load the reference data first: flask --app wsgi load-reference")


def generate_needs(count: int, seed: int) -> int:
    """Insert `count` needs with Core executemany in batches; returns how many."""
    rng = random.Random(seed)
    now = utcnow()
    creator = _creator(now)
    places = _Places()
    ids = {"need": next_id(Need), "lot": next_id(Lot), "criterion": next_id(Criterion), "milestone": next_id(Milestone)}
    made = 0
    while made < count:
        rows: dict[str, list[dict]] = {
            "needs": [],
            "lots": [],
            "criteria": [],
            "milestones": [],
            "pdus": [],
            "outcomes": [],
        }
        for _ in range(min(_BATCH, count - made)):
            _need(rng, now, rows, ids, places, creator.id)
        db.session.execute(sa.insert(Need.__table__), rows["needs"])
        for table, key in (
            (Lot.__table__, "lots"),
            (Criterion.__table__, "criteria"),
            (Milestone.__table__, "milestones"),
            (need_pdus, "pdus"),
            (need_outcomes, "outcomes"),
        ):
            if rows[key]:
                db.session.execute(sa.insert(table), rows[key])
        made += len(rows["needs"])
        db.session.commit()
    after_bulk_insert(("needs", "lots", "criteria", "milestones"))
    return made


# The generated needs' social value answer, which with their one question fits the
# smallest word budget (proportion.py).
SOCIAL_VALUE_WORDS = 200


def _creator(now: datetime) -> User:
    """The (deactivated) account the generated needs are made by, which marks them as made up."""
    creator = db.session.scalar(sa.select(User).where(User.email == CREATOR_EMAIL))
    if creator is None:
        creator = User(email=CREATOR_EMAIL, name="Generated needs", password_hash=None, deactivated_at=now)
        db.session.add(creator)
        db.session.flush()
    return creator


def _new_id(ids: dict[str, int], name: str) -> int:
    ids[name] += 1
    return ids[name] - 1


def _need(rng, now, rows, ids, places: _Places, creator_id: int) -> None:
    """One need's rows, added to `rows`."""
    need_id = _new_id(ids, "need")
    if rng.random() < 0.8:
        pdu = rng.choice(places.pdus)
        area_id, covered = pdu.id, [pdu.id]
    else:
        area_id = rng.choice(list(places.by_region))
        covered = rng.sample(places.by_region[area_id], k=min(len(places.by_region[area_id]), rng.randint(1, 3)))
    category = rng.choice(places.categories)
    published, closes, withdrawn, cancelled = _dates(rng, now)
    lot_values = _lots(rng, rows, ids, need_id)
    what, who = rng.choice(_WORDS["what"]), rng.choice(_WORDS["who"])
    rows["needs"].append(
        {
            "id": need_id,
            "area_id": area_id,
            "title": f"{what} {who}",
            "summary": f"{what} {who} in the area, with outcomes reported each quarter. Reference {need_id}.",
            "category_id": category.id,
            "cohort": who.removeprefix("for ").capitalize(),
            "expected_people": rng.randint(10, 400),
            "duration_months": rng.choice((6, 12, 18, 24, 36)),
            "procedure": rng.choice(("grant", "contract")),
            "social_value_weight": 20,
            "price_weight": 20,
            "social_value_word_limit": SOCIAL_VALUE_WORDS,
            "short_form": False,
            "conditions": ["constituted", "safeguarding"],
            "advance_percent": rng.choice((0, 10, 25)),
            "show_bid_count": False,
            "question_deadline": closes - timedelta(days=5) if published else None,
            "closes_at": closes if published else None,
            "value_pence": sum(lot_values),
            "created_at": (published or now) - timedelta(days=3),
            "created_by_id": creator_id,
            "updated_at": now,
            "published_at": published,
            "withdrawn_at": withdrawn,
            "cancelled_at": cancelled,
            "end_reason": "No longer needed" if withdrawn or cancelled else None,
        }
    )
    rows["criteria"].append(
        {
            "id": _new_id(ids, "criterion"),
            "need_id": need_id,
            "number": 1,
            "question": "How will you reach people who do not engage?",
            "weight": 60,
            # Within the word budget of the need's largest lot (600 words at the least).
            "word_limit": min(500, proportion.budget_for(max(lot_values)) - SOCIAL_VALUE_WORDS),
        }
    )
    _milestones(rows, ids, need_id, rows["needs"][-1]["advance_percent"])
    rows["pdus"].extend({"need_id": need_id, "area_id": a} for a in covered)
    rows["outcomes"].extend({"need_id": need_id, "outcome_id": o} for o in places.outcomes.get(category.id, [])[:2])


def _dates(rng, now: datetime) -> tuple:
    """(published, closes, withdrawn, cancelled): a draft, closed, withdrawn, cancelled or open need."""
    roll = rng.random()
    published: datetime | None  # None: a draft
    published = now - timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 1440))
    closes = now + timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 1440))
    withdrawn = cancelled = None
    if roll < 0.07:  # draft
        published = None
    elif roll < 0.17:  # closed
        closes = now - timedelta(days=rng.randint(1, 300))
        published = closes - timedelta(days=rng.randint(15, 40))
    elif roll < 0.22:
        withdrawn = published + (now - published) / 2
    elif roll < 0.25:
        cancelled = published + (now - published) / 2
    return published, closes, withdrawn, cancelled


def _lots(rng, rows, ids, need_id: int) -> list[int]:
    """One to three lots, a few of those that may be reserved reserved; their values."""
    n_lots = rng.choice((1, 1, 1, 2, 2, 3))
    lot_values = [
        rng.choice((5, 10, 15, 25, 40, 60, 80, 120, 200, 350, 600)) * 100_000 + rng.randint(0, 99) * 1000
        for _ in range(n_lots)
    ]
    for number, value in enumerate(lot_values, start=1):
        reserved = may_be_reserved(value) and rng.random() < 0.2
        rows["lots"].append(
            {
                "id": _new_id(ids, "lot"),
                "need_id": need_id,
                "number": number,
                "title": f"Lot {number}",
                "description": "",
                "value_pence": value,
                "reservation": rng.choice(("vcse", "vcse", "local")) if reserved else "none",
            }
        )
    return lot_values


def _milestones(rows, ids, need_id: int, advance: int) -> None:
    """Half way and the end, sharing what the advance leaves."""
    for number, (title, percent, month) in enumerate(
        [("Half way", (100 - advance) // 2, 6), ("End of service", 100 - advance - (100 - advance) // 2, 12)], start=1
    ):
        rows["milestones"].append(
            {
                "id": _new_id(ids, "milestone"),
                "need_id": need_id,
                "number": number,
                "title": title,
                "percent": percent,
                "due_month": month,
            }
        )
