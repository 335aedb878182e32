"""Bids: providers bid for a lot of an open need, alone or as a consortium; submissions
are sealed until the need closes. Rules in services.py, reading bids in access.py."""

from flask import Blueprint

bp = Blueprint("bids", __name__)

from . import routes, routes_commissioning, routes_consortium  # noqa: E402,F401
