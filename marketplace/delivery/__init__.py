"""Delivery: outcome reports per milestone of a contract, their approval or return, and
the outcomes achieved so far. Rules by operation: reports.py (reading, shared checks),
drafts.py (start, save, submit), evidence.py (files), decisions.py (approve or return),
so_far.py (outcomes achieved); who may act in permissions.py."""

from flask import Blueprint

bp = Blueprint("delivery", __name__)

from . import routes, rules  # noqa: E402,F401
