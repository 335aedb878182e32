"""An organisation's pages: its public profile, editing it, and its people (inviting
members, removing them), for its own members.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..accounts import services as account_services
from ..accounts.models import Invitation, Membership, Role
from ..accounts.routes import safe_next
from ..conditions import Condition
from ..extensions import db, limiter
from ..forms import ConfirmForm
from ..permissions import Action, can, require
from ..reference.services import current_pdus
from ..refusals import committed
from . import bp, justice_data_lab, services
from .forms import InviteMemberForm, OrganisationProfileForm, RegistrationForm
from .models import Organisation


@bp.get("/organisations/<int:organisation_id>")
def show_organisation(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    if not can(current_user, Action.VIEW_ORGANISATION, organisation):
        abort(404)  # an unverified organisation is not public: don't confirm it exists
    policies = [Condition(c).label for c in organisation.policies or [] if c in Condition._value2member_map_]
    return render_template(
        "organisations/show.html",
        organisation=organisation,
        policy_labels=policies,
        jdl_results=justice_data_lab.published(organisation_id=organisation.id),
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
@login_required
def edit_organisation(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    require(current_user, Action.EDIT_ORGANISATION, organisation)
    form = OrganisationProfileForm(obj=organisation, organisation=organisation)
    if request.method == "GET":
        form.legal_form.data = organisation.legal_form.value
        form.income_band.data = organisation.income_band.value
        form.pdus.data = [str(a.id) for a in organisation.pdus]
        form.specialisms.data = [str(c.id) for c in organisation.specialisms]
        form.policies.data = list(organisation.policies or [])
    if form.validate_on_submit():
        changed = services.update_profile(organisation, form.data, actor=current_user)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            flash(_("That charity or company number was registered by another organisation a moment ago."), "error")
            return redirect(url_for("organisations.edit_organisation", organisation_id=organisation.id))
        flash(_("Profile saved.") if changed else _("Nothing was changed."), "success")
        return redirect(url_for("organisations.show_organisation", organisation_id=organisation.id))
    return render_template(
        "organisations/edit.html",
        form=form,
        organisation=organisation,
        pdu_groups=_pdu_groups(),
        specialism_options=[(c.value, c.label) for c in form.specialisms.choices],
        policy_options=[(c.value, c.label) for c in form.policies.choices],
    )


def _pdu_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """Delivery units under their regions, for the 'where you work' checkboxes."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for pdu in current_pdus():
        region = pdu.local_parent_name
        assert region is not None  # ck_areas_pdu_has_region
        groups.setdefault(region, []).append((str(pdu.id), pdu.local_name))
    return sorted(groups.items())


def _open_invitations(organisation: Organisation) -> Sequence[Invitation]:
    """Invitations to the organisation not yet accepted or cancelled, oldest first."""
    return db.session.scalars(
        sa.select(Invitation)
        .where(
            Invitation.organisation_id == organisation.id,
            Invitation.accepted_at.is_(None),
            Invitation.cancelled_at.is_(None),
        )
        .order_by(Invitation.created_at)
    ).all()


@bp.route("/organisations/<int:organisation_id>/people", methods=["GET", "POST"])
@login_required
def organisation_people(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    require(current_user, Action.EDIT_ORGANISATION, organisation)
    form = InviteMemberForm()
    if request.method == "POST":
        require(current_user, Action.MANAGE_MEMBERS, organisation)
        if form.validate_on_submit() and committed(
            lambda: account_services.invite(
                email=form.email.data, role=Role(form.role.data), actor=current_user, organisation=organisation
            ),
            form,
            form.email,
        ):
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("organisations.organisation_people", organisation_id=organisation.id))
    return render_template(
        "organisations/people.html",
        organisation=organisation,
        form=form,
        invitations=_open_invitations(organisation),
        remove_form=ConfirmForm(),
        can_manage=can(current_user, Action.MANAGE_MEMBERS, organisation),
    )


@bp.post("/organisations/<int:organisation_id>/people/<int:membership_id>/remove")
@login_required
def remove_member(organisation_id, membership_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    require(current_user, Action.MANAGE_MEMBERS, organisation)
    membership = db.get_or_404(Membership, membership_id)
    if membership.organisation_id != organisation.id or membership.ended_at is not None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            account_services.end_membership(membership, actor=current_user)
        except account_services.AccountError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "%(name)s no longer has access to %(organisation)s.",
                    name=membership.user.name,
                    organisation=organisation.name,
                ),
                "success",
            )
    return redirect(url_for("organisations.organisation_people", organisation_id=organisation.id))


# Registering a provider organisation and its first user ---------------------------------


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"], scope="register")
def register():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    form = RegistrationForm()
    then = safe_next(request.args.get("next"))
    if form.validate_on_submit():
        try:
            services.register_organisation(form.data, then=then)
            db.session.commit()
        except IntegrityError:
            # Someone registered the same email or number a moment ago.
            db.session.rollback()
            form.email.errors.append(
                _(
                    "This email address, charity number or company number was registered a moment ago. "
                    "Check them and try again"
                )
            )
        else:
            # The same whether or not the address had an account (services.register_organisation).
            session["registered_email"] = form.email.data
            return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form, then=then)
