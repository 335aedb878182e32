"""The admin's pages for Justice Data Lab results (organisations/justice_data_lab.py): the
list of results recorded (withdrawn ones too), recording a published result, and
withdrawing one with a reason. Admins only (the blueprint's before_request)."""

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..organisations import justice_data_lab as jdl
from ..refusals import committed
from . import bp
from .jdl_forms import JusticeDataLabForm, WithdrawResultForm


@bp.get("/justice-data-lab")
def justice_data_lab_results():
    results = db.session.scalars(
        sa.select(jdl.JusticeDataLabResult).order_by(
            jdl.JusticeDataLabResult.published_on.desc(), jdl.JusticeDataLabResult.id.desc()
        )
    ).all()
    return render_template("admin/jdl_results.html", results=results)


@bp.route("/justice-data-lab/new", methods=["GET", "POST"])
def record_justice_data_lab_result():
    form = JusticeDataLabForm()
    if form.validate_on_submit() and committed(
        lambda: jdl.record(actor=current_user, **form.values()), form, form.service_name
    ):
        flash(_("The Justice Data Lab result for %(service)s is recorded.", service=form.service_name.data), "success")
        return redirect(url_for("admin.justice_data_lab_results"))
    return render_template("admin/jdl_record.html", form=form), 400 if form.errors else 200


@bp.route("/justice-data-lab/<int:result_id>/withdraw", methods=["GET", "POST"])
def withdraw_justice_data_lab_result(result_id):
    result = db.get_or_404(jdl.JusticeDataLabResult, result_id)
    form = WithdrawResultForm()
    if result.withdrawn:
        flash(_("This result has already been withdrawn."), "info")
        return redirect(url_for("admin.justice_data_lab_results"))
    if form.validate_on_submit() and committed(
        lambda: jdl.withdraw(result, actor=current_user, reason=form.reason.data), form, form.reason
    ):
        flash(_("The Justice Data Lab result for %(service)s is withdrawn.", service=result.service_name), "success")
        return redirect(url_for("admin.justice_data_lab_results"))
    return render_template("admin/jdl_withdraw.html", form=form, result=result), 400 if form.errors else 200
