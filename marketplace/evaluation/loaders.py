"""What the evaluation views load from the ids in a URL, for the signed-in user: a need it
may see and a lot of that need; anything else is 404 (a draft need is not public, so its
existence is not confirmed). Shared by routes_panel.py and routes_award.py."""

from flask import abort
from flask_login import current_user

from ..extensions import db
from ..needs.models import Lot, Need
from ..permissions import Action, can


def need_or_404(need_id: int) -> Need:
    need = db.get_or_404(Need, need_id)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)  # a draft is not public: don't confirm it exists
    return need


def lot_or_404(need: Need, lot_id: int) -> Lot:
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.need_id != need.id:
        abort(404)
    return lot
