"""Provider organisations: the profile filled in once and reused in every bid, and its people."""

from flask import Blueprint

bp = Blueprint("organisations", __name__)

from . import routes  # noqa: E402,F401
