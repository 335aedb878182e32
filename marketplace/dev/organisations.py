"""generate-activity's providers: made-up organisations of every legal form and size, a
few in each region working in one to three of its delivery units, and who of them bids
for which lot (mostly organisations working where the need is, as in life)."""

from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..organisations.models import (
    Organisation,
    organisation_pdus,
    organisation_specialisms,
)
from .bulk import Run
from .world import World

_ORGANISATION_WORDS = (
    [
        "Northside",
        "Riverside",
        "Hillcrest",
        "Harbour",
        "Meadow",
        "Oakfield",
        "Greenway",
        "Brookside",
        "Eastgate",
        "Westfield",
        "Moorland",
        "Valley",
        "Castle",
        "Bridge",
        "Lantern",
        "Compass",
        "Anchor",
        "Beacon",
        "Milestone",
        "Open Door",
    ],
    [
        "Trust",
        "Project",
        "Partnership",
        "Community Services",
        "Foundation",
        "Collective",
        "Support",
        "Network",
        "Centre",
        "Works",
    ],
)
# Legal forms with how often they occur, and the income bands each kind tends to have.
_FORMS = [
    ("registered_charity", 24),
    ("cio", 14),
    ("cic", 10),
    ("clg", 12),
    ("community_benefit_society", 4),
    ("community_group", 6),
    ("company_limited_by_shares", 22),
    ("public_body", 8),
]
_BANDS = {
    "vcse": [("micro", 30), ("small", 40), ("medium", 22), ("large", 8)],
    "private": [("micro", 5), ("small", 20), ("medium", 40), ("large", 35)],
    "public": [("small", 5), ("medium", 35), ("large", 60)],
}
_VCSE_FORMS = {"registered_charity", "cio", "cic", "clg", "community_benefit_society", "community_group"}


class _Numbers:
    """Charity and company numbers no organisation has yet."""

    def __init__(self) -> None:
        session = db.session
        self.existing = set(
            session.scalars(sa.select(Organisation.charity_number).where(Organisation.charity_number.is_not(None)))
        )
        self.existing |= set(
            session.scalars(sa.select(Organisation.company_number).where(Organisation.company_number.is_not(None)))
        )
        self.number = 0

    def fresh(self, width: int) -> str:
        while True:
            self.number += 1
            text = f"{9 * 10 ** (width - 1) + self.number}"
            if text not in self.existing:
                return text


class Providers:
    """The organisations made, where they work, and who bids for what."""

    def __init__(self, world: World, most: int) -> None:
        self.world = world
        self.most = most  # the most organisations that bid for one lot
        self.info: dict[int, tuple[str, bool, set[int]]] = {}  # id -> (name, is VCSE, PDUs)
        self.in_region: dict[int, list[int]] = {region: [] for region in world.regions}
        self.in_pdu: dict[int, list[int]] = {}
        self.everyone: list[int] = []
        self.vcse_count = 0
        self.limit: dict[int, int] = {}  # lot id -> how many different organisations may bid

    def add(self, organisation_id: int, name: str, is_vcse: bool, where: set[int], home: int) -> None:
        self.info[organisation_id] = (name, is_vcse, where)
        self.in_region[home].append(organisation_id)
        for a in where:
            self.in_pdu.setdefault(a, []).append(organisation_id)

    def local_to(self, need) -> list[int]:
        """The organisations with staff or premises in a delivery unit the need covers."""
        return sorted({o for a in self.world.covered.get(need.id, []) for o in self.in_pdu.get(a, [])})

    def room(self, need, lot) -> int:
        """How many different organisations may bid for the lot (reserved lots have fewer)."""
        if lot.reservation == "vcse":
            return min(self.most, self.vcse_count)
        if lot.reservation == "local":
            return min(
                self.most, len(set(self.local_to(need)) | set(self.in_region.get(self.world.region_of(need), [])))
            )
        return self.most

    def bidders(self, rng, need, lot, local: list[int], k: int) -> list[int]:
        """k different organisations that may bid: mostly ones working where the need is, as in life."""
        region = self.in_region.get(self.world.region_of(need), [])
        # (pool, share): each pick comes from the first non-empty pool whose share is above a roll of the dice.
        pools = [(local, 0.45), (region, 0.75), (self.everyone, 1.0)]
        if lot.reservation == "local":
            pools = [(local, 0.8), (region, 1.0)]
        vcse_only = lot.reservation == "vcse"
        k = min(k, self.limit[lot.id])
        chosen: list[int] = []
        seen: set[int] = set()
        while len(chosen) < k:
            roll = rng.random()
            pool = next(p for p, share in pools if p and roll < share)
            candidate = pool[rng.randrange(len(pool))]
            if candidate not in seen and (not vcse_only or self.info[candidate][1]):
                seen.add(candidate)
                chosen.append(candidate)
        return chosen


def make_organisations(run: Run, world: World, count: int, most: int) -> Providers:
    """Insert `count` organisations with their delivery units and specialisms."""
    rng, rows, now = run.rng, run.rows, run.now
    numbers = _Numbers()
    providers = Providers(world, most)
    for n in range(count):
        organisation_id = run.new_id("organisation")
        form = run.weighted(_FORMS)
        kind = "vcse" if form in _VCSE_FORMS else "public" if form == "public_body" else "private"
        home = world.regions[n % len(world.regions)]
        in_home = world.pdus_of_region[home]
        where = set(rng.sample(in_home, k=min(len(in_home), rng.choice((1, 1, 2, 3)))))
        if rng.random() < 0.15:
            where.add(rng.choice(world.pdus).id)
        name = f"{rng.choice(_ORGANISATION_WORDS[0])} {rng.choice(_ORGANISATION_WORDS[1])} {organisation_id}"
        rows["organisations"].append(
            {
                "id": organisation_id,
                "name": name,
                "legal_form": form,
                "income_band": run.weighted(_BANDS[kind]),
                "charity_number": numbers.fresh(7) if form in ("registered_charity", "cio") else None,
                "company_number": numbers.fresh(8) if form in ("cic", "clg", "company_limited_by_shares") else None,
                "description": f"{name} works with people on probation.",
                "contact_name": "Generated contact",
                "contact_email": f"organisation{organisation_id}@localpartners.invalid",
                "contact_phone": "",
                "address": "",
                "postcode": "",
                "website": "",
                "policies": ["constituted", "safeguarding"],
                "created_at": now - timedelta(days=800),
                "verified_at": now - timedelta(days=790),
                "verified_by_id": run.actor_id,
            }
        )
        rows["organisation_pdus"].extend({"organisation_id": organisation_id, "area_id": a} for a in sorted(where))
        rows["specialisms"].extend(
            {"organisation_id": organisation_id, "category_id": c}
            for c in rng.sample(world.categories, k=min(2, len(world.categories)))
        )
        providers.add(organisation_id, name, kind == "vcse", where, home)
    providers.everyone = list(providers.info)
    providers.vcse_count = sum(1 for _, is_vcse, _ in providers.info.values() if is_vcse)
    _insert_organisations(run)
    return providers


def _insert_organisations(run: Run) -> None:
    rows = run.rows
    db.session.execute(sa.insert(Organisation.__table__), rows["organisations"])
    db.session.execute(sa.insert(organisation_pdus), rows["organisation_pdus"])
    db.session.execute(sa.insert(organisation_specialisms), rows["specialisms"])
    run.made["organisations"] = len(rows["organisations"])
    rows["organisations"], rows["organisation_pdus"], rows["specialisms"] = [], [], []
