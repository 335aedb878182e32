"""GOV.UK Notify: with NOTIFY_API_KEY set, the outbox is sent through Notify's own client
to a fake Notify on 127.0.0.1 (the shape of its v2 API, its JWT checked with the key's
secret), never the network: one generic template with the subject and body as
personalisation, the same retries and marking as SMTP, and production refuses a key
without a template."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from notifications_python_client.authentication import decode_jwt_token, get_token_issuer

from config import ConfigError, ProductionConfig
from marketplace.extensions import db
from marketplace.notifications import OutboxEmail, queue_email, send_queued

from .. import factories

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"local_partners_test-{SERVICE_ID}-{SECRET}"
TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"


class FakeNotify:
    """Records each email asked for; `fail_with` makes the next answers an error."""

    def __init__(self):
        self.emails: list[dict] = []
        self.fail_with: tuple[int, dict] | None = None
        self.base_url = ""


def _handler(fake: FakeNotify):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            try:
                assert get_token_issuer(token) == SERVICE_ID
                decode_jwt_token(token, SECRET)
            except Exception:
                return self._answer(403, {"errors": [{"error": "AuthError", "message": "Invalid token"}]})
            if self.path != "/v2/notifications/email":
                return self._answer(404, {"errors": [{"error": "NotFound", "message": "Not found"}]})
            if fake.fail_with is not None:
                return self._answer(*fake.fail_with)
            fake.emails.append(body)
            return self._answer(201, {"id": f"notification-{len(fake.emails)}", "reference": body.get("reference")})

    return Handler


@pytest.fixture
def notify(app, db_session, monkeypatch):
    fake = FakeNotify()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    for key, value in {
        "NOTIFY_API_KEY": API_KEY,
        "NOTIFY_TEMPLATE_ID": TEMPLATE_ID,
        "NOTIFY_API_BASE": fake.base_url,
        "MAIL_SERVER": "smtp.invalid",  # Notify comes first when both are set
    }.items():
        monkeypatch.setitem(app.config, key, value)
    yield fake
    server.shutdown()
    server.server_close()


def _queue(app, to: str) -> OutboxEmail:
    user = factories.make_user(email=to, name="Pat")
    with app.test_request_context():
        email = queue_email(
            to,
            "Password reset",
            "reset_password",
            user=user,
            link="https://lp.example/r/tok",
            minutes=60,
            private=("link",),
        )
    db.session.commit()
    return email


def test_the_outbox_goes_through_notifys_generic_template(app, notify):
    email = _queue(app, "pat@example.org")
    assert send_queued() == (1, 0)
    [sent] = notify.emails
    assert sent["email_address"] == "pat@example.org" and sent["template_id"] == TEMPLATE_ID
    assert sent["personalisation"]["subject"] == "Password reset"
    assert "https://lp.example/r/tok" in sent["personalisation"]["body"]  # the live link, as the recipient gets it
    assert sent["reference"] == f"outbox-{email.id}"
    db.session.refresh(email)
    assert email.sent_at is not None and email.private_body is None and email.attempts == 1
    assert send_queued() == (0, 0) and len(notify.emails) == 1  # never sent twice


@pytest.mark.parametrize(
    "status, body",
    [
        (400, {"errors": [{"error": "BadRequestError", "message": "email_address Not a valid email address"}]}),
        (500, {"errors": [{"error": "Exception", "message": "Internal server error"}]}),
    ],
)
def test_a_notify_error_keeps_the_email_queued_with_the_error(app, notify, status, body):
    email = _queue(app, "sam@example.org")
    notify.fail_with = (status, body)
    assert send_queued() == (0, 1)
    db.session.refresh(email)
    assert email.sent_at is None and email.attempts == 1 and str(status) in email.last_error
    assert email.private_body is not None  # kept to be sent on the next run
    notify.fail_with = None
    assert send_queued() == (1, 0)
    assert [e["email_address"] for e in notify.emails] == ["sam@example.org"]


def test_notify_out_of_reach_is_retried_then_given_up(app, notify, monkeypatch):
    _queue(app, "lee@example.org")
    monkeypatch.setitem(app.config, "NOTIFY_API_BASE", "http://127.0.0.1:9")  # nothing listens there
    for _ in range(7):
        send_queued()
    email = db.session.scalars(sa.select(OutboxEmail)).one()
    assert email.attempts == 5 and email.sent_at is None and email.last_error


def test_send_emails_command_uses_notify(app, notify):
    _queue(app, "kim@example.org")
    result = app.test_cli_runner().invoke(args=["send-emails"])
    assert "Sent 1 email(s); 0 failed" in result.output
    assert "email to kim@example.org" not in result.output  # not the console
    assert [e["email_address"] for e in notify.emails] == ["kim@example.org"]


def _production_env(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/lp")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://redis.example:6379/0")
    for name in ("STRIPE_API_BASE", "NOTIFY_API_KEY", "NOTIFY_TEMPLATE_ID", "NOTIFY_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def test_production_refuses_a_notify_key_without_a_template(monkeypatch):
    _production_env(monkeypatch)
    monkeypatch.setenv("NOTIFY_API_KEY", API_KEY)
    with pytest.raises(ConfigError, match="NOTIFY_API_KEY is set without NOTIFY_TEMPLATE_ID"):
        ProductionConfig()
    monkeypatch.setenv("NOTIFY_TEMPLATE_ID", TEMPLATE_ID)
    assert ProductionConfig().NOTIFY_TEMPLATE_ID == TEMPLATE_ID


def test_production_refuses_a_notify_api_base(monkeypatch):
    _production_env(monkeypatch)
    monkeypatch.setenv("NOTIFY_API_KEY", API_KEY)
    monkeypatch.setenv("NOTIFY_TEMPLATE_ID", TEMPLATE_ID)
    monkeypatch.setenv("NOTIFY_API_BASE", "http://notify.evil.example")
    with pytest.raises(ConfigError, match="NOTIFY_API_BASE is set"):
        ProductionConfig()
