"""Bids: providers bid for a lot of an open need, alone or as a consortium; submissions
are sealed until the need closes. The rules are in drafting.py, consortium.py,
submission.py and closing.py (who is who in parties.py, where a bid stands in
lifecycle.py); reading bids in access.py; the pages in the routes*.py modules."""

from flask import Blueprint

bp = Blueprint("bids", __name__)

from . import (  # noqa: E402,F401
    routes,
    routes_commissioning,
    routes_consortium,
    routes_reuse,
    routes_sections,
    routes_submission,
    rules,
)
