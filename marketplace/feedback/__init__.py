"""Feedback from the people a contract supports: a short link and QR code per contract, an
anonymous form in plain language, comments held until published, and the answers as
charts beside tables for the partnership and the area."""

from flask import Blueprint

bp = Blueprint("feedback", __name__)

from . import routes, routes_public, rules, views  # noqa: E402,F401
