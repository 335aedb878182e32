"""Measure the portal's pages under load: gunicorn (production settings) on loopback, locust
as the load, both on this machine. Prints a Markdown table for README.md.

    make bench                      # SQLite
    BENCH_DATABASE_URL=postgresql://... make bench

Bounded: 20 users for 20 seconds, traffic to 127.0.0.1 only.
"""

import csv
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .common import (
    BIN,
    FLASK,
    ROOT,
    development,
    migrate_and_load_reference,
    production_env,
)

USERS, SPAWN_RATE, DURATION = 20, 10, "20s"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="lp-bench-"))
    env = production_env(work)
    migrate_and_load_reference(env)
    subprocess.run(FLASK + ["demo-data"], cwd=ROOT, env=development(env), check=True, capture_output=True)

    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            print("gunicorn did not start", file=sys.stderr)
            return 1
        subprocess.run(
            [
                str(BIN / "locust"),
                "--headless",
                "-u",
                str(USERS),
                "-r",
                str(SPAWN_RATE),
                "-t",
                DURATION,
                "--host",
                f"http://127.0.0.1:{port}",
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--csv",
                str(work / "out"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    finally:
        server.terminate()
        server.wait(timeout=10)

    database = "PostgreSQL" if "postgres" in env["DATABASE_URL"] else "SQLite"
    print(
        f"\n{USERS} users for {DURATION}, gunicorn -w 2 -k gthread --threads 4, {database}, "
        f"{os.cpu_count()} cores shared with locust\n"
    )
    print("| page | requests | failures | req/s | median ms | 95th percentile ms |")
    print("|---|---:|---:|---:|---:|---:|")
    with open(work / "out_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            print(
                f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
                f"{float(row['Requests/s']):.0f} | {row['50%']} | {row['95%']} |"
            )
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
