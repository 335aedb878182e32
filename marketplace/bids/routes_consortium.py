"""Consortium pages. (Being built: see the consortium work.)"""

from flask import abort
from flask_login import login_required

from . import bp


@bp.route("/bids/invitations/<token>")
@login_required
def accept_invitation(token):
    abort(501)
