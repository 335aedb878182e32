"""The service team's pages: verify organisations, invite area staff, read the outbox and audit."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import justice_data_lab, routes  # noqa: E402,F401
