"""The commissioning side's view of a need's bids: sealed until the closing time, then the
bids that count, by lot, each with the revision that counts and its digest.

Who may: commissioners, evaluators and board members of the need's area (or its region)
(access.commissioning_side); everyone else gets 403, or 404 for a draft need they cannot
see. Admins are not the commissioning side.

Sealing: before closing, the list page shows only when bids are opened and, if the
commissioner chose to show it, how many have come in (access.bid_count); it never asks
for the bids. Opening a bid or one of its documents asks access.revision_for_commissioning,
which before closing writes the refusal to the audit trail and raises Sealed: the page
then says the bids are sealed, with status 403.
"""

import sqlalchemy as sa
from flask import abort, render_template
from flask_login import current_user, login_required

from ..documents import serving
from ..extensions import db
from ..needs.models import Need
from ..permissions import Action, bids_sealed, can
from . import access, bp
from .models import BidDocument, Declaration


def _commissioning_need(need_id: int) -> Need:
    need = db.get_or_404(Need, need_id)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)  # a draft is not public: don't confirm it exists
    if not access.commissioning_side(current_user, need) or not can(current_user, Action.READ_WHOLE_BIDS, need):
        abort(403)  # a lived-experience adviser reads only the parts they score, on their score sheet
    return need


def _sealed_page(need: Need):
    return render_template("bids/commissioning/sealed.html", need=need), 403


@bp.get("/needs/<int:need_id>/bids")
@login_required
def need_bids(need_id):
    need = _commissioning_need(need_id)
    if bids_sealed(need):
        # Only the count (when chosen): the bids themselves are not asked for.
        return render_template(
            "bids/commissioning/before_closing.html",
            need=need,
            count=access.bid_count(need, current_user),
            can_edit=can(current_user, Action.EDIT_NEED, need),
        )
    entries = access.submitted_bids(need, current_user)
    by_lot = {lot.id: [] for lot in need.lots}
    for bid, revision in entries:
        by_lot.setdefault(bid.lot_id, []).append((bid, revision))
    return render_template(
        "bids/commissioning/list.html",
        need=need,
        lots=[(lot, by_lot.get(lot.id, [])) for lot in need.lots],
        total=len(entries),
    )


def _counted(need: Need, bid_id: int):
    """The bid's counted revision for the commissioning side; Sealed before closing."""
    bid, revision = access.revision_for_commissioning(bid_id, current_user)
    if bid.need_id != need.id:
        abort(404)
    return bid, revision


@bp.get("/needs/<int:need_id>/bids/<int:bid_id>")
@login_required
def view_submitted(need_id, bid_id):
    need = _commissioning_need(need_id)
    try:
        bid, revision = _counted(need, bid_id)
    except access.Sealed:
        return _sealed_page(need)
    content = revision.content
    names = {p.id: p.local_name for p in need.pdus}
    return render_template(
        "bids/commissioning/view.html",
        need=need,
        bid=bid,
        revision=revision,
        content=content,
        pdu_names=[names.get(i, "A delivery unit no longer in this need") for i in content.get("local_pdu_ids", [])],
        declaration_labels=[
            Declaration(d).label for d in content.get("declarations", []) if d in Declaration._value2member_map_
        ],
    )


@bp.get("/needs/<int:need_id>/bids/<int:bid_id>/documents/<int:number>")
@login_required
def submitted_document(need_id, bid_id, number):
    """A document of the counted revision (by its place in the revision's list, from 1),
    found by the SHA-256 the revision recorded, so it is exactly the file submitted."""
    need = _commissioning_need(need_id)
    try:
        bid, revision = _counted(need, bid_id)
    except access.Sealed:
        return _sealed_page(need)
    listed = revision.content.get("documents", [])
    if not 1 <= number <= len(listed):
        abort(404)
    wanted = listed[number - 1]
    document = db.session.scalars(
        sa.select(BidDocument)
        .where(BidDocument.bid_id == bid.id, BidDocument.sha256 == wanted["sha256"])
        .order_by(BidDocument.id)
    ).first()
    if document is None:
        abort(404)
    return serving.send_stored_file(document, filename=wanted["filename"])
