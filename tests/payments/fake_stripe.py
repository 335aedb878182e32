"""A small Stripe API, in a thread on 127.0.0.1, for the tests (no test touches the network).

It answers what the portal calls: POST /v1/accounts, GET /v1/accounts/<id>,
POST /v1/account_links, POST /v1/transfers (one transfer per Idempotency-Key, as Stripe
does: the same key returns the same transfer) and GET /v1/transfers?transfer_group=.
Knobs make the next requests fail (`fail(kind, times)`: a card or account error, a 403, a
500, or a hang longer than the client's timeout), and every request is recorded
(method, path, form body, headers).

Injected failures happen in front of the idempotency layer (as a lost connection or a
proxy's error would): they are not remembered against the key. Real Stripe remembers the
answer of a request it began to execute, errors included, for 24 hours.

Use `serve(app, monkeypatch)` from a fixture: it starts the server, points the app at it
(STRIPE_API_BASE, PAYMENTS_BACKEND="stripe", keys, a short client timeout) and stops it.
"""

import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_fake"
WEBHOOK_SECRET = "whsec_test_fake"
CLIENT_TIMEOUT = 0.3

ERRORS = {
    "card": (
        402,
        {
            "type": "card_error",
            "code": "insufficient_funds",
            "message": "The destination account cannot receive this transfer.",
        },
    ),
    "account": (
        400,
        {
            "type": "invalid_request_error",
            "code": "account_invalid",
            "message": "The destination account has been closed.",
        },
    ),
    "permission": (
        403,
        {
            "type": "invalid_request_error",
            "code": "platform_account_required",
            "message": "The platform may not make transfers to this account.",
        },
    ),
    "server": (500, {"type": "api_error", "message": "An unknown error occurred."}),
}


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    form: dict
    headers: dict


@dataclass
class FakeStripe:
    base_url: str = ""
    accounts: dict = field(default_factory=dict)
    transfers: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    # Idempotency-Key -> the transfer id it made.
    keys: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    # A hung request still does its work (the answer is lost, the transfer made).
    hang_creates: bool = False
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    # Knobs ------------------------------------------------------------------------------

    def fail(self, kind: str, times: int = 1, *, creates: bool = False) -> None:
        """The next `times` requests fail: "card", "account", "permission", "server" or
        "hang" (no answer until the client gives up; with creates=True the transfer is made
        all the same, as when only Stripe's answer is lost)."""
        assert kind in (*ERRORS, "hang")
        self.failures.extend([kind] * times)
        self.hang_creates = creates

    def complete_onboarding(self, account_id: str) -> None:
        self.accounts[account_id].update(details_submitted=True, payouts_enabled=True, charges_enabled=True)

    def make_transfer(self, **params) -> dict:
        """A transfer made at Stripe directly (as if the portal crashed before saving it)."""
        with self.lock:
            return self._create_transfer(params)

    @property
    def transfers_made(self) -> int:
        return len(self.transfers)

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path == path]

    # The API ----------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self.ids):06d}"

    def _create_transfer(self, params: dict) -> dict:
        transfer = {
            "id": self._id("tr"),
            "object": "transfer",
            "amount": int(params["amount"]),
            "currency": params.get("currency", "gbp"),
            "destination": params["destination"],
            "transfer_group": params.get("transfer_group"),
            "metadata": params.get("metadata") or {},
            "created": int(time.time()),
            "reversed": False,
            "amount_reversed": 0,
            "livemode": False,
        }
        self.transfers[transfer["id"]] = transfer
        return transfer

    def handle(self, method: str, path: str, query: dict, form: dict, headers: dict) -> tuple[int, dict]:
        params = unflatten(form)
        if method == "POST" and path == "/v1/accounts":
            account = {
                "id": self._id("acct"),
                "object": "account",
                "type": params.get("type"),
                "country": params.get("country"),
                "details_submitted": False,
                "payouts_enabled": False,
                "charges_enabled": False,
                "metadata": params.get("metadata") or {},
                "business_profile": params.get("business_profile") or {},
                "capabilities": {"transfers": "inactive"},
            }
            key = headers.get("idempotency-key")
            if key and key in self.keys:
                return 200, self.accounts[self.keys[key]]
            self.accounts[account["id"]] = account
            if key:
                self.keys[key] = account["id"]
            return 200, account
        if method == "GET" and path.startswith("/v1/accounts/"):
            account = self.accounts.get(path.rsplit("/", 1)[1])
            if account is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such account"}}
            return 200, account
        if method == "POST" and path == "/v1/account_links":
            if params.get("account") not in self.accounts:
                return 400, {"error": {"type": "invalid_request_error", "message": "No such account"}}
            return 200, {
                "object": "account_link",
                "url": f"https://connect.stripe.test/setup/{params['account']}/{next(self.ids)}",
                "created": int(time.time()),
                "expires_at": int(time.time()) + 300,
            }
        if method == "POST" and path == "/v1/transfers":
            key = headers.get("idempotency-key")
            if key and key in self.keys:
                return 200, self.transfers[self.keys[key]]
            transfer = self._create_transfer(params)
            if key:
                self.keys[key] = transfer["id"]
            return 200, transfer
        if method == "GET" and path == "/v1/transfers":
            data = [
                t
                for t in self.transfers.values()
                if "transfer_group" not in query or t["transfer_group"] == query["transfer_group"]
            ]
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/transfers"}
        return 404, {
            "error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({method}: {path})"}
        }


def unflatten(form: dict) -> dict:
    """Stripe's form encoding back into nested dicts: metadata[payment_id]=3 -> {"metadata": {"payment_id": "3"}}."""
    result: dict = {}
    for key, value in form.items():
        parts = key.replace("]", "").split("[")
        target = result
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = value
    return result


def _handler(fake: FakeStripe):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _serve(self, method: str):
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            form = dict(parse_qsl(body, keep_blank_values=True))
            query = dict(parse_qsl(url.query, keep_blank_values=True))
            headers = {k.lower(): v for k, v in self.headers.items()}
            with fake.lock:
                fake.requests.append(Recorded(method, url.path, query, form, headers))
                failure = fake.failures.pop(0) if fake.failures else None
                if failure is None:
                    status, payload = fake.handle(method, url.path, query, form, headers)
            if failure == "hang":
                if fake.hang_creates:
                    with fake.lock:
                        fake.handle(method, url.path, query, form, headers)
                fake.released.wait(CLIENT_TIMEOUT * 10)
                return
            if failure is not None:
                status, error = ERRORS[failure]
                payload = {"error": error}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_fake{next(fake.ids)}")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._serve("GET")

        def do_POST(self):
            self._serve("POST")

    return Handler


def serve(app, monkeypatch):
    """Start the fake and point the app at it; a generator for a pytest fixture."""
    fake = FakeStripe()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    for key, value in {
        "PAYMENTS_BACKEND": "stripe",
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": fake.base_url,
        "STRIPE_TIMEOUT_SECONDS": CLIENT_TIMEOUT,
    }.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield fake
    finally:
        fake.released.set()
        server.shutdown()
        server.server_close()


def signature(payload: bytes | str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send with `payload`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    text = payload.decode() if isinstance(payload, bytes) else payload
    mac = hmac.new(secret.encode(), f"{timestamp}.{text}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def event(kind: str, obj: dict, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_fake{time.monotonic_ns()}",
        "object": "event",
        "type": kind,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
