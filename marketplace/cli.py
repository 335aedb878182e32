"""Maintenance commands: `flask --app wsgi <command>`."""

import click
import sqlalchemy as sa
from flask import Flask, current_app

from .extensions import db
from .payments import cli as payments_cli


def register_commands(app: Flask) -> None:
    payments_cli.register(app)

    @app.cli.command("load-reference")
    def load_reference_command():
        """Load regions, PDUs, service categories and outcomes from the shipped CSV files."""
        from .reference.services import load_reference

        report = load_reference()
        db.session.commit()
        click.echo(str(report))

    @app.cli.command("demo-data")
    def demo_data_command():
        """Create the demo accounts and organisations (idempotent; never in production)."""
        from .demo import DemoRefused, load_demo_data

        try:
            logins = load_demo_data(current_app.config["DEMO_PASSWORD"])
        except DemoRefused as error:
            raise click.ClickException(str(error)) from None
        db.session.commit()
        click.echo("Demo data is ready. Sign in with any of these:")
        for email, description in logins:
            click.echo(f"  {email:<26} {description}")
        click.echo(f"Password for every demo account: {current_app.config['DEMO_PASSWORD']}")
        click.echo("Staff accounts also ask for a code from an authenticator app: .venv/bin/flask --app wsgi demo-code EMAIL prints it.")

    @app.cli.command("demo-code")
    @click.argument("email")
    def demo_code_command(email):
        """Print the two-factor code that signs a demo staff account in now (never in production)."""
        _refuse_in_production("demo-code", "print sign-in codes")
        from .demo import DemoRefused, demo_code

        try:
            code, seconds = demo_code(email)
        except DemoRefused as error:
            raise click.ClickException(str(error)) from None
        click.echo(code)
        click.echo(f"Type it within {seconds} seconds. Each code works once.")

    @app.cli.command("send-emails")
    @click.option("--limit", default=500, show_default=True, help="Most emails to send in this run.")
    def send_emails_command(limit):
        """Send queued emails: by SMTP when MAIL_SERVER is set, else printed to the console."""
        from .notifications import send_queued

        sent, failed = send_queued(limit=limit)
        click.echo(f"Sent {sent} email(s); {failed} failed and will be retried.")
        if failed:
            raise SystemExit(1)

    @app.cli.command("close-needs")
    def close_needs_command():
        """Check the bids of needs that have closed (abnormally low bids are flagged). Safe
        to repeat; run it every few minutes. Opening a closed need's bids does it too."""
        from .bids.services import check_at_closing, needs_to_check

        checked = 0
        for need in needs_to_check():
            if check_at_closing(need):
                checked += 1
            db.session.commit()
        click.echo(f"Checked the bids of {checked} closed need(s).")

    @app.cli.command("send-digest")
    def send_digest_command():
        """Email each saved search's new matching needs (run once a day; safe to repeat)."""
        from .needs.digest import send_digests

        queued, checked = send_digests()
        db.session.commit()
        click.echo(f"Checked {checked} saved search(es); queued {queued} email(s).")

    @app.cli.command("generate-needs")
    @click.option("--count", default=1000, show_default=True, help="How many needs to add.")
    @click.option("--seed", default=1, show_default=True, help="Random seed, for the same data each time.")
    def generate_needs_command(count, seed):
        """Add COUNT made-up needs in bulk, for measuring the list of needs (never in production)."""
        _refuse_in_production("generate-needs", "publish made-up needs")
        if not 1 <= count <= 1_000_000:
            raise click.ClickException("--count must be between 1 and 1,000,000")
        import time

        started = time.monotonic()
        made = _generate_needs(count, seed)
        click.echo(f"Added {made:,} needs in {time.monotonic() - started:.1f}s.")

    @app.cli.command("generate-activity")
    @click.option("--bids", default=10_000, show_default=True, help="How many bids to add, each with a submitted revision.")
    @click.option("--contracts", default=500, show_default=True, help="How many lots to award and make contracts of.")
    @click.option("--organisations", default=3000, show_default=True, help="How many made-up provider organisations bid.")
    @click.option("--seed", default=1, show_default=True, help="Random seed, for the same data each time.")
    def generate_activity_command(bids, contracts, organisations, seed):
        """Add made-up providers, bids, awards, contracts, outcome reports, payments and their
        audit events to the needs made by generate-needs, for measuring the board dashboard
        (never in production)."""
        _refuse_in_production("generate-activity", "add made-up bids, contracts and payments")
        if not 1 <= bids <= 5_000_000:
            raise click.ClickException("--bids must be between 1 and 5,000,000")
        if not 1 <= contracts <= 500_000:
            raise click.ClickException("--contracts must be between 1 and 500,000")
        if contracts > bids:
            raise click.ClickException("--contracts must not be more than --bids: each contract is a winning bid")
        if not 24 <= organisations <= 100_000:
            raise click.ClickException("--organisations must be between 24 and 100,000 (two for each region at least)")
        import time

        started = time.monotonic()
        made = _generate_activity(bids, contracts, organisations, seed)
        click.echo(
            f"Added {made['organisations']:,} organisations, {made['bids']:,} bids ({made['revisions']:,} revisions), "
            f"{made['decisions']:,} award decisions, {made['contracts']:,} contracts, {made['reports']:,} outcome reports, "
            f"{made['payments']:,} payments and {made['events']:,} audit events in {time.monotonic() - started:.1f}s."
        )


def _refuse_in_production(command: str, would: str) -> None:
    if current_app.config.get("ENV_NAME") == "production" or not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise click.ClickException(f"{command} is refused in production: it would {would}.")


def _next_id(model) -> int:
    """The id after the largest there is, for rows inserted in bulk with their own ids."""
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _after_bulk_insert(tables) -> None:
    """Rows were inserted with their own ids: move PostgreSQL's id sequences past them, and
    refresh the planner's statistics on either database."""
    if db.engine.dialect.name == "postgresql":
        for table in tables:
            db.session.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            ))
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


# Scale data for the needs benchmark ------------------------------------------------------

_WORDS = {
    "what": ["Housing support", "Mentoring", "Employment coaching", "Debt advice", "Recovery support",
             "Family work", "Wellbeing groups", "Women's centre", "Allotment project", "Peer support",
             "Through-the-gate", "Tenancy sustainment", "Digital skills", "Benefits advice", "Art therapy"],
    "who": ["for women on probation", "for young adults", "for people leaving prison", "for families",
            "for people with convictions", "for veterans on probation", "for people at risk of homelessness"],
}


def _generate_needs(count: int, seed: int) -> int:
    """Insert `count` needs with lots, criteria, milestones, delivery units and outcomes,
    with Core executemany in batches: about 75% open, the rest closed, withdrawn,
    cancelled or drafts, spread over every current PDU and service category."""
    import random
    from datetime import timedelta

    import sqlalchemy as sa

    from .accounts.models import User
    from .needs.models import Criterion, Lot, Milestone, Need, need_outcomes, need_pdus
    from .reference.models import Area, AreaKind, DesiredOutcome, ServiceCategory
    from .timeutil import utcnow

    rng = random.Random(seed)
    now = utcnow()
    email = "generated-needs@localpartners.invalid"
    creator = db.session.scalar(sa.select(User).where(User.email == email))
    if creator is None:
        creator = User(email=email, name="Generated needs", password_hash=None, deactivated_at=now)
        db.session.add(creator)
        db.session.flush()
    pdus = list(db.session.scalars(sa.select(Area).where(Area.kind == AreaKind.PDU, Area.current())))
    by_region: dict[int, list[int]] = {}
    for pdu in pdus:
        by_region.setdefault(pdu.parent_id, []).append(pdu.id)
    categories = list(db.session.scalars(sa.select(ServiceCategory).where(ServiceCategory.current())))
    outcomes: dict[int, list[int]] = {}
    for o in db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.current())):
        outcomes.setdefault(o.category_id, []).append(o.id)
    if not pdus or not categories:
        raise click.ClickException("Load the reference data first: flask --app wsgi load-reference")
    threshold = current_app.config["RESERVATION_THRESHOLD_PENCE"]

    need_id, lot_id, criterion_id, milestone_id = _next_id(Need), _next_id(Lot), _next_id(Criterion), _next_id(Milestone)
    batch = 5000
    made = 0
    while made < count:
        rows: dict[str, list[dict]] = {"needs": [], "lots": [], "criteria": [], "milestones": [], "pdus": [], "outcomes": []}
        for _ in range(min(batch, count - made)):
            if rng.random() < 0.8:
                pdu = rng.choice(pdus)
                area_id, covered = pdu.id, [pdu.id]
            else:
                area_id = rng.choice(list(by_region))
                covered = rng.sample(by_region[area_id], k=min(len(by_region[area_id]), rng.randint(1, 3)))
            category = rng.choice(categories)
            roll = rng.random()
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
            n_lots = rng.choice((1, 1, 1, 2, 2, 3))
            lot_values = [rng.choice((5, 10, 15, 25, 40, 60, 80, 120, 200, 350, 600)) * 100_000 + rng.randint(0, 99) * 1000
                          for _ in range(n_lots)]
            for number, value in enumerate(lot_values, start=1):
                reserved = value < threshold and rng.random() < 0.2
                rows["lots"].append({"id": lot_id, "need_id": need_id, "number": number, "title": f"Lot {number}",
                                     "description": "", "value_pence": value,
                                     "reservation": rng.choice(("vcse", "vcse", "local")) if reserved else "none"})
                lot_id += 1
            what, who = rng.choice(_WORDS["what"]), rng.choice(_WORDS["who"])
            rows["needs"].append({
                "id": need_id, "area_id": area_id, "title": f"{what} {who}",
                "summary": f"{what} {who} in the area, with outcomes reported each quarter. Reference {need_id}.",
                "category_id": category.id, "cohort": who.removeprefix("for ").capitalize(),
                "expected_people": rng.randint(10, 400), "duration_months": rng.choice((6, 12, 18, 24, 36)),
                "procedure": rng.choice(("grant", "contract")), "social_value_weight": 20, "price_weight": 20,
                "conditions": ["constituted", "safeguarding"], "advance_percent": rng.choice((0, 10, 25)),
                "show_bid_count": False, "question_deadline": closes - timedelta(days=5) if published else None,
                "closes_at": closes if published else None, "value_pence": sum(lot_values),
                "created_at": (published or now) - timedelta(days=3), "created_by_id": creator.id,
                "updated_at": now, "published_at": published, "withdrawn_at": withdrawn, "cancelled_at": cancelled,
                "end_reason": "No longer needed" if withdrawn or cancelled else None,
            })
            if not published:
                rows["needs"][-1]["question_deadline"] = rows["needs"][-1]["closes_at"] = None
            rows["criteria"].append({"id": criterion_id, "need_id": need_id, "number": 1,
                                     "question": "How will you reach people who do not engage?", "weight": 60, "word_limit": 500})
            criterion_id += 1
            advance = rows["needs"][-1]["advance_percent"]
            for number, (title, percent, month) in enumerate(
                [("Half way", (100 - advance) // 2, 6), ("End of service", 100 - advance - (100 - advance) // 2, 12)], start=1
            ):
                rows["milestones"].append({"id": milestone_id, "need_id": need_id, "number": number, "title": title,
                                           "percent": percent, "due_month": month})
                milestone_id += 1
            rows["pdus"].extend({"need_id": need_id, "area_id": a} for a in covered)
            rows["outcomes"].extend({"need_id": need_id, "outcome_id": o} for o in outcomes.get(category.id, [])[:2])
            need_id += 1
        db.session.execute(sa.insert(Need.__table__), rows["needs"])
        for table, key in ((Lot.__table__, "lots"), (Criterion.__table__, "criteria"), (Milestone.__table__, "milestones"),
                           (need_pdus, "pdus"), (need_outcomes, "outcomes")):
            if rows[key]:
                db.session.execute(sa.insert(table), rows[key])
        made += len(rows["needs"])
        db.session.commit()
    _after_bulk_insert(("needs", "lots", "criteria", "milestones"))
    return made


# Scale data for the board dashboard benchmark --------------------------------------------

_ORGANISATION_WORDS = (
    ["Northside", "Riverside", "Hillcrest", "Harbour", "Meadow", "Oakfield", "Greenway", "Brookside", "Eastgate",
     "Westfield", "Moorland", "Valley", "Castle", "Bridge", "Lantern", "Compass", "Anchor", "Beacon", "Milestone", "Open Door"],
    ["Trust", "Project", "Partnership", "Community Services", "Foundation", "Collective", "Support", "Network", "Centre", "Works"],
)
# Legal forms with how often they occur, and the income bands each kind tends to have.
_FORMS = [("registered_charity", 24), ("cio", 14), ("cic", 10), ("clg", 12), ("community_benefit_society", 4),
          ("community_group", 6), ("company_limited_by_shares", 22), ("public_body", 8)]
_BANDS = {
    "vcse": [("micro", 30), ("small", 40), ("medium", 22), ("large", 8)],
    "private": [("micro", 5), ("small", 20), ("medium", 40), ("large", 35)],
    "public": [("small", 5), ("medium", 35), ("large", 60)],
}


def _generate_activity(bids: int, contracts: int, organisations: int, seed: int) -> dict[str, int]:
    """Add made-up providers and the life of the needs made by generate-needs: `bids` bids
    (each with a submitted revision, some with two, a few withdrawn) on the lots of the
    published needs, and `contracts` awarded lots with their award decisions, contracts,
    parties, schedules, outcome reports (approved, some returned first), payments (paid
    after various delays, payable, overdue) and the audit events the record of decisions
    reads. The needs decided are moved back in time so that they close, are awarded and
    are paid over this financial year and the last one; about one lot in ten decided is
    not awarded. Core executemany in batches, ids given here; deterministic for a seed on
    the same database."""
    import hashlib
    import json
    import random
    from datetime import UTC, date, datetime, time, timedelta

    import sqlalchemy as sa

    from .accounts.models import User
    from .audit.models import AuditEvent
    from .bids.models import Bid, BidPartner, BidRevision
    from .board.reporting.scope import Period
    from .contracts.models import Contract, ContractMilestone, ContractParty, contract_outcomes
    from .delivery.models import OutcomeReport, ReportOutcome, ReportSubmission
    from .evaluation.models import AwardDecision, ModerationClosure
    from .needs.models import Criterion, Lot, Milestone, Need, need_outcomes, need_pdus
    from .organisations.models import Organisation, organisation_pdus, organisation_specialisms
    from .payments.models import Payment
    from .reference.models import Area, AreaKind, DesiredOutcome, ServiceCategory
    from .timeutil import london_date, utcnow
    from .workdays import at_london_time

    rng = random.Random(seed)
    now = utcnow()
    today = london_date(now)
    session = db.session

    creator_id = session.scalar(sa.select(User.id).where(User.email == "generated-needs@localpartners.invalid"))
    generated = Need.created_by_id == creator_id
    if creator_id is None or not session.scalar(sa.select(sa.func.count()).select_from(Need).where(generated)):
        raise click.ClickException("There are no generated needs to bid on: run flask --app wsgi generate-needs first")
    if session.scalar(sa.select(sa.func.count()).select_from(Bid).join(Need, Need.id == Bid.need_id).where(generated)):
        raise click.ClickException(
            "The generated needs already have bids: generate-activity runs once, on a database with generated needs only"
        )
    email = "generated-activity@localpartners.invalid"
    actor_id = session.scalar(sa.select(User.id).where(User.email == email))
    if actor_id is None:
        actor = User(email=email, name="Generated activity", password_hash=None, deactivated_at=now)
        session.add(actor)
        session.flush()
        actor_id = actor.id

    # What there is to work with --------------------------------------------------------------
    areas = {a.id: a for a in session.scalars(sa.select(Area))}
    pdus = [a for a in areas.values() if a.kind == AreaKind.PDU and a.is_current()]
    pdus_of_region: dict[int, list[int]] = {}
    for pdu in pdus:
        pdus_of_region.setdefault(pdu.parent_id, []).append(pdu.id)
    regions = sorted(pdus_of_region)
    categories = [c.id for c in session.scalars(sa.select(ServiceCategory).where(ServiceCategory.current()))]
    outcome_rows = {o.id: o for o in session.scalars(sa.select(DesiredOutcome))}
    threshold = current_app.config["SIGN_OFF_THRESHOLD_PENCE"]

    needs = session.execute(
        sa.select(Need.id, Need.area_id, Need.title, Need.procedure, Need.published_at, Need.closes_at,
                  Need.advance_percent, Need.duration_months, Need.expected_people)
        .where(generated, Need.published_at.is_not(None), Need.withdrawn_at.is_(None), Need.cancelled_at.is_(None),
               Need.awarded_at.is_(None), Need.not_awarded_at.is_(None))
        .order_by(Need.id)
    ).all()
    lots_of: dict[int, list] = {}
    for row in session.execute(
        sa.select(Lot.id, Lot.need_id, Lot.number, Lot.title, Lot.value_pence, Lot.reservation)
        .join(Need, Need.id == Lot.need_id).where(generated).order_by(Lot.need_id, Lot.number)
    ):
        lots_of.setdefault(row.need_id, []).append(row)
    covered: dict[int, list[int]] = {}
    for need_id, area_id in session.execute(
        sa.select(need_pdus.c.need_id, need_pdus.c.area_id).join(Need, Need.id == need_pdus.c.need_id).where(generated)
    ):
        covered.setdefault(need_id, []).append(area_id)
    wanted: dict[int, list[int]] = {}
    for need_id, outcome_id in session.execute(
        sa.select(need_outcomes.c.need_id, need_outcomes.c.outcome_id).join(Need, Need.id == need_outcomes.c.need_id)
        .where(generated).order_by(need_outcomes.c.need_id, need_outcomes.c.outcome_id)
    ):
        wanted.setdefault(need_id, []).append(outcome_id)
    question: dict[int, tuple[int, str]] = {}
    for need_id, criterion_id, text in session.execute(
        sa.select(Criterion.need_id, Criterion.id, Criterion.question).join(Need, Need.id == Criterion.need_id)
        .where(generated, Criterion.number == 1)
    ):
        question[need_id] = (criterion_id, text)
    schedule_of: dict[int, list] = {}
    for row in session.execute(
        sa.select(Milestone.need_id, Milestone.id, Milestone.number, Milestone.title, Milestone.percent, Milestone.due_month)
        .join(Need, Need.id == Milestone.need_id).where(generated).order_by(Milestone.need_id, Milestone.number)
    ):
        schedule_of.setdefault(row.need_id, []).append(row)
    all_lots = [lot for need in needs for lot in lots_of.get(need.id, [])]
    if not all_lots:
        raise click.ClickException("None of the generated needs is published and still running: generate more needs")

    # Which lots are decided, and how many bids each lot gets --------------------------------
    order = [need.id for need in needs]
    rng.shuffle(order)
    decided: dict[int, dict[int, bool]] = {}  # need id -> {lot id: awarded}
    awarded = 0
    for need_id in order:
        if awarded >= contracts:
            break
        plan = {}
        for lot in lots_of.get(need_id, []):
            award = awarded < contracts and rng.random() < 0.9
            plan[lot.id] = award
            awarded += award
        decided[need_id] = plan
    if awarded < contracts:
        raise click.ClickException(
            f"The generated needs have only {awarded:,} lots to award, fewer than --contracts {contracts:,}: "
            "generate more needs, or ask for fewer contracts"
        )
    most = max(1, min(40, organisations // 3))
    if bids > len(all_lots) * most * 0.8:
        raise click.ClickException(
            f"{bids:,} bids is too many for the {len(all_lots):,} lots of the generated needs and {organisations:,} "
            f"organisations (at most {int(len(all_lots) * most * 0.8):,}): generate more needs or organisations"
        )

    ids = {name: _next_id(model) for name, model in (
        ("organisation", Organisation), ("bid", Bid), ("revision", BidRevision), ("partner", BidPartner),
        ("closure", ModerationClosure), ("decision", AwardDecision), ("contract", Contract), ("party", ContractParty),
        ("milestone", ContractMilestone), ("report", OutcomeReport), ("submission", ReportSubmission),
        ("line", ReportOutcome), ("payment", Payment), ("event", AuditEvent),
    )}

    def new_id(name: str) -> int:
        ids[name] += 1
        return ids[name] - 1

    def during(day: date) -> datetime:
        """A moment in office hours on a London day, in UTC."""
        return at_london_time(day, time(rng.randint(9, 16), rng.randint(0, 59))).astimezone(UTC)

    def weighted(choices):
        return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]

    rows: dict[str, list[dict]] = {name: [] for name in (
        "organisations", "organisation_pdus", "specialisms", "bids", "revisions", "partners", "closures", "decisions",
        "contracts", "parties", "contract_outcomes", "milestones", "reports", "submissions", "lines", "payments",
        "events", "needs",
    )}
    made = dict.fromkeys(rows, 0)

    def event(action, object_type, object_id, at, *, actor=actor_id, before=None, after=None, reason=None):
        rows["events"].append({
            "id": new_id("event"), "occurred_at": at, "actor_id": actor, "action": action, "object_type": object_type,
            "object_id": object_id, "before": before, "after": after, "reason": reason,
        })

    # Organisations, a few in each region, working in one to three of its delivery units --------
    existing = set(session.scalars(sa.select(Organisation.charity_number).where(Organisation.charity_number.is_not(None))))
    existing |= set(session.scalars(sa.select(Organisation.company_number).where(Organisation.company_number.is_not(None))))
    number = 0

    def fresh_number(width: int) -> str:
        nonlocal number
        while True:
            number += 1
            text = f"{9 * 10 ** (width - 1) + number}"
            if text not in existing:
                return text

    vcse_forms = {"registered_charity", "cio", "cic", "clg", "community_benefit_society", "community_group"}
    organisation_info: dict[int, tuple[str, bool, set[int]]] = {}  # id -> (name, is VCSE, PDUs)
    in_region: dict[int, list[int]] = {region: [] for region in regions}
    in_pdu: dict[int, list[int]] = {}
    for n in range(organisations):
        organisation_id = new_id("organisation")
        form = weighted(_FORMS)
        kind = "vcse" if form in vcse_forms else "public" if form == "public_body" else "private"
        home = regions[n % len(regions)]
        where = set(rng.sample(pdus_of_region[home], k=min(len(pdus_of_region[home]), rng.choice((1, 1, 2, 3)))))
        if rng.random() < 0.15:
            where.add(rng.choice(pdus).id)
        name = f"{rng.choice(_ORGANISATION_WORDS[0])} {rng.choice(_ORGANISATION_WORDS[1])} {organisation_id}"
        rows["organisations"].append({
            "id": organisation_id, "name": name, "legal_form": form, "income_band": weighted(_BANDS[kind]),
            "charity_number": fresh_number(7) if form in ("registered_charity", "cio") else None,
            "company_number": fresh_number(8) if form in ("cic", "clg", "company_limited_by_shares") else None,
            "description": f"{name} works with people on probation.", "contact_name": "Generated contact",
            "contact_email": f"organisation{organisation_id}@localpartners.invalid", "contact_phone": "", "address": "",
            "postcode": "", "website": "", "policies": ["constituted", "safeguarding"],
            "created_at": now - timedelta(days=800), "verified_at": now - timedelta(days=790), "verified_by_id": actor_id,
        })
        rows["organisation_pdus"].extend({"organisation_id": organisation_id, "area_id": a} for a in sorted(where))
        rows["specialisms"].extend(
            {"organisation_id": organisation_id, "category_id": c} for c in rng.sample(categories, k=min(2, len(categories)))
        )
        organisation_info[organisation_id] = (name, kind == "vcse", where)
        in_region[home].append(organisation_id)
        for a in where:
            in_pdu.setdefault(a, []).append(organisation_id)
    everyone = list(organisation_info)
    session.execute(sa.insert(Organisation.__table__), rows["organisations"])
    session.execute(sa.insert(organisation_pdus), rows["organisation_pdus"])
    session.execute(sa.insert(organisation_specialisms), rows["specialisms"])
    made["organisations"] = len(rows["organisations"])
    rows["organisations"], rows["organisation_pdus"], rows["specialisms"] = [], [], []

    vcse_count = sum(1 for _, is_vcse, _ in organisation_info.values() if is_vcse)
    need_of = {need.id: need for need in needs}

    def region_of(need) -> int:
        return need.area_id if areas[need.area_id].kind == AreaKind.REGION else areas[need.area_id].parent_id

    def local_to(need) -> list[int]:
        """The organisations with staff or premises in a delivery unit the need covers."""
        return sorted({o for a in covered.get(need.id, []) for o in in_pdu.get(a, [])})

    def room(need, lot) -> int:
        """How many different organisations may bid for the lot (reserved lots have fewer)."""
        if lot.reservation == "vcse":
            return min(most, vcse_count)
        if lot.reservation == "local":
            return min(most, len(set(local_to(need)) | set(in_region.get(region_of(need), []))))
        return most

    # How many bids each lot gets: one at least for a lot to award, the rest at random.
    award_lots = {lot_id for plan in decided.values() for lot_id, won in plan.items() if won}
    limit = {lot.id: room(need_of[lot.need_id], lot) for lot in all_lots}
    if bids > sum(limit.values()) * 0.8:
        raise click.ClickException(
            f"{bids:,} bids is too many for the lots of the generated needs and {organisations:,} organisations "
            f"(at most {int(sum(limit.values()) * 0.8):,}): generate more needs or organisations"
        )
    bid_count = {lot.id: int(lot.id in award_lots) for lot in all_lots}
    left = bids - len(award_lots)
    while left:
        lot = all_lots[rng.randrange(len(all_lots))]
        if bid_count[lot.id] < limit[lot.id]:
            bid_count[lot.id] += 1
            left -= 1

    def bidders(need, lot, local: list[int], k: int) -> list[int]:
        """k different organisations that may bid: mostly ones working where the need is, as in life."""
        region = in_region.get(region_of(need), [])
        # (pool, share): each pick comes from the first non-empty pool whose share is above a roll of the dice.
        pools = [(local, 0.45), (region, 0.75), (everyone, 1.0)]
        if lot.reservation == "local":
            pools = [(local, 0.8), (region, 1.0)]
        vcse_only = lot.reservation == "vcse"
        k = min(k, limit[lot.id])
        chosen: list[int] = []
        seen: set[int] = set()
        while len(chosen) < k:
            roll = rng.random()
            pool = next(p for p, share in pools if p and roll < share)
            candidate = pool[rng.randrange(len(pool))]
            if candidate not in seen and (not vcse_only or organisation_info[candidate][1]):
                seen.add(candidate)
                chosen.append(candidate)
        return chosen

    # Decided needs move back in time: they closed between 45 days before last financial
    # year began and 80 days ago, so their awards, contracts and payments fall in both years.
    last_year = Period.financial_year(today).start.replace(year=Period.financial_year(today).start.year - 1)
    first_close, last_close = last_year - timedelta(days=45), today - timedelta(days=80)
    span = max(1, (last_close - first_close).days)
    declarations = ["accurate", "eligible", "no_conflict"]

    def flush() -> None:
        inserts = (
            ("bids", Bid.__table__), ("revisions", BidRevision.__table__), ("partners", BidPartner.__table__),
            ("closures", ModerationClosure.__table__), ("decisions", AwardDecision.__table__),
            ("contracts", Contract.__table__), ("parties", ContractParty.__table__),
            ("contract_outcomes", contract_outcomes), ("milestones", ContractMilestone.__table__),
            ("reports", OutcomeReport.__table__), ("submissions", ReportSubmission.__table__),
            ("lines", ReportOutcome.__table__), ("payments", Payment.__table__), ("events", AuditEvent.__table__),
        )
        if rows["needs"]:
            table = Need.__table__
            # The SET clause comes from the keys of the rows (executemany).
            session.execute(sa.update(table).where(table.c.id == sa.bindparam("need_id")), rows["needs"])
            made["needs"] += len(rows["needs"])
            rows["needs"] = []
        for key, table in inserts:
            if rows[key]:
                session.execute(sa.insert(table), rows[key])
                made[key] += len(rows[key])
                rows[key] = []
        session.commit()

    for need in needs:
        plan = decided.get(need.id)
        published_at, closes_at = need.published_at, need.closes_at
        if plan is not None:
            closes_at = during(first_close + timedelta(days=rng.randrange(span))).replace(second=0)
            published_at = closes_at - timedelta(days=rng.randint(21, 45), minutes=rng.randint(0, 600))
        closed = closes_at <= now
        last_moment = min(closes_at, now) - timedelta(minutes=5)
        schedule = schedule_of.get(need.id, [])
        criterion_id, criterion_text = question.get(need.id, (None, ""))
        ended = []  # the moments each decided lot took effect, and whether it was awarded
        need_update = None
        local = local_to(need)
        for lot in lots_of.get(need.id, []):
            won = plan.get(lot.id) if plan else None
            chosen = bidders(need, lot, local, bid_count[lot.id])
            winner = rng.randrange(len(chosen)) if won and chosen else None
            if won and winner is None:
                won = False
            bid_rows = []
            for index, organisation_id in enumerate(chosen):
                bid_id = new_id("bid")
                name, _vcse, where = organisation_info[organisation_id]
                created = published_at + (last_moment - published_at) * rng.uniform(0.05, 0.6)
                submitted = created + (last_moment - created) * rng.uniform(0.2, 0.8)
                price = max(10_000, int(lot.value_pence * rng.uniform(0.72, 1.0)) // 10_000 * 10_000)
                people = max(1, int((need.expected_people or 50) * rng.uniform(0.8, 1.3)))
                consortium = index == winner and rng.random() < 0.12
                partner_id = None
                if consortium:
                    partner_id = rng.choice(everyone)
                    if partner_id in chosen:
                        consortium, partner_id = False, None
                lead_share = 70 if consortium else 100
                local_pdus = sorted(where & set(covered.get(need.id, [])))
                advance = price * need.advance_percent // 100
                parts = [("advance", "Advance", advance)] if advance else []
                for m_index, m in enumerate(schedule):
                    last = m_index == len(schedule) - 1
                    amount = price - sum(p for *_, p in parts) if last else price * m.percent // 100
                    parts.append((str(m.id), m.title, amount))
                answer = f"{name} has worked with this cohort for years and will reach people who do not engage."
                content = {
                    "bid_id": bid_id, "need_id": need.id, "lot_id": lot.id,
                    "organisation": {"id": organisation_id, "name": name}, "need_material_changes": 0,
                    "answers": [{"criterion_id": criterion_id, "number": 1, "question": criterion_text, "answer": answer}]
                    if criterion_id else [],
                    "price_pence": price,
                    "price_breakdown": [{"key": key, "label": label, "pence": pence} for key, label, pence in parts],
                    "people": people, "social_value": "Local volunteers and apprenticeships.", "local_pdu_ids": local_pdus,
                    "no_local_presence": not local_pdus, "declarations": declarations, "conflict_details": "",
                    "lead_share": {"work_percent": lead_share, "price_percent": lead_share},
                    "partners": [{"organisation_id": partner_id, "name": organisation_info[partner_id][0],
                                  "work_percent": 30, "price_percent": 30}] if consortium else [],
                    "documents": [],
                }
                revisions = [(submitted, content)]
                if rng.random() < 0.1:  # changed and submitted again before closing
                    again = submitted + (last_moment - submitted) * rng.uniform(0.3, 0.9)
                    content = {**content, "social_value": content["social_value"] + " A mentoring scheme run by peers."}
                    revisions.append((again, content))
                withdrawn = index != winner and rng.random() < 0.03
                latest = revisions[-1][0]
                withdrawn_at = latest + (last_moment - latest) * rng.uniform(0.2, 0.9) if withdrawn else None
                bid_rows.append((bid_id, organisation_id, content, latest))
                rows["bids"].append({
                    "id": bid_id, "need_id": need.id, "lot_id": lot.id, "organisation_id": organisation_id,
                    "created_by_id": actor_id, "created_at": created, "updated_at": latest,
                    "answers": {str(criterion_id): answer} if criterion_id else {}, "price_pence": content["price_pence"],
                    "price_breakdown": {key: pence for key, _, pence in parts}, "people": people,
                    "social_value": content["social_value"], "local_pdu_ids": local_pdus,
                    "no_local_presence": not local_pdus, "declarations": declarations, "conflict_details": "",
                    "lead_work_percent": lead_share, "lead_price_percent": lead_share,
                    "withdrawn_at": withdrawn_at, "withdrawn_by_id": actor_id if withdrawn else None,
                    "withdrawn_reason": "We can no longer deliver this lot" if withdrawn else None,
                    "low_flag_reason": None, "low_flagged_at": None,
                })
                for number, (at, body) in enumerate(revisions, start=1):
                    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
                    rows["revisions"].append({
                        "id": new_id("revision"), "bid_id": bid_id, "number": number, "content": body,
                        "digest": hashlib.sha256(canonical.encode()).hexdigest(), "submitted_at": at,
                        "recorded_at": at, "submitted_by_id": actor_id, "price_pence": body["price_pence"], "people": people,
                    })
                if consortium:
                    rows["partners"].append({
                        "id": new_id("partner"), "bid_id": bid_id, "lot_id": lot.id, "organisation_id": partner_id,
                        "invited_name": None, "invited_email": None, "invite_token_hash": None, "work_percent": 30,
                        "price_percent": 30, "invited_at": created, "invited_by_id": actor_id,
                        "confirmed_at": created + (submitted - created) / 2, "confirmed_by_id": actor_id,
                        "declined_at": None, "removed_at": None,
                    })
            if won is None:
                continue
            # Moderation, the decision (signed off when over the threshold), and for an
            # award the contract with its schedule, reports and payments.
            closure_at = closes_at + timedelta(days=rng.randint(7, 20), hours=rng.randint(0, 6))
            closure_id = new_id("closure")
            rows["closures"].append({"id": closure_id, "lot_id": lot.id, "closed_at": closure_at, "closed_by_id": actor_id})
            event("moderation.closed", "moderation_closures", closure_id, closure_at, after={"need_id": need.id, "lot": lot.number})
            decided_at = closure_at + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 6))
            decision_id = new_id("decision")
            winning = bid_rows[winner] if won else None
            sign_off = bool(won and lot.value_pence > threshold)
            signed_at = decided_at + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 6)) if sign_off else None
            effective = signed_at or decided_at
            standstill = effective + timedelta(days=14) if won and need.procedure != "grant" else None
            reasons = ("The highest scoring bid, and it gives good value." if won
                       else "No bid met the quality threshold; we will look again at what is needed.")
            rows["decisions"].append({
                "id": decision_id, "lot_id": lot.id, "outcome": "award" if won else "not_awarded",
                "bid_id": winning[0] if won else None, "reasons": reasons, "decided_at": decided_at,
                "decided_by_id": actor_id, "needs_sign_off": sign_off, "signed_off_at": signed_at,
                "signed_off_by_id": actor_id if sign_off else None, "sign_off_comment": None, "refused_at": None,
                "refused_by_id": None, "refusal_reason": None, "summaries_sent_at": effective, "standstill_ends_at": standstill,
            })
            event("award.decided", "award_decisions", decision_id, decided_at, reason=reasons, after={
                "need_id": need.id, "lot": lot.number, "outcome": "award" if won else "not_awarded",
                "bid_id": winning[0] if won else None, "needs_sign_off": sign_off,
            })
            if sign_off:
                event("award.signed_off", "award_decisions", decision_id, signed_at, after={"need_id": need.id, "lot": lot.number})
            ended.append((effective, won))
            if not won:
                continue
            bid_id, organisation_id, content, _ = winning
            value, expected = content["price_pence"], content["people"]
            created_at = during(london_date(standstill or effective) + timedelta(days=rng.randint(1, 12)))
            starts_on = london_date(created_at) + timedelta(days=rng.randint(7, 35))
            ends_on = starts_on + timedelta(days=30 * (need.duration_months or 12))
            contract_id = new_id("contract")
            rows["contracts"].append({
                "id": contract_id, "need_id": need.id, "lot_id": lot.id, "bid_id": bid_id, "decision_id": decision_id,
                "organisation_id": organisation_id, "title": f"{need.title}: {lot.title}", "value_pence": value,
                "expected_people": expected, "starts_on": starts_on, "ends_on": ends_on, "created_at": created_at,
                "created_by_id": actor_id,
            })
            rows["parties"].append({"id": new_id("party"), "contract_id": contract_id, "organisation_id": organisation_id,
                                    "role": "lead", "work_percent": content["lead_share"]["work_percent"],
                                    "price_percent": content["lead_share"]["price_percent"]})
            for partner in content["partners"]:
                rows["parties"].append({"id": new_id("party"), "contract_id": contract_id,
                                        "organisation_id": partner["organisation_id"], "role": "partner",
                                        "work_percent": partner["work_percent"], "price_percent": partner["price_percent"]})
            outcomes = wanted.get(need.id, [])
            rows["contract_outcomes"].extend({"contract_id": contract_id, "outcome_id": o} for o in outcomes)
            advance = value * need.advance_percent // 100
            lines = [(0, "Advance", advance, starts_on)] if advance else []
            for m_index, m in enumerate(schedule):
                last = m_index == len(schedule) - 1
                amount = value - sum(line[2] for line in lines) if last else value * m.percent // 100
                due = ends_on if last else min(ends_on, starts_on + timedelta(days=30 * m.due_month))
                lines.append((m.number, m.title, amount, due))
            event("contract.created", "contracts", contract_id, created_at, after={
                "need_id": need.id, "lot": lot.number, "bid_id": bid_id, "value_pence": value,
                "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
                "schedule": [{"number": n, "pence": p, "due_on": d.isoformat()} for n, _, p, d in lines],
            })
            for number, title, amount, due in lines:
                milestone_id = new_id("milestone")
                rows["milestones"].append({"id": milestone_id, "contract_id": contract_id, "number": number, "title": title,
                                           "amount_pence": amount, "due_on": due})
                if number == 0:
                    payable_at = at_london_time(starts_on, time(0, 0)).astimezone(UTC)
                    if payable_at > now:
                        continue
                else:
                    submitted = during(due + timedelta(days=rng.randint(0, 14)))
                    if submitted > now - timedelta(days=1):
                        continue
                    share = number / max(1, len(schedule))
                    started = max(1, int(expected * share * rng.uniform(0.7, 1.1)))
                    completed = int(started * rng.uniform(0.5, 0.9))
                    report_id = new_id("report")
                    narrative = "People were referred by probation practitioners and most stayed with the service."
                    report_lines = []
                    for outcome_id in outcomes:
                        achieved = int(started * rng.uniform(0.3, 0.6))
                        partly = int(started * rng.uniform(0.05, 0.3))
                        report_lines.append({"id": new_id("line"), "report_id": report_id, "outcome_id": outcome_id,
                                             "achieved": achieved, "partly": partly,
                                             "not_achieved": max(0, started - achieved - partly)})
                    body = {
                        "report_id": report_id, "contract_id": contract_id,
                        "milestone": {"id": milestone_id, "number": number, "title": title},
                        "referred": int(started * 1.3), "started": started, "completed": completed,
                        "outcomes": [{"outcome_id": line["outcome_id"], "code": outcome_rows[line["outcome_id"]].code,
                                      "text": outcome_rows[line["outcome_id"]].text, "achieved": line["achieved"],
                                      "partly": line["partly"], "not_achieved": line["not_achieved"]} for line in report_lines],
                        "narrative": narrative, "case_study": "", "documents": [],
                    }
                    rows["reports"].append({
                        "id": report_id, "contract_id": contract_id, "milestone_id": milestone_id,
                        "created_at": submitted - timedelta(days=10), "created_by_id": actor_id, "updated_at": submitted,
                        "referred": body["referred"], "started": started, "completed": completed,
                        "narrative": narrative, "case_study": "",
                    })
                    rows["lines"].extend(report_lines)
                    number_sent = 1
                    if rng.random() < 0.1:  # returned once with comments, then sent again
                        returned = submitted + timedelta(days=rng.randint(2, 6))
                        rows["submissions"].append({
                            "id": new_id("submission"), "report_id": report_id, "number": 1, "content": body,
                            "submitted_at": submitted, "submitted_by_id": actor_id, "decision": "returned",
                            "decided_at": returned, "decided_by_id": actor_id,
                            "comments": "Please say how many people completed the course.",
                        })
                        submitted, number_sent = returned + timedelta(days=rng.randint(1, 5)), 2
                    approved = submitted + timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 5))
                    approved_now = approved <= now
                    rows["submissions"].append({
                        "id": new_id("submission"), "report_id": report_id, "number": number_sent, "content": body,
                        "submitted_at": submitted, "submitted_by_id": actor_id,
                        "decision": "approved" if approved_now else None, "decided_at": approved if approved_now else None,
                        "decided_by_id": actor_id if approved_now else None, "comments": None,
                    })
                    if not approved_now:
                        continue
                    payable_at = approved
                roll = rng.random()
                delay = (rng.randint(1, 10) if roll < 0.58 else rng.randint(11, 30) if roll < 0.83
                         else rng.randint(31, 75) if roll < 0.94 else None)
                paid_at = during(london_date(payable_at) + timedelta(days=delay)) if delay is not None else None
                if paid_at is not None and paid_at > now:
                    paid_at = None
                payment_id = new_id("payment")
                rows["payments"].append({
                    "id": payment_id, "contract_id": contract_id, "milestone_id": milestone_id, "amount_pence": amount,
                    "payable_at": payable_at, "status": "paid" if paid_at else "payable", "backend": "ledger" if paid_at else None,
                    "attempt": 1, "requested_at": paid_at, "requested_by_id": actor_id if paid_at else None, "paid_at": paid_at,
                    "paid_on": london_date(paid_at) if paid_at else None,
                    "reference": f"BACS-{payment_id:08d}" if paid_at else None, "stripe_transfer_id": None,
                    "failed_at": None, "failure_message": None, "reversed_at": None, "updated_at": paid_at or payable_at,
                })
                if paid_at:
                    event("payment.paid", "payments", payment_id, paid_at, before={"status": "payable"}, after={
                        "status": "paid", "backend": "ledger", "paid_on": london_date(paid_at).isoformat(),
                        "reference": f"BACS-{payment_id:08d}", "amount_pence": amount,
                        "days_taken": (london_date(paid_at) - london_date(payable_at)).days,
                    })
        if plan is not None:
            end_at = max(at for at, _ in ended)
            any_award = any(won for _, won in ended)
            status = "awarded" if any_award else "not_awarded"
            event(f"need.{status}", "needs", need.id, end_at, actor=None, before={"status": "closed"}, after={"status": status})
            need_update = {"awarded_at": end_at if any_award else None, "not_awarded_at": None if any_award else end_at}
        if plan is not None or closed:
            rows["needs"].append({
                "need_id": need.id, "published_at": published_at, "closes_at": closes_at,
                "question_deadline": closes_at - timedelta(days=5), "bids_checked_at": closes_at + timedelta(minutes=10),
                "updated_at": now, **(need_update or {"awarded_at": None, "not_awarded_at": None}),
            })
        event("need.published", "needs", need.id, published_at, before={"status": "draft"},
              after={"status": "open", "closes_at": closes_at.isoformat()})
        if len(rows["bids"]) >= 20_000:
            flush()
    # The generated needs that were withdrawn or cancelled: published, then ended.
    for need_id, published_at, closes_at, withdrawn_at, cancelled_at, reason in session.execute(
        sa.select(Need.id, Need.published_at, Need.closes_at, Need.withdrawn_at, Need.cancelled_at, Need.end_reason)
        .where(generated, Need.published_at.is_not(None), sa.or_(Need.withdrawn_at.is_not(None), Need.cancelled_at.is_not(None)))
        .order_by(Need.id)
    ):
        event("need.published", "needs", need_id, published_at, before={"status": "draft"},
              after={"status": "open", "closes_at": closes_at.isoformat()})
        status = "withdrawn" if withdrawn_at else "cancelled"
        event(f"need.{status}", "needs", need_id, withdrawn_at or cancelled_at, before={"status": "open"},
              after={"status": status}, reason=reason)
    flush()
    _after_bulk_insert(("organisations", "bids", "bid_revisions", "bid_partners", "moderation_closures", "award_decisions",
                        "contracts", "contract_parties", "contract_milestones", "outcome_reports", "report_submissions",
                        "report_outcomes", "payments", "audit_events"))
    return made
