"""A need's title and summary in Welsh, beside the English (Welsh Language Standards): a
section of its own for a need of an area in Wales, required before it is published
(publishing.problems). Once published, a change to it is an amendment like any other."""

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import SubmitField

from . import bp
from .forms import AmendableForm, text_field
from .models import Need
from .routes_manage import editable_need, is_amending, manage_page, manage_url, save_and_redirect


class WelshForm(AmendableForm):
    title_cy = text_field(_l("Title in Welsh"), _l("Enter the need’s title in Welsh"), 150)
    summary_cy = text_field(
        _l("Summary in Welsh"),
        _l("Enter the need’s summary in Welsh"),
        5000,
        textarea=True,
        hint=_l("The same as the English summary, in Welsh. Welsh readers see it on the need’s page."),
    )
    submit = SubmitField(_l("Save and continue"), widget=GovSubmitInput())


def _change(need: Need, form: WelshForm):
    def change() -> None:
        need.title_cy = form.title_cy.data
        need.summary_cy = form.summary_cy.data

    return change


@bp.route("/needs/<int:need_id>/welsh", methods=["GET", "POST"])
@login_required
def edit_welsh(need_id):
    need = editable_need(need_id)
    if not need.area.in_wales:
        abort(404)
    data = {"title_cy": need.title_cy, "summary_cy": need.summary_cy} if request.method == "GET" else None
    form = WelshForm(data=data, amending=is_amending(need))
    if form.validate_on_submit():
        done = str(_l("Welsh title and summary saved."))
        response = save_and_redirect(
            need,
            form,
            _change(need, form),
            section="welsh",
            error_field=form.title_cy,
            done=done,
            next_url=manage_url(need),
        )
        if response:
            return response
    return manage_page("welsh.html", need, form)
