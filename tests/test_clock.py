"""TEST_CLOCK: the session runs as if it had started at the instant given (tests/conftest.py)."""

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.timeutil import utcnow

from .conftest import clock_instant

pytestmark = pytest.mark.clock


def test_the_session_runs_from_test_clock_and_time_still_passes():
    instant = clock_instant()
    if instant is None:
        pytest.skip("TEST_CLOCK is not set: the tests run at the real time")
    started = utcnow()
    assert instant <= started < instant + timedelta(hours=3)
    # Every clock the product and its libraries read tells the same time.
    assert abs(datetime.fromtimestamp(time.time(), UTC) - started) < timedelta(seconds=5)
    assert date.today() == datetime.fromtimestamp(started.timestamp()).date()
    time.sleep(0.01)
    assert utcnow() > started
