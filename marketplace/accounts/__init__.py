"""Accounts: registering a provider, signing in and out, confirming an email address,
resetting a password, and accepting invitations."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import routes  # noqa: E402,F401
