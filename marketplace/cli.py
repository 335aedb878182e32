"""Maintenance commands: `flask --app wsgi <command>`."""

import click
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
        if current_app.config.get("ENV_NAME") == "production" or not current_app.config.get("DEMO_DATA_ALLOWED"):
            raise click.ClickException("generate-needs is refused in production: it would publish made-up needs.")
        if not 1 <= count <= 1_000_000:
            raise click.ClickException("--count must be between 1 and 1,000,000")
        import time

        started = time.monotonic()
        made = _generate_needs(count, seed)
        click.echo(f"Added {made:,} needs in {time.monotonic() - started:.1f}s.")


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

    def next_id(model) -> int:
        return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1

    need_id, lot_id, criterion_id, milestone_id = next_id(Need), next_id(Lot), next_id(Criterion), next_id(Milestone)
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
    if db.engine.dialect.name == "postgresql":
        for table in ("needs", "lots", "criteria", "milestones"):
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    elif db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    return made
