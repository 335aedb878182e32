"""When a request reached us (marketplace/arrival.py): the app server's stamp, taken
first thing, or a trusted load balancer's X-Request-Start when it is plausible; and how
that time is written on receipts. The rules that use it are tested with them
(tests/bids/test_closing_time.py, tests/needs/test_question_deadline.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace import arrival
from marketplace.arrival import (
    IN_FLIGHT_LIMIT,
    StampArrival,
    parse_request_start,
    trusted_request_start,
)
from marketplace.timeutil import LONDON, london_to_the_tenth, utcnow

from .conftest import make_test_app

# 11:59:59.6am on 4 March 2026 in London (GMT): 1772625599.6 seconds since 1970.
SENT = datetime(2026, 3, 4, 11, 59, 59, 600_000, tzinfo=LONDON).astimezone(UTC)


@pytest.fixture(scope="module")
def bare_app():
    """The app with its settings only (no database is touched here)."""
    return make_test_app("sqlite://")


@pytest.mark.parametrize(
    "header",
    [
        "t=1772625599.6",  # nginx: proxy_set_header X-Request-Start "t=${msec}"
        "t=1772625599.600",
        "T=1772625599.600000",
        "  t=1772625599.600  ",
        "1772625599.6",
        "t=1772625599600",  # milliseconds (HAProxy t=%Ts%ms)
        "1772625599600",  # Heroku: milliseconds, no "t="
        "t=1772625599600000",  # Apache %t: microseconds
        "1772625599600000000",  # nanoseconds
    ],
)
def test_the_common_forms_of_x_request_start_are_read(header):
    assert parse_request_start(header) == SENT


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "t=",
        "t",
        "now",
        "t=abc",
        "t=-1772625599",
        "t=1.7e9",
        "t=1772625599,6",
        "t=1772625599.6, t=1772625000.0",  # the client's header and the proxy's, joined
        "t=1772625599.6 t=1772625599.6",
        "d=1772625599.6",
        "t=１７７２６２５５９９",  # not ASCII digits
        "9" * 41,
        "t=" + "9" * 25,
        "t=1772625599." + "6" * 12,
        "t=\x00",
    ],
)
def test_an_unreadable_x_request_start_is_ignored(header):
    assert parse_request_start(header) is None


def test_a_load_balancer_stamp_is_believed_only_when_no_later_than_ours_and_at_most_a_minute_earlier():
    ours = SENT + timedelta(seconds=0.4)
    assert trusted_request_start("t=1772625599.6", ours) == SENT
    assert trusted_request_start("t=1772625599.6", SENT) == SENT
    # Later than our own stamp: the clocks disagree, and ours counts.
    assert trusted_request_start("t=1772625599.6", SENT - timedelta(microseconds=1)) is None
    # A request cannot have been waiting for longer than IN_FLIGHT_LIMIT: a forged or wrong stamp.
    assert trusted_request_start("t=1772625599.6", SENT + IN_FLIGHT_LIMIT) == SENT
    assert trusted_request_start("t=1772625599.6", SENT + IN_FLIGHT_LIMIT + timedelta(microseconds=1)) is None
    assert trusted_request_start("t=0", ours) is None
    assert trusted_request_start("t=garbage", ours) is None


def test_the_app_stamps_each_request_first_outside_proxy_fix():
    plain = make_test_app("sqlite://")
    assert isinstance(plain.wsgi_app, StampArrival)
    proxied = make_test_app("sqlite://", PROXY_FIX_HOPS=1)
    assert isinstance(proxied.wsgi_app, StampArrival)
    assert isinstance(proxied.wsgi_app.wsgi_app, ProxyFix)


def test_the_stamp_is_taken_before_the_app_runs():
    seen = {}

    def inner(environ, start_response):
        seen["stamp"], seen["clock"] = environ[arrival.ENVIRON_KEY], utcnow()
        start_response("200 OK", [])
        return [b""]

    StampArrival(inner)({"HTTP_X_REQUEST_START": "t=1"}, lambda *a: None)
    assert seen["stamp"] <= seen["clock"]
    assert seen["stamp"].tzinfo is not None


def test_outside_a_request_the_time_is_now(bare_app):
    before = utcnow()
    with bare_app.app_context():
        received = arrival.request_received_at()
    assert before <= received <= utcnow()


@pytest.mark.parametrize(
    "hops, trust, header, expected",
    [
        (0, False, None, "server"),
        (0, False, "t=1772625599.6", "server"),  # straight from the client: never believed
        (0, True, "t=1772625599.6", "server"),  # no proxy in front, whatever the other setting says
        (1, False, "t=1772625599.6", "server"),  # a proxy that is not said to set the header
        (1, True, "t=1772625599.6", "proxy"),
        (2, True, "1772625599600", "proxy"),
        (1, True, None, "server"),
        (1, True, "t=not-a-time", "server"),
        (1, True, "t=1772625539.5", "server"),  # more than a minute before ours
        (1, True, "t=1772625600.1", "server"),  # after ours
    ],
)
def test_x_request_start_counts_only_behind_a_trusted_proxy_that_sets_it(
    bare_app, monkeypatch, hops, trust, header, expected
):
    monkeypatch.setitem(bare_app.config, "PROXY_FIX_HOPS", hops)
    monkeypatch.setitem(bare_app.config, "TRUST_X_REQUEST_START", trust)
    ours = SENT + timedelta(seconds=0.4)
    headers = {"X-Request-Start": header} if header is not None else {}
    with bare_app.test_request_context("/", headers=headers, environ_overrides={arrival.ENVIRON_KEY: ours}):
        assert arrival.request_received_at() == (SENT if expected == "proxy" else ours)


def test_x_request_start_is_not_believed_unless_the_settings_say_so():
    assert make_test_app("sqlite://").config["TRUST_X_REQUEST_START"] is False


@pytest.mark.parametrize(
    "when, shown",
    [
        (SENT, "11:59:59.6am on 4 March 2026"),
        (
            datetime(2026, 3, 4, 11, 59, 59, 999_999, tzinfo=LONDON),
            "11:59:59.9am on 4 March 2026",
        ),  # cut, never rounded up
        (datetime(2026, 3, 4, 12, 0, tzinfo=LONDON), "12:00:00.0pm on 4 March 2026"),
        (datetime(2026, 7, 1, 11, 0, 0, 650_000, tzinfo=UTC), "12:00:00.6pm on 1 July 2026"),  # British Summer Time
        (datetime(2026, 10, 25, 0, 5, 9, 100_000, tzinfo=UTC), "1:05:09.1am on 25 October 2026"),
        (None, ""),
    ],
)
def test_the_time_a_request_reached_us_is_shown_to_a_tenth_of_a_second_in_london(when, shown):
    assert london_to_the_tenth(when) == shown
