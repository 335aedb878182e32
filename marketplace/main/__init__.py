"""The home page for each role, the service's own pages and the health check (error pages: marketplace/errors.py)."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from . import routes, routes_public  # noqa: E402,F401
