"""Checking a need's answers and publishing it; withdrawing an open need or cancelling one
before award, with a reason that followers are sent.

Who may: a commissioner of the need's area (routes_manage.managed_need), with
Action.PUBLISH_NEED (a draft), Action.WITHDRAW_NEED (an open need) or Action.CANCEL_NEED
(before award).
"""

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import ConfirmForm
from ..permissions import Action, can, require
from ..refusals import committed
from ..timeutil import london
from . import bp, documents, drafting, publishing
from .forms import EndNeedForm
from .models import Need, NeedError
from .routes_manage import manage_page, manage_url, managed_need, sections_of

# Check and publish ---------------------------------------------------------------------


def _check_page(need: Need, *, attempted: bool = False):
    return manage_page(
        "check.html",
        need,
        None,
        problems=publishing.problems(need),
        attempted=attempted,
        publish_form=ConfirmForm(),
        can_publish=can(current_user, Action.PUBLISH_NEED, need),
        can_edit=can(current_user, Action.EDIT_NEED, need),
        schedules=[(lot, drafting.payment_schedule(need, lot)) for lot in need.lots],
        current_documents=documents.current_documents(need),
        section_urls={key: url_for(endpoint, need_id=need.id) for key, _title, endpoint in sections_of(need)},
    )


@bp.get("/needs/<int:need_id>/check")
@login_required
def check_need(need_id):
    return _check_page(managed_need(need_id))


@bp.post("/needs/<int:need_id>/publish")
@login_required
def publish_need(need_id):
    need = managed_need(need_id)
    require(current_user, Action.PUBLISH_NEED, need)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        publishing.publish_need(need, actor=current_user)
    except NeedError:
        db.session.rollback()
        return _check_page(need, attempted=True)
    db.session.commit()
    flash(_("Need published. Providers can find it and bid until %(time)s.", time=london(need.closes_at)), "success")
    return redirect(manage_url(need))


# Withdraw and cancel -------------------------------------------------------------------


def _end(need_id: int, action: Action, service, template: str, done: str):
    need = managed_need(need_id)
    require(current_user, action, need)
    form = EndNeedForm()
    if form.validate_on_submit() and committed(
        lambda: service(need, actor=current_user, reason=form.reason.data), form, form.reason
    ):
        flash(done, "success")
        return redirect(manage_url(need))
    return manage_page(template, need, form)


@bp.route("/needs/<int:need_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_need(need_id):
    return _end(
        need_id,
        Action.WITHDRAW_NEED,
        publishing.withdraw_need,
        "withdraw.html",
        _("Need withdrawn. Providers following it have been told."),
    )


@bp.route("/needs/<int:need_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_need(need_id):
    return _end(
        need_id,
        Action.CANCEL_NEED,
        publishing.cancel_need,
        "cancel.html",
        _("Need cancelled. Providers following it have been told."),
    )
