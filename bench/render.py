"""Time rendering the start page and the sign-in page, one request at a time through the
Flask test client with the production settings, beside the plain GOV.UK page: bench/ceiling.py, a minimal
Flask app rendering govuk-frontend-jinja's own `template.html` (a heading, a paragraph, the
portal's stylesheets and scripts) and no database. Prints a Markdown table for README.md ("Rendering the GOV.UK page").

    .venv/bin/python -m bench.render [--requests 100] [--rounds 30]

Each page is asked for --requests times in each of --rounds rounds, the pages taking turns
so that a load on the machine falls on each alike; the figures are the medians over the
rounds of the CPU time (of this process) and the wall-clock time per request. The ratio is
the plain page's CPU time over the page's: over 1 is faster than the plain page.
SQLite, a fresh database with the migrations and the reference data (no demo data: the
start page and the sign-in page read none).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .common import migrate_and_load_reference, production_env


def plain_app():
    """The ceiling: the package's template with no database, no session and no CSRF (the
    same app `make bench-pages` serves beside the portal)."""
    from .ceiling import create_app

    return create_app()


def measure(clients: dict, requests: int, rounds: int) -> dict[str, tuple[float, float]]:
    """Each page's median over the rounds of its CPU time and its wall-clock time per
    request, in microseconds. CPU time (this process's) is what limits how many requests a
    busy server answers, and moves less than wall-clock time when other work shares the
    machine."""
    cpu: dict[str, list[float]] = {name: [] for name in clients}
    wall: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(rounds):
        for name, (client, url) in clients.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            for _ in range(requests):
                response = client.get(url, base_url="https://localhost")
            cpu[name].append((time.process_time() - started_cpu) / requests * 1e6)
            wall[name].append((time.perf_counter() - started) / requests * 1e6)
            assert response.status_code == 200, (name, response.status_code)
    return {name: (statistics.median(cpu[name]), statistics.median(wall[name])) for name in clients}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        env = production_env(Path(work))
        migrate_and_load_reference(env)
        os.environ.update(env)
        from wsgi import app

        clients = {
            "plain GOV.UK page (the ceiling)": (plain_app().test_client(), "/"),
            "/ (start page)": (app.test_client(), "/"),
            "/sign-in": (app.test_client(), "/sign-in"),
        }
        for client, url in clients.values():  # warm: templates compiled, caches filled
            for _ in range(20):
                client.get(url, base_url="https://localhost")
        times = measure(clients, args.requests, args.rounds)
    plain_cpu = times["plain GOV.UK page (the ceiling)"][0]
    print(f"{args.rounds} rounds of {args.requests} requests per page", file=sys.stderr)
    print("| page | CPU µs per request | wall-clock µs | the plain page's CPU time over this page's |")
    print("|---|---:|---:|---:|")
    for name, (cpu, wall) in times.items():
        print(f"| {name} | {cpu:,.0f} | {wall:,.0f} | {plain_cpu / cpu:.2f} |")


if __name__ == "__main__":
    main()
