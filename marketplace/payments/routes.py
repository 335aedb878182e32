"""Payment pages: a payment with its history; the finance officer records a ledger payment
(the bank transfer's date and reference); with Stripe, the commissioner or finance officer
releases it; an area's payments, with those overdue first.

Who may: permissions.py (payment.record, payment.release, area.payments, contract.view).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit.models import AuditEvent
from ..extensions import db
from ..paging import requested_page
from ..permissions import Action, can, require
from ..reference.models import Area
from ..refusals import committed
from ..timeutil import utcnow
from . import bp, services
from .forms import LedgerPaymentForm, ReleaseForm
from .models import TARGET_DAYS, Payment, PaymentStatus


def _payment(payment_id: int) -> Payment:
    payment = db.session.get(Payment, payment_id)
    if payment is None or not can(current_user, Action.VIEW_CONTRACT, payment.contract):
        abort(404)
    return payment


def _payment_paid_by(payment_id: int, backend: str, action: Action) -> Payment:
    """A payment to act on through `backend` (404 under the other), if the user may."""
    payment = _payment(payment_id)
    if services.backend_name() != backend:
        abort(404)
    require(current_user, action, payment)
    return payment


def _events(payment: Payment) -> Sequence[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "payments", AuditEvent.object_id == payment.id)
        .order_by(AuditEvent.id)
    ).all()


def _page(payment: Payment, form=None):
    backend = services.backend_name()
    may_record = backend == "ledger" and can(current_user, Action.RECORD_PAYMENT, payment)
    may_release = backend == "stripe" and can(current_user, Action.RELEASE_PAYMENT, payment)
    if form is None and may_record and payment.status != PaymentStatus.PAID:
        form = LedgerPaymentForm()
    return (
        render_template(
            "payments/show.html",
            payment=payment,
            contract=payment.contract,
            backend=backend,
            form=form if may_record else None,
            release_form=ReleaseForm() if may_release and payment.status in services.RETRYABLE else None,
            due=utcnow() >= payment.payable_at,
            events=_events(payment),
            target_days=TARGET_DAYS,
        ),
        400 if form is not None and form.errors else 200,
    )


@bp.get("/payments/<int:payment_id>")
@login_required
def show(payment_id):
    return _page(_payment(payment_id))


@bp.post("/payments/<int:payment_id>/record")
@login_required
def record(payment_id):
    payment = _payment_paid_by(payment_id, "ledger", Action.RECORD_PAYMENT)
    form = LedgerPaymentForm()
    if form.validate_on_submit() and committed(
        lambda: services.record_ledger_payment(
            payment, paid_on=form.paid_on.data, reference=form.reference.data, actor=current_user
        ),
        form,
        form.reference,
    ):
        flash(_("Payment of %(milestone)s recorded.", milestone=payment.milestone.local_title.lower()), "success")
        return redirect(url_for("contracts.show", contract_id=payment.contract_id))
    if not form.errors:
        abort(400)
    return _page(payment, form)


@bp.post("/payments/<int:payment_id>/release")
@login_required
def release(payment_id):
    from . import stripe_backend

    payment = _payment_paid_by(payment_id, "stripe", Action.RELEASE_PAYMENT)
    form = ReleaseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        payment = stripe_backend.release(payment, actor=current_user)
    except services.PaymentError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("payments.show", payment_id=payment_id))
    if payment.status == PaymentStatus.PAID:
        flash(_("Payment released: the transfer has been made to the provider's account."), "success")
    elif payment.status == PaymentStatus.PROCESSING:
        flash(_("This payment is already being paid: its result will show here shortly."))
    else:
        flash(
            _(
                "The payment was not made: %(reason)s. You can try again.",
                reason=payment.failure_message or payment.status.label,
            ),
            "error",
        )
    return redirect(url_for("payments.show", payment_id=payment_id))


@bp.get("/areas/<int:area_id>/payments")
@login_required
def area_payments(area_id):
    """The area's payments: overdue first (unpaid TARGET_DAYS or more after becoming
    payable), then the rest by when they became payable, with days taken."""
    area = db.get_or_404(Area, area_id)
    require(current_user, Action.VIEW_AREA_PAYMENTS, area)
    area_ids = area.ids_covered
    now = utcnow()
    overdue = services.overdue(area_ids, now)
    page = db.paginate(services.payments_of_areas(area_ids), page=requested_page(), per_page=50, error_out=False)
    return render_template(
        "payments/area.html", area=area, overdue=overdue, page=page, now=now, target_days=TARGET_DAYS
    )
