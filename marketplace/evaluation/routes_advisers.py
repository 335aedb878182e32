"""A lived-experience adviser on a need's panel: the commissioner invites one by email
(MANAGE_EVALUATION), or cancels an invitation not accepted yet. The panel page lists them
(routes_panel.py); accepting is the accounts' invitation link (advisers.join_panel).

A refusal (EvaluationError) is shown by its field with an error summary, the input kept,
status 400, nothing written."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import ConfirmForm
from ..permissions import Action, require
from ..refusals import committed
from . import advisers, bp, scoring
from .forms_advisers import InviteAdviserForm
from .loaders import need_or_404
from .models import AdviserPlace


@bp.route("/needs/<int:need_id>/evaluation/panel/advisers/new", methods=["GET", "POST"])
@login_required
def invite_adviser(need_id):
    need = need_or_404(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    form = InviteAdviserForm(parts=scoring.parts(need))
    if not form.is_submitted():
        form.parts.data = advisers.suggested_parts(need)
    if form.validate_on_submit() and committed(
        lambda: advisers.invite_adviser(
            need,
            name=form.name.data,
            email=form.email.data,
            paid=form.is_paid,
            fee_pence=form.fee.pence if form.is_paid else None,
            chosen=list(form.parts.data or []),
            actor=current_user,
        ),
        form,
        form.email,
    ):
        flash(_("Invitation sent to %(email)s", email=form.email.data), "success")
        return redirect(url_for("evaluation.panel", need_id=need.id))
    status = 400 if form.errors else 200
    return render_template("evaluation/panel/invite_adviser.html", need=need, form=form), status


@bp.post("/needs/<int:need_id>/evaluation/panel/advisers/<int:place_id>/cancel")
@login_required
def cancel_adviser_invitation(need_id, place_id):
    need = need_or_404(need_id)
    require(current_user, Action.MANAGE_EVALUATION, need)
    place = db.session.get(AdviserPlace, place_id)
    if place is None or place.need_id != need.id:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit() and committed(
        lambda: advisers.cancel_invitation(place, actor=current_user), form, form.submit
    ):
        flash(_("Invitation cancelled"), "success")
    else:
        flash(form.submit.errors[0] if form.submit.errors else _("The form had expired: try again"), "error")
    return redirect(url_for("evaluation.panel", need_id=need.id))
