"""What the benchmarks share: the settings they measure with, building the database with
the real migrations and reference data, counting rows, and percentiles."""

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FLASK = [str(BIN / "flask"), "--app", "wsgi"]


def production_env(work: Path) -> dict:
    """The production settings, on BENCH_DATABASE_URL or a fresh SQLite file in `work`."""
    return {
        **os.environ,
        "APP_ENV": "production",
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{work / 'bench.db'}"),
        "SECRET_KEY": secrets.token_hex(32),
        "RATELIMIT_STORAGE_URI": "memory://",
        # The benchmarks run one app at a time in one process.
        "ALLOW_LOCAL_RATE_LIMITS": "1",
    }


def development(env: dict) -> dict:
    """The generate commands are refused in production, so data is made with these."""
    return {**env, "APP_ENV": "development"}


def migrate_and_load_reference(env: dict) -> None:
    subprocess.run(FLASK + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(FLASK + ["load-reference"], cwd=ROOT, env=env, check=True, capture_output=True)


def row_counts(env: dict, *tables: str) -> list[int]:
    """How many rows each table holds already (a database given may have some)."""
    script = (
        "from wsgi import app\n"
        "from marketplace.extensions import db\n"
        "import sqlalchemy as sa\n"
        "with app.app_context():\n"
        + "".join(f"    print(db.session.scalar(sa.text('SELECT count(*) FROM {t}')))\n" for t in tables)
    )
    counted = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=development(env), check=True, capture_output=True, text=True
    )
    return [int(line) for line in counted.stdout.strip().splitlines()[-len(tables) :]]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))
    return ordered[index]


def scale_arguments(description: str | None) -> argparse.ArgumentParser:
    """The options every national-scale benchmark takes: how much data, how many requests."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--needs", type=int, default=100_000)
    parser.add_argument("--bids", type=int, default=1_000_000)
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=20)
    return parser


def time_pages(app, pages, requests: int, *, warm: int = 2) -> list[tuple]:
    """Each page, (name, signed-in test client, url), requested `warm` times to warm the
    caches and then `requests` times: (name, url, the last response, the times in ms, the
    SQL statements per request), the median printed as it goes."""
    import statistics
    import time

    import sqlalchemy as sa

    from marketplace.extensions import db

    statements = [0]

    def count_statement(*_args, **_kwargs):
        statements[0] += 1

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count_statement)
    results = []
    for name, client, url in pages:
        for _ in range(warm):
            response = client.get(url, base_url="https://localhost")
        times = []
        statements[0] = 0
        for _ in range(requests):
            started = time.perf_counter()
            response = client.get(url, base_url="https://localhost")
            times.append((time.perf_counter() - started) * 1000)
        results.append((name, url, response, times, statements[0] // requests))
        print(f"  {name}: {statistics.median(times):.0f} ms, HTTP {response.status_code}", file=sys.stderr)
    with app.app_context():
        sa.event.remove(db.engine, "before_cursor_execute", count_statement)
    return results
