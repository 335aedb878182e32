"""Accounts: registering a provider, signing in and out (with a second factor for staff,
and for providers who turn it on), confirming an email address, resetting a password,
and accepting invitations."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import email_settings, language, routes, two_factor_routes  # noqa: E402,F401
