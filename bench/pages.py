"""Public pages under load, each paired in the same run with the framework's ceiling.

    make bench-pages                                  # PostgreSQL, data kept in instance/bench-pages/
    make bench-pages BENCH_ARGS="--page /needs --page /sign-in --seconds 5"
    make bench-pages BENCH_ARGS="--fresh"             # build the data again
    BENCH_DATABASE_URL=sqlite:///... make bench-pages # another database (built there if empty)

The data: a PostgreSQL server started from the Debian binaries as the tests start theirs
(tests/pgserver.py: fsync, synchronous_commit and full_page_writes off, which only writing
feels), its data directory kept in instance/bench-pages/ between runs. The first run builds
the database: the migrations, `load-reference`, `demo-data` and `generate-needs` up to
--needs needs in all (100,000; the demo's count towards them). Later runs apply any new
migration (`db upgrade`), add needs only if there are fewer than --needs, and measure.

The servers: the portal (wsgi:app, production settings) and the ceiling (bench/ceiling.py:
govuk-frontend-jinja's plain template.html, no database), each under gunicorn
`-w 2 -k gthread --threads 4` on loopback, both running throughout; each page and the
ceiling are asked for 20 times, one at a time, before the first window, so that templates
are compiled and connections opened.

The load: locust (bench/locustfile.py), --users users (20) of FastHttpUser without pause,
all started at once, on the same machine as the servers. Each page is measured in --rounds
rounds (3); a round is a window of --seconds seconds (8) on the page and one on the
ceiling, one after the other, the page first in odd rounds and the ceiling first in even
ones, so that a change in the machine's load (other work on it) falls on both alike and
neither goes first every time. req/s is the requests of the page's windows over their
seconds (each from the start of locust's load to its last answer); the median and 95th
percentile are of all the requests of the page's windows together (locust's histograms,
added); the ratio is the page's req/s over the ceiling's in the same rounds, and "rounds"
gives each round's ratio alone: their spread shows how much the machine's load moved.
Failures are counted and their errors printed. With the defaults the 6 pages take about
8 minutes once the data exists (on a busy 2-core machine; the first run spends about 6
more building it).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .common import BIN, FLASK, ROOT, development, percentile, production_env, row_counts

PAGES = ("/", "/sign-in", "/needs", "/needs?q=housing", "/needs/<id>", "/healthz")
DATA = ROOT / "instance" / "bench-pages"
DATABASE = "local_partners_bench_pages"
GUNICORN = ("-w", "2", "-k", "gthread", "--threads", "4")
WARM_UP = 20


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--page",
        action="append",
        dest="pages",
        metavar="PATH",
        help="a page to measure (repeat for more); <id> stands for an open need. Default: " + ", ".join(PAGES),
    )
    parser.add_argument("--users", type=int, default=20, help="locust users, each asking without pause (20)")
    parser.add_argument("--seconds", type=int, default=8, help="seconds of each window of load (8)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of page and ceiling per page (3)")
    parser.add_argument("--needs", type=int, default=100_000, help="needs in the database, the demo's included")
    parser.add_argument("--fresh", action="store_true", help="delete the kept database and build it again")
    args = parser.parse_args(argv)
    args.pages = args.pages or list(PAGES)
    if min(args.users, args.seconds, args.rounds) < 1:
        parser.error("--users, --seconds and --rounds must be at least 1")
    return args


@dataclass
class Figures:
    """What locust counted in one or more windows of load on one URL."""

    requests: int = 0
    failures: int = 0
    seconds: float = 0.0
    response_times: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(
            self.requests + other.requests,
            self.failures + other.failures,
            self.seconds + other.seconds,
            self.response_times + other.response_times,
            self.errors + other.errors,
        )

    @classmethod
    def read(cls, path: Path) -> "Figures":
        found = json.loads(path.read_text())
        times = Counter({int(ms): count for ms, count in found["response_times"].items()})
        return cls(found["requests"], found["failures"], found["seconds"], times, found["errors"])

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        return percentile(list(self.response_times.elements()), share) if self.requests else 0.0


@dataclass
class Row:
    page: str
    figures: Figures
    ceiling: Figures
    round_ratios: list[float]

    @property
    def ratio(self) -> float:
        return self.figures.per_second / self.ceiling.per_second if self.ceiling.per_second else 0.0


def table(rows: list[Row]) -> str:
    lines = [
        "| page | req/s | median ms | p95 ms | ceiling req/s | ratio | rounds | failures |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        lines.append(
            f"| `{row.page}` | {row.figures.per_second:,.0f} | {row.figures.percentile(0.5):,.0f} | "
            f"{row.figures.percentile(0.95):,.0f} | {row.ceiling.per_second:,.0f} | {row.ratio:.2f} | "
            + " / ".join(f"{ratio:.2f}" for ratio in row.round_ratios)
            + f" | {row.figures.failures + row.ceiling.failures} |"
        )
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(app: str, env: dict, log: Path):
    """gunicorn with the benchmark's settings serving `app` (module:variable) on loopback; its URL."""
    port = free_port()
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), *GUNICORN, "-b", f"127.0.0.1:{port}", app],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url + "/healthz" if app == "wsgi:app" else url, timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.1)
        else:
            sys.exit(f"gunicorn did not start {app}:\n{log.read_text()[-3000:]}")
        if server.poll() is not None:
            sys.exit(f"gunicorn stopped serving {app}:\n{log.read_text()[-3000:]}")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def warm_up(url: str) -> None:
    """Ask for `url` WARM_UP times, one at a time; a page that is not 200 stops the run."""
    for _ in range(WARM_UP):
        with urllib.request.urlopen(url, timeout=60) as response:
            response.read()
            if response.status != 200:
                sys.exit(f"{url} answered {response.status}")


def window(host: str, path: str, args: argparse.Namespace, work: Path) -> Figures:
    """One window of load: locust on `path` for --seconds seconds."""
    stats = work / "window.json"
    stats.unlink(missing_ok=True)
    # locust exits with 1 when a request failed; the failures are in its figures.
    subprocess.run(
        [
            str(BIN / "locust"),
            *("--headless", "--only-summary", "--loglevel", "WARNING"),
            *("-f", str(ROOT / "bench" / "locustfile.py"), "--host", host),
            *("-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s"),
        ],
        cwd=ROOT,
        env={**os.environ, "BENCH_PATH": path, "BENCH_STATS": str(stats)},
        capture_output=True,
    )
    if not stats.exists():
        sys.exit(f"locust wrote no figures for {host}{path}")
    return Figures.read(stats)


def measure(page: str, path: str, app: str, ceiling: str, args: argparse.Namespace, work: Path) -> Row:
    """The page and the ceiling in alternate windows, --rounds rounds (see the docstring)."""
    row = Row(page, Figures(), Figures(), [])
    for number in range(args.rounds):
        pair = [(app, path), (ceiling, "/")]
        measured = [window(host, asked, args, work) for host, asked in (pair if number % 2 == 0 else pair[::-1])]
        on_page, on_ceiling = measured if number % 2 == 0 else measured[::-1]
        row.figures += on_page
        row.ceiling += on_ceiling
        row.round_ratios.append(on_page.per_second / on_ceiling.per_second if on_ceiling.per_second else 0.0)
    print(f"  {page}: {row.figures.per_second:,.0f} req/s, ratio {row.ratio:.2f}", file=sys.stderr)
    return row


def flask(env: dict, *command: str) -> None:
    run = subprocess.run(FLASK + list(command), cwd=ROOT, env=env, capture_output=True, text=True)
    if run.returncode:
        sys.exit(f"flask {' '.join(command)} failed:\n{run.stdout}\n{run.stderr}")
    if run.stdout.strip():
        print(run.stdout.strip().splitlines()[-1], file=sys.stderr)


def build(env: dict, needs: int) -> None:
    """The migrations always; reference and demo data into an empty database; needs up to `needs`."""
    flask(env, "db", "upgrade")
    (have,) = row_counts(env, "users")
    if not have:
        flask(env, "load-reference")
        flask(development(env), "demo-data")
    (have,) = row_counts(env, "needs")
    if have < needs:
        flask(development(env), "generate-needs", "--count", str(needs - have))


@contextmanager
def database(fresh: bool):
    """BENCH_DATABASE_URL, or the kept PostgreSQL server in instance/bench-pages/, started
    here (a server left running by an interrupted run is stopped first) and stopped after."""
    if os.environ.get("BENCH_DATABASE_URL"):
        yield os.environ["BENCH_DATABASE_URL"]
        return
    sys.path.insert(0, str(ROOT))
    from tests import pgserver

    if fresh or (DATA / "data" / "postmaster.pid").exists():
        with suppress(pgserver.PostgresUnavailable):  # it was not running
            pgserver.PostgresServer(bin_dir=pgserver.find_bin_dir() or "", base=str(DATA), port=0).stop(keep=True)
    if fresh:
        shutil.rmtree(DATA, ignore_errors=True)
    server = pgserver.start_server(max_connections=60, base=DATA)
    try:
        url = server.url(DATABASE)
        if not exists(server.url("postgres"), DATABASE):
            url = server.create_database(DATABASE)
        yield url
    finally:
        server.stop(keep=True)


def exists(url: str, name: str) -> bool:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}))
    finally:
        engine.dispose()


def facts(url: str) -> tuple[int, str]:
    """An open need's id (the one open longest, so that it stays open through the run) and
    the database's name and version."""
    import sqlalchemy as sa

    from marketplace.needs.models import Need
    from marketplace.timeutil import utcnow

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            need = connection.scalar(
                sa.select(Need.id).where(Need.open_clause(utcnow())).order_by(Need.closes_at.desc()).limit(1)
            )
            if engine.dialect.name == "postgresql":
                version = "PostgreSQL " + connection.scalar(sa.text("SHOW server_version"))
            else:
                version = "SQLite " + connection.scalar(sa.text("SELECT sqlite_version()"))
    finally:
        engine.dispose()
    if need is None:
        sys.exit("there is no open need to ask for")
    return need, version


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        "an unknown processor",
    )
    return f"{os.cpu_count()} cores ({model})"


def load() -> str:
    return ", ".join(f"{figure:.2f}" for figure in os.getloadavg())


def report(rows: list[Row], args: argparse.Namespace, version: str, loads: tuple[str, str], started: datetime) -> str:
    lines = [
        "",
        f"{started:%Y-%m-%d}, {started:%H:%M} to {datetime.now(UTC):%H:%M} UTC, {machine()}, {version}; "
        f"load average (1, 5, 15 min) {loads[0]} before and {loads[1]} after.",
        f"gunicorn {' '.join(GUNICORN)} for the portal (production settings) and the ceiling; locust "
        f"{args.users} users without pause, {args.rounds} rounds of {args.seconds} s on each page and "
        f"{args.seconds} s on the ceiling, on the same machine.",
        "",
        table(rows),
    ]
    errors = [error for row in rows for error in row.figures.errors + row.ceiling.errors]
    if errors:
        lines += ["", "Failures:", *errors]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    # Stopped (Ctrl+C or a TERM signal), it still stops its servers: PostgreSQL keeps its data.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    started, before = datetime.now(UTC), load()
    if args.fresh and os.environ.get("BENCH_DATABASE_URL"):
        sys.exit("--fresh rebuilds the kept PostgreSQL database only; empty BENCH_DATABASE_URL's yourself")
    work = Path(tempfile.mkdtemp(prefix="lp-bench-pages-"))
    try:
        with database(args.fresh) as url:
            os.environ["BENCH_DATABASE_URL"] = url
            env = production_env(work)
            build(env, args.needs)
            need, version = facts(url)
            print(f"{version} at {url}; the open need asked for is {need}", file=sys.stderr)
            with (
                serving("wsgi:app", env, work / "app.log") as app,
                serving("bench.ceiling:app", env, work / "ceiling.log") as ceiling,
            ):
                warm_up(ceiling)
                rows = []
                for page in args.pages:
                    path = page.replace("<id>", str(need))
                    warm_up(app + path)
                    rows.append(measure(page, path, app, ceiling, args, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(report(rows, args, version, (before, load()), started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
