"""Boards: an area's partnerships in numbers (reporting.py computes every figure)."""

from flask import Blueprint

bp = Blueprint("board", __name__)

from . import routes  # noqa: E402,F401
