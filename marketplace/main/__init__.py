"""The home page for each role, the service's own pages, health check and error pages."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from . import errors, routes  # noqa: E402,F401
