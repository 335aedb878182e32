"""When a request reached us: the time that counts against a closing time or deadline.

Under load a request waits, first for a thread of the app server, then for the need's
row lock; reading the clock after that refused bids that were sent in time. So the app
stamps each request with the server's clock first thing (`StampArrival`, the outermost
WSGI middleware, before ProxyFix and Flask's own request setup), and the views pass
`request_received_at()` to the services as their `now=`.

Behind a load balancer that stamps each request itself, its `X-Request-Start` header
is earlier still (it includes the wait for a thread). It is believed only when the
settings say a trusted proxy sets it (`PROXY_FIX_HOPS` > 0 and `TRUST_X_REQUEST_START`),
and only if it is plausible: a stamp that cannot be read, that is later than the app
server's own (the clocks disagree), or older than IN_FLIGHT_LIMIT before it, is ignored
and the server's stamp counts. So a forged header can never move a request later, nor
earlier than a request could really have waited.
"""

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

from flask import current_app, has_request_context, request

from .timeutil import utcnow

ENVIRON_KEY = "local_partners.received_at"

# The longest a request can be in flight. Load balancers give up on a request after
# about a minute (60 seconds is the usual timeout), so a load balancer's stamp older
# than this, compared with the app server's, is not believed; and the bids of a need
# are checked at closing (after which nothing more is written to them) only this long
# after its closing time, so a submission received before the closing time has been
# written by then (bids.closing.check_at_closing).
IN_FLIGHT_LIMIT = timedelta(seconds=60)

# "t=1700000000.123" (nginx ${msec}: seconds), "t=1700000000123456" (Apache %t:
# microseconds), "1700000000123" (Heroku: milliseconds), with or without "t=".
_REQUEST_START = re.compile(r"(?:t=)?(\d{1,20})(?:\.(\d{1,9}))?", re.ASCII | re.IGNORECASE)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class StampArrival:
    """WSGI middleware: put the server's clock reading into the environ before anything
    else runs. A stamp already there (from a layer outside this one) is kept."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        environ.setdefault(ENVIRON_KEY, utcnow())
        return self.wsgi_app(environ, start_response)


def parse_request_start(value: str | None) -> datetime | None:
    """The time in an X-Request-Start header, or None when it cannot be read. A whole
    number's unit (seconds, milliseconds, microseconds or nanoseconds since 1970) is
    told by its size, as monitoring agents do; with a fraction it is seconds."""
    if not value or len(value) > 40:
        return None
    match = _REQUEST_START.fullmatch(value.strip())
    if match is None:
        return None
    whole, fraction = match.groups()
    try:
        if fraction is not None:
            seconds = Decimal(f"{whole}.{fraction}")
        else:
            number = int(whole)
            for divisor in (1, 1_000, 1_000_000, 1_000_000_000):
                if number < 100_000_000_000 * divisor:  # before the year 5138 in this unit
                    seconds = Decimal(number) / divisor
                    break
            else:
                return None
        return _EPOCH + timedelta(microseconds=int(seconds * 1_000_000))
    except (InvalidOperation, OverflowError, ValueError):
        return None


def trusted_request_start(value: str | None, server_stamp: datetime) -> datetime | None:
    """The load balancer's stamp, if it is plausible beside the server's own: no later
    than it, and at most IN_FLIGHT_LIMIT earlier. Otherwise None."""
    stamp = parse_request_start(value)
    if stamp is None or stamp > server_stamp or server_stamp - stamp > IN_FLIGHT_LIMIT:
        return None
    return stamp


def trusts_request_start(config) -> bool:
    """Whether the settings say a trusted proxy in front of the app sets X-Request-Start."""
    return bool(config.get("PROXY_FIX_HOPS")) and bool(config.get("TRUST_X_REQUEST_START"))


def request_received_at() -> datetime:
    """When the current request reached us: the load balancer's stamp when it is
    trusted and plausible, else the app server's. Outside a request (a command, a
    service called directly), now."""
    if not has_request_context():
        return utcnow()
    environ = request.environ
    server_stamp = environ.get(ENVIRON_KEY) or utcnow()
    if trusts_request_start(current_app.config):
        stamp = trusted_request_start(environ.get("HTTP_X_REQUEST_START"), server_stamp)
        if stamp is not None:
            return stamp
    return server_stamp
