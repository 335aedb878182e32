"""Stripe pages: the webhook Stripe calls, and the organisation owner's payouts set-up
(a Stripe Connect Express account, onboarded on Stripe's own pages).

The webhook has no CSRF token (Stripe signs it instead): a body that is not signed with
STRIPE_WEBHOOK_SECRET within five minutes, or is not JSON, gets 400 and nothing is written.
"""

import logging

import stripe
from flask import (
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..extensions import csrf, db
from ..forms import ConfirmForm
from ..organisations.models import Organisation
from ..permissions import Action, can, require
from . import bp, stripe_backend
from .services import PaymentError

log = logging.getLogger(__name__)


# The webhook --------------------------------------------------------------------------------


def _bad(message: str):
    log.warning("Stripe webhook refused: %s", message)
    return jsonify({"error": message}), 400


@bp.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not stripe_backend.enabled() or not secret:
        return _bad("Stripe webhooks are not set up here")
    header = request.headers.get("Stripe-Signature")
    if not header:
        return _bad("No Stripe-Signature header")
    payload = request.get_data()
    try:
        event = stripe.Webhook.construct_event(payload, header, secret)
    except stripe.SignatureVerificationError:
        return _bad("The signature does not match, or is too old")
    except ValueError:  # not UTF-8, not JSON, or empty
        return _bad("The body is not a JSON event")
    try:
        outcome = stripe_backend.record_event_once(event)
    except stripe_backend.WebhookRejected as error:
        db.session.rollback()
        return _bad(str(error))
    return jsonify({"received": True, "outcome": outcome}), 200


# Payouts set-up -----------------------------------------------------------------------------


def _organisation(organisation_id: int) -> Organisation:
    organisation = db.get_or_404(Organisation, organisation_id)
    if not can(current_user, Action.VIEW_ORGANISATION, organisation):
        abort(404)
    require(current_user, Action.MANAGE_PAYOUTS, organisation)
    return organisation


def _page(organisation, account, form=None, status=200):
    return render_template(
        "payments/stripe/payouts.html",
        organisation=organisation,
        account=account,
        form=form or ConfirmForm(),
        stripe_enabled=stripe_backend.enabled(),
    ), status


def _refused(organisation, account, error: PaymentError):
    db.session.rollback()
    form = ConfirmForm()
    form.submit.errors = [error.message]
    return _page(organisation, account, form, 400)


def _link(organisation, account) -> str:
    return stripe_backend.onboarding_link(
        account,
        refresh_url=url_for("payments.payouts_refresh", organisation_id=organisation.id, _external=True),
        return_url=url_for("payments.payouts_return", organisation_id=organisation.id, _external=True),
    )


def _back_from_stripe(organisation_id: int):
    """(the organisation, its account, None) when Stripe sends the owner back; with Stripe
    off or no account yet, the third is the redirect to the payouts page instead."""
    organisation = _organisation(organisation_id)
    account = stripe_backend.account_of(organisation.id)
    if not stripe_backend.enabled() or account is None:
        return organisation, account, redirect(url_for("payments.payouts", organisation_id=organisation.id))
    return organisation, account, None


@bp.get("/organisations/<int:organisation_id>/payouts")
@login_required
def payouts(organisation_id):
    organisation = _organisation(organisation_id)
    return _page(organisation, stripe_backend.account_of(organisation.id))


@bp.post("/organisations/<int:organisation_id>/payouts/onboard")
@login_required
def payouts_onboard(organisation_id):
    organisation = _organisation(organisation_id)
    account = stripe_backend.account_of(organisation.id)
    form = ConfirmForm()
    if not stripe_backend.enabled():
        return redirect(url_for("payments.payouts", organisation_id=organisation.id), 303)
    if not form.validate_on_submit():
        return _page(organisation, account, form, 400)
    try:
        account = stripe_backend.ensure_account(organisation, current_user)
        db.session.commit()
    except PaymentError as error:
        return _refused(organisation, account, error)
    except IntegrityError:  # another owner created it a moment ago: use theirs
        db.session.rollback()
        account = stripe_backend.account_of(organisation.id)
    try:
        url = _link(organisation, account)
    except PaymentError as error:
        return _refused(organisation, account, error)
    return redirect(url, 303)


@bp.get("/organisations/<int:organisation_id>/payouts/return")
@login_required
def payouts_return(organisation_id):
    """Stripe sends the owner back here: ask Stripe how far the set-up has gone."""
    organisation, account, elsewhere = _back_from_stripe(organisation_id)
    if elsewhere is not None:
        return elsewhere
    try:
        stripe_backend.refresh_account(account, actor=current_user)
        db.session.commit()
    except PaymentError as error:
        return _refused(organisation, account, error)
    return _page(organisation, account)


@bp.get("/organisations/<int:organisation_id>/payouts/refresh")
@login_required
def payouts_refresh(organisation_id):
    """Stripe's link expired or was used: make a new one."""
    organisation, account, elsewhere = _back_from_stripe(organisation_id)
    if elsewhere is not None:
        return elsewhere
    try:
        url = _link(organisation, account)
    except PaymentError as error:
        return _refused(organisation, account, error)
    return redirect(url, 303)
