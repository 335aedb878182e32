"""Evaluation and award of closed needs: the panel, conflicts, independent scoring,
moderation, abnormally low bids, award decisions with board sign-off, and assessment
summaries. Rules in panel.py, scoring.py, moderation.py, ranking.py, low_bids.py,
award.py and summaries.py (the refusal in errors.py); who may act in permissions.py."""

from flask import Blueprint

bp = Blueprint("evaluation", __name__)

from . import routes_advisers, routes_award, routes_panel, rules  # noqa: E402,F401
