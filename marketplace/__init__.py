"""Local Partners: a commissioning portal for probation areas and small local providers.

`create_app()` builds the Flask app: settings from config.py, the extensions, one
blueprint per area of the domain, the GOV.UK templates, and the maintenance commands.
"""

import secrets
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, g, request
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import Config, config_from_env

from . import page_parts
from .arrival import StampArrival
from .extensions import csrf, db, limiter, login_manager, migrate
from .templating import App

ROOT = Path(__file__).resolve().parent.parent


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a whole number the database's INTEGER column can hold.
    A larger one matches no route (404), rather than failing in the database (500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config: Config | None = None) -> Flask:
    app = App(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        static_url_path="/assets",  # the GOV.UK CSS refers to /assets/fonts and /assets/images
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config if config is not None else config_from_env())
    app.url_map.converters["int"] = IdConverter
    _middleware(app)
    _templates(app)
    _extensions(app)
    _blueprints(app)
    _template_helpers(app)
    _security_headers(app)

    from .cli import register_commands
    from .dev.commands import register as register_dev_commands

    register_commands(app)
    register_dev_commands(app)
    return app


def _middleware(app: Flask) -> None:
    """Behind a proxy, the client's address and scheme from its headers (PROXY_FIX_HOPS)."""
    if app.config.get("PROXY_FIX_HOPS"):
        hops = int(app.config["PROXY_FIX_HOPS"])
        # Flask's documented way to add WSGI middleware, which its stubs type as a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    # Outermost: the time each request reached us, read before anything else runs
    # (the time that counts against closing times and deadlines, see arrival.py).
    app.wsgi_app = StampArrival(app.wsgi_app)  # type: ignore[method-assign]  # as above


def _templates(app: Flask) -> None:
    """The project's templates first, then the GOV.UK macros from their packages. `do`
    calls a method for its effect ({% do rows.append(row) %}), leaving `_` to gettext."""
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                    # The package's own, for templates/govuk_frontend_jinja/, which wraps
                    # some of its macros (the button: data-prevent-double-click).
                    "govuk_frontend_jinja_package": PackageLoader("govuk_frontend_jinja"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    page_parts.init_app(app)


def _extensions(app: Flask) -> None:
    """The database, migrations, CSRF, sign-in, sessions and rate limits."""
    if str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        # The board's aggregate queries are short; PostgreSQL's JIT compiler took longer to
        # compile them than they took to run (bench/dashboard.py), so it is off for the app.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {**options.get("connect_args", {}), "options": "-c jit=off"}
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from .accounts import sessions

    sessions.init_app(app)
    limiter.init_app(app)
    from . import i18n

    i18n.init_app(app)


def _blueprints(app: Flask) -> None:
    """One blueprint per area of the domain, and the error pages."""
    from . import models  # noqa: F401  (every table, for the mappers and migrations)
    from .accounts import bp as accounts_bp
    from .admin import bp as admin_bp
    from .bids import bp as bids_bp
    from .board import bp as board_bp
    from .contracts import bp as contracts_bp
    from .delivery import bp as delivery_bp
    from .errors import register_error_handlers
    from .evaluation import bp as evaluation_bp
    from .feedback import bp as feedback_bp
    from .main import bp as main_bp
    from .needs import bp as needs_bp
    from .opendata import bp as opendata_bp
    from .organisations import bp as organisations_bp
    from .payments import bp as payments_bp
    from .reference import bp as reference_bp
    from .whatworks import bp as whatworks_bp

    for blueprint in (
        main_bp,
        accounts_bp,
        organisations_bp,
        reference_bp,
        needs_bp,
        bids_bp,
        evaluation_bp,
        contracts_bp,
        delivery_bp,
        payments_bp,
        feedback_bp,
        board_bp,
        opendata_bp,
        whatworks_bp,
        admin_bp,
    ):
        app.register_blueprint(blueprint)
    register_error_handlers(app)


@login_manager.user_loader
def load_user(session_id: str):
    """The session holds "<user id>:<nonce>"; a changed password changes the nonce."""
    from .accounts.models import User

    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_nonce != nonce or not user.is_active:
        return None
    return user


def _template_helpers(app: Flask) -> None:
    from . import permissions
    from .forms import error_items
    from .money import format_pounds
    from .timeutil import format_london_date, london, london_to_the_tenth

    app.jinja_env.filters["pounds"] = format_pounds
    app.jinja_env.filters["london"] = london
    app.jinja_env.filters["format_london_date"] = format_london_date
    app.jinja_env.filters["london_to_the_tenth"] = london_to_the_tenth
    app.jinja_env.globals["can"] = permissions.can
    app.jinja_env.globals["Action"] = permissions.Action
    app.jinja_env.globals["error_items"] = error_items

    @app.context_processor
    def inject():
        return {"cspNonce": g.get("csp_nonce"), "service_name": app.config["SERVICE_NAME"]}


def _security_headers(app: Flask) -> None:
    @app.before_request
    def make_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)

    @app.after_request
    def add_headers(response):
        nonce = g.get("csp_nonce", "")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self'; img-src 'self' data:; font-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Nothing a signed-in person sees, and no download, is kept by a browser or proxy.
        downloaded = "attachment" in response.headers.get("Content-Disposition", "")
        if request.endpoint != "static" and (downloaded or current_user.is_authenticated):
            response.headers["Cache-Control"] = "private, no-store"
        return response


def _sqlite_london_date(stored: str | None) -> str | None:
    """SQL london_date(t) on SQLite: the Europe/London date of a stored UTC time."""
    if stored is None:
        return None
    from .timeutil import LONDON

    return datetime.fromisoformat(stored).replace(tzinfo=UTC).astimezone(LONDON).date().isoformat()


# SQLite: how long a transaction waits for another's to end before it fails with "database
# is locked", in milliseconds (README.md, "SQLite and PostgreSQL").
SQLITE_BUSY_TIMEOUT_MS = 30_000


# SQLite: enforce foreign keys, let SQLAlchemy own transactions (the sqlite3 module's own
# handling breaks SAVEPOINT, which the tests and nested writes rely on; isolation_level =
# None is that module's autocommit, on Python 3.12+ too, where `autocommit` is left at its
# legacy default), and give SQL the London date of a UTC time (reporting counts days as
# people in England and Wales do). Two requests at once wait for each other rather than
# fail: write-ahead logging, so a writer never waits for readers outside the app (a backup,
# the sqlite3 shell); a busy timeout; and every transaction takes the write lock when it
# begins (BEGIN IMMEDIATE), since a transaction that has read and then writes is refused
# at once, without waiting, when another wrote in between. So on SQLite the app's
# transactions run one at a time, reads included: fine for one laptop; PostgreSQL, with
# its row locks (SELECT ... FOR UPDATE), for more.
@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_connect(dbapi_connection, _record):
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        dbapi_connection.execute("PRAGMA journal_mode = WAL")
        dbapi_connection.execute("PRAGMA foreign_keys = ON")
        dbapi_connection.create_function("london_date", 1, _sqlite_london_date, deterministic=True)


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_begin(connection):
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@sa.event.listens_for(Session, "after_commit")
def _echo_emails(session):
    # Also called when a savepoint is released: only the real commit makes emails true.
    if session.in_nested_transaction():
        return
    from .notifications.services import echo_committed_emails

    echo_committed_emails(session)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_emails(session, _previous_transaction):
    from .notifications.services import forget_rolled_back_emails

    forget_rolled_back_emails(session)
