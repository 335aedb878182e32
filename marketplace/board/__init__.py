"""Boards: an area's partnerships in numbers (the reporting package computes every figure), the
yearly partnership reviews, the record of decisions, and each provider's own figures."""

from flask import Blueprint

from ..timeutil import format_day

bp = Blueprint("board", __name__)
# A day in the page's language ("3 Mawrth 2027"), for the board's templates.
bp.add_app_template_filter(format_day, "format_day")

from . import routes, routes_provider, routes_reviews, rules  # noqa: E402,F401
from .reporting import kept_contracts, kept_needs, kept_outcomes, kept_payments, kept_success  # noqa: E402,F401
