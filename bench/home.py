"""Measure the commissioner's home (its to-do list) and an area's contracts list for a
region with 5,000 contracts, on PostgreSQL. Prints a Markdown table for README.md.

    make bench-home                                    # a throwaway PostgreSQL server
    BENCH_DATABASE_URL=postgresql://... make bench-home

Builds the database with the real migrations, the reference data,
`flask --app wsgi generate-needs` and `flask --app wsgi generate-activity` (made-up
providers, awards, contracts, outcome reports and payments: paid, payable and overdue),
then moves the needs of --region-contracts contracts into the delivery units of region N57,
so that one region holds that many, and returns one in ten of their approved outcome
reports to waiting for approval (and their payments to payable), so that the to-do has
thousands of items to count. A commissioner of the region (made here) signs in, and each
page is asked for --requests times, one at a time, through the Flask test client with the
production settings; the table gives the median and 95th percentile, and how many SQL
statements each page ran. Without BENCH_DATABASE_URL a PostgreSQL server is started for
the run (tests/pgserver.py) and stopped after it. With BENCH_DATABASE_URL, data already
there is kept (a second run only measures).
"""

import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, percentile, production_env, row_counts, scale_arguments, time_pages
from .dashboard import BENCH_TOTP_SECRET, build, signed_in

REGION = "N57"
EMAIL = "bench-commissioner-region@example.org"


def concentrate(env: dict, contracts: int) -> None:
    """Move the needs of `contracts` contracts into the region's delivery units, and make
    one in ten of their approved reports wait for approval again."""
    script = f"""
import sqlalchemy as sa
from wsgi import app
from marketplace.extensions import db
with app.app_context():
    region = db.session.execute(sa.text("SELECT id FROM areas WHERE code = :c"), {{"c": "{REGION}"}}).scalar_one()
    units = db.session.execute(sa.text("SELECT id FROM areas WHERE parent_id = :r ORDER BY id"), {{"r": region}}).scalars().all()
    here = db.session.execute(
        sa.text("SELECT count(*) FROM contracts c JOIN needs n ON n.id = c.need_id WHERE n.area_id = ANY(:u)"),
        {{"u": units}},
    ).scalar_one()
    if here < {contracts}:
        ids = db.session.execute(
            sa.text("SELECT c.need_id FROM contracts c JOIN needs n ON n.id = c.need_id"
                    " WHERE NOT n.area_id = ANY(:u) ORDER BY c.id LIMIT :k"),
            {{"u": units, "k": {contracts} - here}},
        ).scalars().all()
        for number, unit in enumerate(units):
            db.session.execute(
                sa.text("UPDATE needs SET area_id = :a WHERE id = ANY(:ids)"), {{"a": unit, "ids": ids[number::len(units)]}}
            )
        waiting = db.session.execute(sa.text(
            "SELECT s.id, r.milestone_id FROM report_submissions s JOIN outcome_reports r ON r.id = s.report_id"
            " JOIN contracts c ON c.id = r.contract_id JOIN needs n ON n.id = c.need_id"
            " WHERE n.area_id = ANY(:u) AND s.decision = 'approved' ORDER BY s.id"), {{"u": units}}).all()[::10]
        db.session.execute(sa.text("UPDATE report_submissions SET decision = NULL, decided_at = NULL, decided_by_id = NULL"
                                   " WHERE id = ANY(:ids)"), {{"ids": [w[0] for w in waiting]}})
        db.session.execute(sa.text("UPDATE payments SET status = 'payable', paid_at = NULL, paid_on = NULL"
                                   " WHERE milestone_id = ANY(:ids)"), {{"ids": [w[1] for w in waiting]}})
        db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env={**env, "APP_ENV": "development"}, check=True)


def commissioner(email: str, area, password: str) -> None:
    """A verified commissioner of `area` (made once, its password set each run)."""
    import sqlalchemy as sa

    from marketplace.accounts.models import Membership, Role, User
    from marketplace.accounts.services import hash_password
    from marketplace.extensions import db
    from marketplace.timeutil import utcnow

    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name="Benchmark commissioner", email_verified_at=utcnow())
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, area_id=area.id, role=Role.COMMISSIONER))
    user.password_hash = hash_password(password)
    user.totp_secret, user.two_factor_enabled_at, user.totp_last_step = BENCH_TOTP_SECRET, utcnow(), None
    db.session.commit()


def profile(user, region) -> None:
    """Where the home page's time goes: the to-do and the needs overview, each timed alone
    (to stderr), planned as the home plans them (homes.serial_plans)."""
    from marketplace.homes import serial_plans
    from marketplace.homes.commissioner import tasks
    from marketplace.needs.overview import commissioning_overview

    serial_plans()

    for name, call in (("to-do", lambda: tasks(user)), ("needs overview", lambda: commissioning_overview(user))):
        times = []
        for _ in range(20):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        print(f"  {name} alone: median {statistics.median(times):.0f} ms", file=sys.stderr)


def measure(env: dict, requests: int):
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.homes.commissioner import tasks
    from marketplace.reference.models import Area

    app = create_app()
    password = secrets.token_urlsafe(16)
    with app.app_context():
        region = db.session.scalar(sa.select(Area).where(Area.code == REGION))
        region_id, units = region.id, region.ids_covered
        contracts = db.session.scalar(
            sa.text("SELECT count(*) FROM contracts c JOIN needs n ON n.id = c.need_id WHERE n.area_id = ANY(:u)"),
            {"u": list(units)},
        )
        commissioner(EMAIL, region, password)
        from marketplace.accounts.models import User

        with app.test_request_context():
            user = db.session.scalar(sa.select(User).where(User.email == EMAIL))
            waiting = [(t.title, t.count) for t in tasks(user)]
            profile(user, region)
    client = signed_in(app, EMAIL, password)
    pages = [
        ("commissioner's home", "/"),
        ("region's contracts, page 1", f"/areas/{region_id}/contracts"),
        ("region's contracts, page 50", f"/areas/{region_id}/contracts?page=50"),
        ("active, ending within 90 days", f"/areas/{region_id}/contracts?status=active&ending=90"),
        ("reports waiting", f"/areas/{region_id}/contracts?waiting=reports"),
    ]
    timed = time_pages(app, [(name, client, url) for name, url in pages], requests, warm=3)
    results = [(name, url, response.status_code, times, sql) for name, url, response, times, sql in timed]
    return results, contracts, waiting


def main() -> int:
    parser = scale_arguments(__doc__)
    parser.set_defaults(needs=12_000, bids=60_000, contracts=6_000, requests=50)
    parser.add_argument("--region-contracts", type=int, default=5_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lp-bench-home-"))
    server = None
    if not os.environ.get("BENCH_DATABASE_URL"):
        sys.path.insert(0, str(ROOT))
        from tests import pgserver

        server = pgserver.start_server(max_connections=20)
        os.environ["BENCH_DATABASE_URL"] = server.create_database("local_partners_bench_home")
        print(f"PostgreSQL at {os.environ['BENCH_DATABASE_URL']}", file=sys.stderr)
    env = production_env(work)
    try:
        build_seconds = build(env, args.needs, args.bids, args.contracts)
        concentrate(env, args.region_contracts)
        counts = dict(
            zip(("needs", "contracts", "payments"), row_counts(env, "needs", "contracts", "payments"), strict=True)
        )
        results, contracts, waiting = measure(env, args.requests)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if server is not None:
            server.stop()
    print(f"\nBuilt in {build_seconds:.0f}s: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    print(
        f"A commissioner of region {REGION} ({contracts:,} contracts); waiting: "
        + ", ".join(f"{title} {count:,}" for title, count in waiting)
    )
    print(
        f"{args.requests} requests per page, one at a time, through the Flask test client with the production "
        f"settings, {os.cpu_count()} cores\n"
    )
    print("| page | URL | HTTP | SQL statements | median ms | 95th percentile ms |")
    print("|---|---|---:|---:|---:|---:|")
    for name, url, status, times, queries in results:
        print(
            f"| {name} | `{url}` | {status} | {queries} | {statistics.median(times):.0f} | {percentile(times, 0.95):.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
