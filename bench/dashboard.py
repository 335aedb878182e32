"""Measure the board dashboard at national scale. Prints a Markdown table for README.md.

    make bench-dashboard                                    # a fresh SQLite file
    BENCH_DATABASE_URL=postgresql://... make bench-dashboard

Builds the database with the real migrations, the reference data,
`flask --app wsgi generate-needs --count 100000` and
`flask --app wsgi generate-activity --bids 1000000 --contracts 50000` (3,000 made-up
providers, awards, contracts, outcome reports, payments and the audit events the record of
decisions reads, over this financial year and the last), then signs in a board member of
one region and one of a delivery unit of it (made here) and asks for each page through the
Flask test client with the production settings, one request at a time, and reports the
median and 95th percentile, and how many SQL statements each page ran. With
BENCH_DATABASE_URL, needs already there count towards --needs, and generate-activity is
skipped when the generated needs already have bids (so a second run only measures: it
still runs `flask db upgrade`, so a database built before a migration is brought up to
date; run `flask keep-board-figures` on it after one that adds kept figures).
Options: --needs N, --bids N, --contracts N, --requests N (per page).
"""

import base64
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import (
    FLASK,
    ROOT,
    development,
    migrate_and_load_reference,
    percentile,
    production_env,
    row_counts,
    scale_arguments,
    time_pages,
)

REGION = "N57"  # the region the board member sits for; its busiest delivery unit is the other one

TABLES = (
    "needs",
    "lots",
    "organisations",
    "bids",
    "bid_revisions",
    "award_decisions",
    "contracts",
    "contract_milestones",
    "outcome_reports",
    "report_outcomes",
    "payments",
    "audit_events",
)


def build(env: dict, needs: int, bids: int, contracts: int) -> float:
    migrate_and_load_reference(env)
    started = time.monotonic()
    have_needs, have_bids = row_counts(env, "needs", "bids")
    if needs - have_needs > 0:
        run = subprocess.run(
            FLASK + ["generate-needs", "--count", str(needs - have_needs)],
            cwd=ROOT,
            env=development(env),
            check=True,
            capture_output=True,
            text=True,
        )
        print(run.stdout.strip(), file=sys.stderr)
    if not have_bids:
        run = subprocess.run(
            FLASK + ["generate-activity", "--bids", str(bids), "--contracts", str(contracts)],
            cwd=ROOT,
            env=development(env),
            capture_output=True,
            text=True,
        )
        if run.returncode:
            sys.exit(f"generate-activity failed:\n{run.stdout}\n{run.stderr}")
        print(run.stdout.strip(), file=sys.stderr)
    return time.monotonic() - started


# The board members' authenticator key: staff sign in with a code as well. New each run.
BENCH_TOTP_SECRET = base64.b32encode(secrets.token_bytes(20)).decode()


def board_member(email: str, area, password: str):
    """A verified board member of `area` (made once, its password set each run)."""
    import sqlalchemy as sa

    from marketplace.accounts.models import Membership, Role, User
    from marketplace.accounts.services import hash_password
    from marketplace.extensions import db
    from marketplace.timeutil import utcnow

    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name="Benchmark board member", email_verified_at=utcnow())
        db.session.add(user)
        db.session.flush()
        db.session.add(Membership(user_id=user.id, area_id=area.id, role=Role.BOARD_MEMBER))
    user.password_hash = hash_password(password)
    user.totp_secret, user.two_factor_enabled_at, user.totp_last_step = BENCH_TOTP_SECRET, utcnow(), None
    db.session.commit()
    return user


def signed_in(app, email: str, password: str):
    client = app.test_client()
    page = client.get("/sign-in", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
    # Over HTTPS, Flask-WTF also checks that the form came from this site.
    response = client.post(
        "/sign-in",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/sign-in"},
        data={
            "email": email,
            "password": password,
            "csrf_token": token.group(1) or token.group(2),
        },
    )
    errors = re.findall(r'govuk-error-message">\s*(?:<span[^>]*>[^<]*</span>)?([^<]+)', response.get_data(as_text=True))
    assert response.status_code == 302, f"sign-in failed for {email}: {response.status_code} {errors}"
    if response.headers["Location"].startswith("/sign-in/code"):
        import pyotp

        page = client.get("/sign-in/code", base_url="https://localhost").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page)
        response = client.post(
            "/sign-in/code",
            base_url="https://localhost",
            headers={"Referer": "https://localhost/sign-in/code"},
            data={
                "code": pyotp.TOTP(BENCH_TOTP_SECRET).now(),
                "csrf_token": token.group(1) or token.group(2),
            },
        )
        assert response.status_code == 302 and not response.headers["Location"].startswith("/sign-in"), (
            f"the code failed for {email}"
        )
    return client


def measure(env: dict, requests: int):
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.board import decisions as decision_record
    from marketplace.board.reporting.scope import Period, Scope
    from marketplace.contracts.models import Contract
    from marketplace.extensions import db
    from marketplace.needs.models import Need
    from marketplace.reference.models import Area, ServiceCategory
    from marketplace.timeutil import london_date, utcnow

    app = create_app()
    password = secrets.token_urlsafe(16)
    with app.app_context():
        counts = {table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) for table in TABLES}
        region = db.session.scalar(sa.select(Area).where(Area.code == REGION))
        pdu_id = (
            db.session.scalar(
                sa.select(Need.area_id)
                .join(Contract, Contract.need_id == Need.id)
                .where(Need.area_id.in_([c.id for c in region.children]))
                .group_by(Need.area_id)
                .order_by(sa.func.count().desc(), Need.area_id)
                .limit(1)
            )
            or region.children[0].id
        )
        pdu = db.session.get(Area, pdu_id)
        category_id = db.session.scalar(sa.select(ServiceCategory.id).order_by(ServiceCategory.name).limit(1))
        board_member("bench-board-region@example.org", region, password)
        board_member("bench-board-pdu@example.org", pdu, password)
        period = Period.financial_year(london_date(utcnow()))
        total = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                decision_record.query(Scope((region.id, *[c.id for c in region.children])), period).subquery()
            )
        )
        deep = max(1, (total + 49) // 50 * 3 // 4)
        codes = (region.code, pdu.code)
        region_id, pdu_id = region.id, pdu.id
    this_year = Period.financial_year(london_date(utcnow()))
    two_years = (
        f"from={this_year.start.replace(year=this_year.start.year - 1).isoformat()}&to={this_year.end.isoformat()}"
    )
    as_region = signed_in(app, "bench-board-region@example.org", password)
    as_pdu = signed_in(app, "bench-board-pdu@example.org", password)
    pages = [
        ("delivery unit's dashboard", as_pdu, f"/areas/{pdu_id}/dashboard"),
        ("region's dashboard", as_region, f"/areas/{region_id}/dashboard"),
        ("region's dashboard, two years", as_region, f"/areas/{region_id}/dashboard?{two_years}"),
        ("region, one delivery unit", as_region, f"/areas/{region_id}/dashboard?pdu={pdu_id}"),
        ("region, one category", as_region, f"/areas/{region_id}/dashboard?category={category_id}"),
        ("comparison CSV (region)", as_region, f"/areas/{region_id}/dashboard/comparison.csv"),
        ("size bands CSV (region)", as_region, f"/areas/{region_id}/dashboard/size-bands.csv"),
        ("record of decisions, page 1 (region)", as_region, f"/areas/{region_id}/decisions"),
        (f"record of decisions, page {deep} (region)", as_region, f"/areas/{region_id}/decisions?page={deep}"),
        ("record of decisions, page 1 (delivery unit)", as_pdu, f"/areas/{pdu_id}/decisions"),
    ]
    results = [
        (name, url, response.status_code, times, sql)
        for name, url, response, times, sql in time_pages(app, pages, requests)
    ]
    return results, counts, codes, total, period


def main() -> int:
    parser = scale_arguments(__doc__)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lp-bench-dashboard-"))
    env = production_env(work)
    try:
        build_seconds = build(env, args.needs, args.bids, args.contracts)
        results, counts, codes, total, period = measure(env, args.requests)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    database = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
    print(f"\n{database}, built in {build_seconds:.0f}s: " + ", ".join(f"{n:,} {t}" for t, n in counts.items()))
    print(
        f"Board members of region {codes[0]} and of its delivery unit {codes[1]}; {total:,} decisions in the region "
        f"from {period.start} to {period.end}; {args.requests} requests per page, one at a time, through the Flask "
        f"test client with the production settings, {os.cpu_count()} cores\n"
    )
    print("| page | URL | HTTP | SQL statements | median ms | 95th percentile ms |")
    print("|---|---|---:|---:|---:|---:|")
    for name, url, status, times, queries in results:
        shown = url if len(url) < 70 else url[:67] + "..."
        print(
            f"| {name} | `{shown}` | {status} | {queries} | {statistics.median(times):.0f} | {percentile(times, 0.95):.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
