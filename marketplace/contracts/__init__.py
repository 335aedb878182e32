"""Contracts made from awarded bids: parties, value, dates, the payment schedule in pence
(summing exactly to the value) and the outcomes to report."""

from flask import Blueprint

from ..timeutil import format_day
from .events import event_heading, event_name

bp = Blueprint("contracts", __name__)
# A day in the page's (or an email's recipient's) language: '3 March 2027', '3 Mawrth 2027'.
bp.add_app_template_filter(format_day, "format_day")
bp.add_app_template_global(event_heading, "event_heading")
bp.add_app_template_global(event_name, "event_name")

from . import routes, routes_area, rules  # noqa: E402,F401
