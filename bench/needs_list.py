"""Measure the public list of needs with 100,000 needs. Prints a Markdown table for README.md.

    make bench-needs                                   # a fresh SQLite file
    BENCH_DATABASE_URL=postgresql://... make bench-needs

Builds the database with the real migrations, the reference data and
`flask --app wsgi generate-needs --count 100000` (about 75% open; the rest closed,
withdrawn, cancelled or drafts), then asks for each page through the Flask test client
with the production settings, one request at a time, and reports the median and 95th
percentile. With BENCH_DATABASE_URL, needs already there count towards the 100,000.
Options: --count N (needs), --requests N (per page).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .common import (
    FLASK,
    ROOT,
    development,
    migrate_and_load_reference,
    percentile,
    production_env,
    row_counts,
    time_pages,
)


def build(env: dict, count: int) -> float:
    migrate_and_load_reference(env)
    started = time.monotonic()
    [existing] = row_counts(env, "needs")
    if count - existing > 0:
        subprocess.run(
            FLASK + ["generate-needs", "--count", str(count - existing)],
            cwd=ROOT,
            env=development(env),
            check=True,
            capture_output=True,
        )
    return time.monotonic() - started


def measure(env: dict, requests: int) -> tuple[list[tuple[str, str, list[float], int]], int, Any]:
    """Each page's times and SQL statements per request, and the number of open needs."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from marketplace import create_app
    from marketplace.extensions import db
    from marketplace.needs.models import Need
    from marketplace.reference.models import Area, ServiceCategory
    from marketplace.timeutil import utcnow

    app = create_app()
    with app.app_context():
        region = db.session.scalar(sa.select(Area).where(Area.code == "N57"))
        category = db.session.scalar(sa.select(ServiceCategory).order_by(ServiceCategory.id).limit(1))
        open_needs = db.session.scalar(sa.select(sa.func.count()).select_from(Need).where(Need.open_clause(utcnow())))
        some_need = db.session.scalar(sa.select(Need.id).where(Need.open_clause(utcnow())).order_by(Need.id).limit(1))
    pages = [
        ("no filter", "/needs"),
        ("word search", "/needs?q=housing"),
        ("word search, stemmed", "/needs?q=house"),
        ("two-word search", "/needs?q=housing+women"),
        ("region filter", f"/needs?region={region.id}"),
        ("category filter", f"/needs?category={category.id}"),
        ("closing soon", "/needs?closing_soon=y"),
        ("page 200", "/needs?page=200"),
        ("four filters", f"/needs?region={region.id}&procedure=grant&value=25k-100k&closing_soon=y"),
        ("a need's page", f"/needs/{some_need}"),
    ]
    client = app.test_client()
    results = []
    for name, url, response, times, statements in time_pages(app, [(n, client, u) for n, u in pages], requests, warm=3):
        assert response.status_code == 200, (url, response.status_code)
        results.append((name, url, times, statements))
    return results, open_needs, app


def statement_times(app, urls: list[str], requests: int) -> list[tuple[str, float, str]]:
    """The median time of each SQL statement that reads needs (the count and the page), per
    page: what the list's own queries cost, apart from rendering. (url, ms, statement)."""
    import sqlalchemy as sa

    from marketplace.extensions import db

    times: dict[str, list[float]] = {}

    def started(conn, cursor, statement, *args):
        conn.info["bench_started"] = time.perf_counter()

    def finished(conn, cursor, statement, *args):
        if "FROM needs" in statement or "FROM need_counts" in statement:
            times.setdefault(statement, []).append((time.perf_counter() - conn.info["bench_started"]) * 1000)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", started)
        sa.event.listen(db.engine, "after_cursor_execute", finished)
    client = app.test_client()
    found = []
    for url in urls:
        client.get(url)
        times.clear()
        for _ in range(requests):
            client.get(url)
        for statement, ms in times.items():
            kind = "count" if "count(" in statement.lower() else "page"
            found.append((url, statistics.median(ms), kind))
    with app.app_context():
        sa.event.remove(db.engine, "before_cursor_execute", started)
        sa.event.remove(db.engine, "after_cursor_execute", finished)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="lp-bench-needs-"))
    env = production_env(work)
    try:
        build_seconds = build(env, args.count)
        results, open_needs, app = measure(env, args.requests)
        sql_times = statement_times(app, [url for _name, url, _times, _s in results], args.requests)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    database = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
    print(
        f"\n{args.count:,} needs ({open_needs:,} open), {database}, built in {build_seconds:.0f}s; "
        f"{args.requests} requests per page, one at a time, through the Flask test client "
        f"with the production settings, {os.cpu_count()} cores\n"
    )
    print("| page | URL | median ms | 95th percentile ms | SQL statements |")
    print("|---|---|---:|---:|---:|")
    for name, url, times, statements in results:
        shown = url if len(url) < 60 else url[:57] + "..."
        print(f"| {name} | `{shown}` | {statistics.median(times):.0f} | {percentile(times, 0.95):.0f} | {statements} |")
    print("\nThe SQL reading needs, median ms of each statement:\n")
    for url, ms, kind in sql_times:
        print(f"- `{url}` {kind}: {ms:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
