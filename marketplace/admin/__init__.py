"""The service team's pages: verify organisations, invite area staff, read the outbox and audit."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import routes  # noqa: E402,F401
