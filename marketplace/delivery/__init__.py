"""Delivery: outcome reports per milestone of a contract, their approval or return, and
the outcomes achieved so far. Rules in services.py; who may act in permissions.py."""

from flask import Blueprint

bp = Blueprint("delivery", __name__)

from . import routes  # noqa: E402,F401
