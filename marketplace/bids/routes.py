"""Bid pages for providers. (Being built: see the bid pages work.)"""

from flask import abort
from flask_login import current_user, login_required

from . import access, bp


@bp.route("/bids/<int:bid_id>")
@login_required
def show_bid(bid_id):
    bid = access.bid_for_party(bid_id, current_user)
    abort(501) if bid is None else None
    return f"Bid {bid.id}"
