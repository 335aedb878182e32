"""Run the date-sensitive tests (marked `clock`) as if the session had started at each of a
few fixed instants (TEST_CLOCK, see tests/conftest.py), so that a test that passes on a
Tuesday afternoon but not on a Sunday, a bank holiday or the night the clocks change
fails in CI whatever the day it runs. `make test-clocks` runs this; CI runs it after
`make test`.

    python -m tests.clocks [--jobs N] [INSTANT ...] [-- PYTEST_ARGS]

On SQLite only and without the browser tests, to keep it short, two instants at a time.
Every instant is run; the output of those that failed is printed, and the exit status is
1 if any failed.
"""

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# Each instant with its UTC offset, and why it is one (in London terms). The UK clocks
# always change on a Sunday, so the two nights they change are also the Sundays. Four
# instants, two at a time: two rounds. (An ordinary Friday evening and an ordinary Sunday
# were dropped in issue 24 to keep CI under 30 minutes: the weekend they stand for is in
# each of the four, and `make test` itself runs at whatever instant CI starts.)
INSTANTS = {
    "2026-10-25T00:30:00+00:00": (
        "Sunday 1:30am BST: the clocks go back at 2am, and 1am to 2am comes twice; "
        "5 working days on is Friday, only 5 calendar days on"
    ),
    "2027-03-28T00:30:00+00:00": (
        "Easter Sunday 12:30am GMT: the clocks go forward at 1am; Easter Monday follows, "
        "and the financial year ends on Wednesday"
    ),
    "2026-12-24T16:00:00+00:00": (
        "Christmas Eve, Thursday 4pm, the day before a bank holiday: Christmas Day, the "
        "Boxing Day substitute (Monday 28th) and New Year's Day ahead, in a new year"
    ),
    "2027-04-30T23:30:00+00:00": (
        "Saturday 1 May 12:30am BST, still Friday 30 April in UTC: another day, week and "
        "month in London than in UTC; the May Day bank holiday follows"
    ),
}

SELECTION = ["-m", "clock and not browser", "-k", "not postgresql", "--ignore=tests/browser"]


def run(instant: str, pytest_args: list[str], basetemp: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *SELECTION,
            "-p",
            "no:cacheprovider",
            "-q",
            f"--basetemp={basetemp}",
            *pytest_args,
        ],
        env={**os.environ, "TEST_CLOCK": instant},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return result.returncode, result.stdout, time.monotonic() - started


def main(argv: list[str]) -> int:
    pytest_args: list[str] = []
    if "--" in argv:
        argv, pytest_args = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    jobs = 2
    if argv[:1] == ["--jobs"]:
        jobs, argv = int(argv[1]), argv[2:]
    instants = argv or list(INSTANTS)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="test-clocks-") as folder, ThreadPoolExecutor(max_workers=jobs) as pool:
        runs = {i: pool.submit(run, i, pytest_args, Path(folder) / str(n)) for n, i in enumerate(instants)}
        failed = []
        for instant, future in runs.items():
            status, output, seconds = future.result()
            lines = output.strip().splitlines() or [""]
            print(
                f"TEST_CLOCK={instant} ({INSTANTS.get(instant, 'chosen by hand')}): {lines[-1]} [{seconds:.0f}s]",
                flush=True,
            )
            if status != 0:
                failed.append(instant)
                print(output, flush=True)
    print(f"The date-sensitive tests ran at {len(instants)} instants in {time.monotonic() - started:.0f}s", flush=True)
    if failed:
        print("They failed at: " + " ".join(failed), flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
