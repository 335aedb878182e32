"""Needs: what an area wants commissioned. Commissioners draft, publish, amend, withdraw
and cancel them; providers find them, follow them and ask questions."""

from flask import Blueprint

bp = Blueprint("needs", __name__)

from . import (  # noqa: E402,F401
    routes_drafting,
    routes_manage,
    routes_public,
    routes_publishing,
    routes_questions,
    routes_welsh,
    rules,
)
