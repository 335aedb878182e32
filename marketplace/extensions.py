"""The Flask extensions, created once and bound to the app in create_app()."""

from typing import TYPE_CHECKING, ClassVar

import flask_babel
import sqlalchemy as sa
from flask import current_app, request, session
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so migrations can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:
        # Every model is mapped to a Table (DeclarativeBase types it as any FromClause).
        __table__: ClassVar[sa.Table]


db = SQLAlchemy(model_class=Base)

# The models' base class. At run time it is db.Model (Flask-SQLAlchemy's subclass of Base, which
# adds its query property, table-name and bind mixins and repr); mypy cannot follow that
# dynamically created class, so the type checker sees Base, which db.Model subclasses.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()


def on_postgresql(bind: sa.Connection | sa.Engine | None = None) -> bool:
    """Whether the session's database (or `bind`'s) is PostgreSQL; else it is SQLite."""
    return (bind or db.session.get_bind()).dialect.name == "postgresql"


def upsert(table: sa.Table, bind: sa.Connection | sa.Engine | None = None):
    """An INSERT into `table` that takes ON CONFLICT clauses, for the session's database (or
    `bind`'s): PostgreSQL and SQLite each have their own."""
    from sqlalchemy.dialects import postgresql, sqlite

    return (postgresql.insert if on_postgresql(bind) else sqlite.insert)(table)


class _LoginManager(LoginManager):
    """Flask-Login's manager, with its session protection for people's sessions only, and
    clearing the remember-me cookie with the flags it is set with (HttpOnly, SameSite=Lax,
    Secure in production). The portal never sets that cookie; should Flask-Login clear one
    (its "strong" session protection does, for a signed-in session not kept past the
    browser's closing, which the portal never makes), its own clearing sends no flags."""

    def _session_protection_failed(self):
        # A session nobody is signed in to (a visitor's CSRF token, a flashed message) has
        # no user to protect. Flask-Login's "strong" check would still start it afresh on
        # every request, as it lacks the signed-in browser's identifier: the session
        # written, signed and sent again, and the remember-me cookie cleared, each time.
        return "_user_id" in session and super()._session_protection_failed()

    def _clear_cookie(self, response):
        config = current_app.config
        response.delete_cookie(
            config.get("REMEMBER_COOKIE_NAME", "remember_token"),
            domain=config.get("REMEMBER_COOKIE_DOMAIN"),
            path=config.get("REMEMBER_COOKIE_PATH", "/"),
            secure=config.get("REMEMBER_COOKIE_SECURE", False),
            httponly=config.get("REMEMBER_COOKIE_HTTPONLY", True),
            samesite=config.get("REMEMBER_COOKIE_SAMESITE", "Lax"),
        )


login_manager = _LoginManager()
login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Sign in to see that page."
# Flask-Login flashes the message through this: in the page's language (Flask-Babel).
login_manager.localize_callback = flask_babel.gettext
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


def client_address() -> str:
    """The caller's address; behind a proxy, set PROXY_FIX_HOPS so this is the real one."""
    return get_remote_address() or request.remote_addr or "unknown"


limiter = Limiter(key_func=client_address, default_limits=[])


def enum_type(enum_class, length: int = 32) -> sa.Enum:
    """A StrEnum stored by its lower-case value (not its name), as a checked VARCHAR."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
        create_constraint=True,
        name=enum_class.__name__.lower(),
    )
