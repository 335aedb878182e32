"""Payments: the schedule's payments, paid through the ledger or Stripe Connect. Rules in
services.py; Stripe in stripe_backend.py; who may act in permissions.py."""

from flask import Blueprint

bp = Blueprint("payments", __name__)

from . import routes, routes_stripe, rules  # noqa: E402,F401
