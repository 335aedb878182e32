"""Settings for the three ways the portal runs: development, test and production.

`APP_ENV` chooses one (development by default). Every setting a deployment can change
is read from an environment variable here and nowhere else; README.md lists them all.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"


class ConfigError(RuntimeError):
    """Raised when the app is started without a setting it cannot run without."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key() -> str:
    """A random key kept under instance/, so sessions survive a restart of `make run`."""
    INSTANCE.mkdir(exist_ok=True)
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    ENV_NAME = "base"
    SERVICE_NAME = "Local Partners"

    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict] = {"pool_pre_ping": True}

    # Sessions are signed cookies, so any number of app servers can share them.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)

    WTF_CSRF_TIME_LIMIT = 8 * 3600

    # The GOV.UK header, footer, phase banner, skip link and service navigation rendered once
    # per process and kept (marketplace/page_parts.py), and the sign-in form; the list of
    # needs' results and filters and what a need's page shows everyone, kept by an exact
    # stamp (marketplace/needs/kept_pages.py). False renders them all on every request.
    CACHE_PAGE_PARTS = True

    # Signed links in emails.
    EMAIL_VERIFICATION_MAX_AGE = 3 * 24 * 3600
    PASSWORD_RESET_MAX_AGE = 3600
    INVITATION_MAX_AGE = 14 * 24 * 3600

    # Failed sign-ins allowed per minute, per account and per address.
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "5 per minute")
    # How many feedback answers one address may send, and one contract's link may take.
    FEEDBACK_LIMIT_PER_ADDRESS = os.environ.get("FEEDBACK_LIMIT_PER_ADDRESS", "5 per minute; 50 per day")
    FEEDBACK_LIMIT_PER_LINK = os.environ.get("FEEDBACK_LIMIT_PER_LINK", "200 per day")
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587") or 587)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Local Partners <no-reply@localpartners.example>")
    # Print each email to the console when it is queued (development).
    MAIL_ECHO = False

    # GOV.UK Notify (NOTIFY_API_KEY, NOTIFY_TEMPLATE_ID, NOTIFY_API_BASE): read when the
    # settings are made, see Config.__init__.

    # The address used in links inside emails sent from commands (no request to copy it from).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Behind a load balancer or proxy: how many proxies set X-Forwarded-For/-Proto/-Host.
    PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS", "0") or 0)
    # Behind such a proxy: whether it stamps each request with the time it arrived in an
    # X-Request-Start header (replacing any the client sent). Then that time, not the
    # app server's, counts against closing times and deadlines (see marketplace/arrival.py).
    TRUST_X_REQUEST_START = _bool("TRUST_X_REQUEST_START", False)

    # A lot may be reserved for VCSE or local organisations only below this value
    # (the procurement threshold for services), in pounds.
    RESERVATION_THRESHOLD_PENCE = int(os.environ.get("RESERVATION_THRESHOLD_POUNDS", "214904") or 214904) * 100

    # How payments are made: "ledger" (the area's finance officer records bank transfers)
    # or "stripe" (transfers to providers' Stripe Connect accounts).
    PAYMENTS_BACKEND = os.environ.get("PAYMENTS_BACKEND", "ledger") or "ledger"
    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    # Only for tests and local fakes: where the Stripe library sends its requests.
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")

    # An award of a lot worth more than this needs a board member's sign-off, in pounds,
    # unless an admin sets another threshold for the area.
    SIGN_OFF_THRESHOLD_PENCE = int(os.environ.get("SIGN_OFF_THRESHOLD_POUNDS", "100000") or 100000) * 100

    # 360Giving: the prefix of every grant id in /360giving/grants.json ("<prefix>-<contract
    # id>"), and of the ids of recipients with neither a charity nor a company number and of
    # the funding areas. A publisher registers its own prefix with 360Giving; the default
    # is a placeholder.
    GRANTS_360_PREFIX = os.environ.get("GRANTS_360_PREFIX", "360G-lp") or "360G-lp"

    # Uploaded documents live here, outside static/, and are served only after a
    # permission check. Each file at most DOCUMENT_MAX_MB megabytes.
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER", str(INSTANCE / "uploads"))
    DOCUMENT_MAX_MB = int(os.environ.get("DOCUMENT_MAX_MB", "10") or 10)
    MAX_CONTENT_LENGTH = (DOCUMENT_MAX_MB + 1) * 1024 * 1024

    # Open contracting data: the prefix of every contracting process's ocid
    # ("{OCDS_PREFIX}-{need id}"). A publisher registers its own with the Open Contracting
    # Partnership; the default is a placeholder.
    OCDS_PREFIX = os.environ.get("OCDS_PREFIX", "ocds-lp0000") or "ocds-lp0000"

    DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "local-partners-demo")
    DEMO_DATA_ALLOWED = True

    def __init__(self) -> None:
        self.SQLALCHEMY_DATABASE_URI = self.database_url()
        self.SECRET_KEY = self.secret_key()
        # GOV.UK Notify: when NOTIFY_API_KEY is set, the outbox is sent through Notify instead
        # of SMTP, each email with one generic template (NOTIFY_TEMPLATE_ID) whose subject is
        # ((subject)) and whose message is ((body)).
        self.NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "")
        self.NOTIFY_TEMPLATE_ID = os.environ.get("NOTIFY_TEMPLATE_ID", "")
        # Only for tests and local fakes: where the Notify client sends its requests.
        self.NOTIFY_API_BASE = os.environ.get("NOTIFY_API_BASE", "")

    def database_url(self) -> str:
        return normalise_database_url(os.environ.get("DATABASE_URL", ""))

    def secret_key(self) -> str:
        return os.environ.get("SECRET_KEY", "")


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way (postgres://, postgresql://)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    MAIL_ECHO = True
    SESSION_COOKIE_SECURE = False

    def database_url(self) -> str:
        INSTANCE.mkdir(exist_ok=True)
        return super().database_url() or f"sqlite:///{INSTANCE / 'local-partners.db'}"

    def secret_key(self) -> str:
        return super().secret_key() or _dev_secret_key()


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SESSION_COOKIE_SECURE = False
    RATELIMIT_STORAGE_URI = "memory://"

    def database_url(self) -> str:
        return normalise_database_url(os.environ.get("TEST_DATABASE_URL", "")) or "sqlite://"

    def secret_key(self) -> str:
        return "test-secret-key"


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    DEMO_DATA_ALLOWED = False

    def __init__(self) -> None:
        missing = [name for name in ("DATABASE_URL", "SECRET_KEY") if not os.environ.get(name)]
        if missing:
            raise ConfigError(
                "Local Partners will not start in production without "
                + " and ".join(missing)
                + ". Set them in the environment (see README.md, 'Configuration')."
            )
        super().__init__()
        if len(self.SECRET_KEY) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production.")
        if self.PAYMENTS_BACKEND not in ("ledger", "stripe"):
            raise ConfigError('PAYMENTS_BACKEND must be "ledger" or "stripe".')
        if self.PAYMENTS_BACKEND == "stripe" and not (self.STRIPE_SECRET_KEY and self.STRIPE_WEBHOOK_SECRET):
            raise ConfigError("PAYMENTS_BACKEND=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET.")
        # Read here, not at import, so the refusal sees the environment the app starts with.
        self.RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://") or "memory://"
        if self.RATELIMIT_STORAGE_URI.startswith("memory://") and not _bool("ALLOW_LOCAL_RATE_LIMITS", False):
            raise ConfigError(
                "RATELIMIT_STORAGE_URI is memory://, so each app server and worker would count failed "
                "sign-ins on its own and an attacker would get that many more tries. Set it to Redis "
                "(redis://host:6379/0), or set ALLOW_LOCAL_RATE_LIMITS=1 if exactly one worker serves the portal."
            )
        if self.NOTIFY_API_KEY and not self.NOTIFY_TEMPLATE_ID:
            raise ConfigError(
                "NOTIFY_API_KEY is set without NOTIFY_TEMPLATE_ID: GOV.UK Notify sends only from a template. "
                "Make one in Notify whose subject is ((subject)) and whose message is ((body)), and set "
                "NOTIFY_TEMPLATE_ID to its id (see README.md, 'Configuration')."
            )
        if self.NOTIFY_API_BASE:
            raise ConfigError(
                "NOTIFY_API_BASE is set: it is only for tests and local fakes, and in production it would "
                "send the Notify API key's signed requests to that address. Unset it."
            )
        if os.environ.get("STRIPE_API_BASE"):
            raise ConfigError(
                "STRIPE_API_BASE is set: it is only for tests and local fakes, and in production it would "
                "send the Stripe secret key to that address. Unset it."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_env() -> Config:
    name = os.environ.get("APP_ENV", "development").strip().lower()
    try:
        return CONFIGS[name]()
    except KeyError:
        raise ConfigError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {name!r}.") from None
