"""Contracts made from awarded bids: parties, value, dates, the payment schedule in pence
(summing exactly to the value) and the outcomes to report."""

from flask import Blueprint

bp = Blueprint("contracts", __name__)

from . import routes, routes_area, rules  # noqa: E402,F401
