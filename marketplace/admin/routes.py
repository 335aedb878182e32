"""The admin pages: organisations waiting to be verified, area staff and their invitations,
users (closing and reopening accounts, resetting two-factor authentication), the outbox,
the audit trail, and each area's sign-off threshold. Admins only.
"""

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..accounts import services as account_services
from ..accounts import two_factor
from ..accounts.forms import InviteStaffForm
from ..accounts.models import Membership, Role, User
from ..audit import AuditEvent
from ..extensions import db
from ..forms import ConfirmForm
from ..money import format_pounds
from ..notifications import OutboxEmail
from ..organisations import services as organisation_services
from ..organisations.models import Organisation
from ..paging import requested_page
from ..permissions import Action, require
from ..reference.models import Area
from ..refusals import committed
from . import bp, services
from .forms import ResetTwoFactorForm, ThresholdForm, UserStatusForm

PAGE_SIZE = 50


@bp.before_request
@login_required
def admins_only():
    require(current_user, Action.VIEW_ADMIN)


@bp.get("/")
def dashboard():
    waiting = db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation).where(Organisation.verified_at.is_(None))
    )
    unsent = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail).where(OutboxEmail.sent_at.is_(None)))
    return render_template("admin/dashboard.html", waiting=waiting, unsent=unsent)


@bp.get("/organisations")
def organisations():
    show = request.args.get("show", "unverified")
    query = sa.select(Organisation).order_by(Organisation.created_at.desc())
    if show != "all":
        show = "unverified"
        query = query.where(Organisation.verified_at.is_(None))
    page = db.paginate(query, page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/organisations.html", page=page, show=show, form=ConfirmForm())


@bp.post("/organisations/<int:organisation_id>/verify")
def verify_organisation(organisation_id):
    organisation = db.get_or_404(Organisation, organisation_id)
    require(current_user, Action.VERIFY_ORGANISATION, organisation)
    form = ConfirmForm()
    if form.validate_on_submit():
        organisation_services.verify_organisation(organisation, actor=current_user)
        db.session.commit()
        flash(_("%(name)s is verified.", name=organisation.name), "success")
    return redirect(url_for("admin.organisations"))


@bp.route("/staff", methods=["GET", "POST"])
def staff():
    form = InviteStaffForm()
    if form.validate_on_submit():
        area = db.get_or_404(Area, int(form.area.data))
        require(current_user, Action.INVITE_AREA_STAFF, area)
        if committed(
            lambda: account_services.invite(
                email=form.email.data, role=Role(form.role.data), actor=current_user, area=area
            ),
            form,
            form.email,
        ):
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("admin.staff"))
    memberships = db.session.scalars(
        sa.select(Membership)
        .join(Membership.user)
        .where(Membership.area_id.is_not(None), Membership.ended_at.is_(None))
        .order_by(Membership.area_id, User.name)
    ).all()
    return render_template("admin/staff.html", form=form, memberships=memberships)


@bp.get("/emails")
def emails():
    page = db.paginate(
        sa.select(OutboxEmail).order_by(OutboxEmail.id.desc()),
        page=requested_page(),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    return render_template("admin/emails.html", page=page)


@bp.get("/emails/<int:email_id>")
def show_email(email_id):
    return render_template("admin/email.html", email=db.get_or_404(OutboxEmail, email_id))


@bp.get("/audit")
def audit_events():
    page = db.paginate(
        sa.select(AuditEvent).order_by(AuditEvent.id.desc()), page=requested_page(), per_page=PAGE_SIZE, error_out=False
    )
    return render_template("admin/audit.html", page=page)


@bp.get("/users")
def users():
    query = sa.select(User).order_by(User.email)
    search = request.args.get("q", "").replace("\x00", "").strip().lower()[:254]
    if search:
        query = query.where(
            User.email.contains(search, autoescape=True) | sa.func.lower(User.name).contains(search, autoescape=True)
        )
    page = db.paginate(query, page=requested_page(), per_page=PAGE_SIZE, error_out=False)
    return render_template("admin/users.html", page=page, search=search)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def show_user(user_id):
    user = db.get_or_404(User, user_id)
    form = UserStatusForm()
    if request.method == "POST":
        require(current_user, Action.DEACTIVATE_USER, user)
        if form.validate_on_submit():
            if user.is_active:
                account_services.deactivate_user(user, actor=current_user, reason=form.reason.data)
                message = _("%(email)s can no longer sign in.", email=user.email)
            else:
                account_services.reactivate_user(user, actor=current_user, reason=form.reason.data)
                message = _("%(email)s can sign in again.", email=user.email)
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("admin.show_user", user_id=user.id))
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "users", AuditEvent.object_id == user.id)
        .order_by(AuditEvent.id.desc())
        .limit(50)
    ).all()
    return render_template("admin/user.html", user=user, form=form, events=events)


@bp.route("/users/<int:user_id>/reset-two-factor", methods=["GET", "POST"])
def reset_two_factor(user_id):
    user = db.get_or_404(User, user_id)
    require(current_user, Action.RESET_TWO_FACTOR, user)
    if not user.two_factor_enabled:
        flash(_("%(email)s has not set up two-factor authentication.", email=user.email), "info")
        return redirect(url_for("admin.show_user", user_id=user.id))
    form = ResetTwoFactorForm()
    if form.validate_on_submit():
        two_factor.reset(user, actor=current_user, reason=form.reason.data)
        db.session.commit()
        flash(
            _(
                "Two-factor authentication is reset for %(email)s, who has been signed out everywhere and told by email.",
                email=user.email,
            ),
            "success",
        )
        return redirect(url_for("admin.show_user", user_id=user.id))
    return render_template("admin/reset_two_factor.html", user=user, form=form)


@bp.get("/areas")
def areas():
    regions = db.session.scalars(sa.select(Area).where(Area.parent_id.is_(None)).order_by(Area.name)).all()
    return render_template("admin/areas.html", regions=regions, default=current_app.config["SIGN_OFF_THRESHOLD_PENCE"])


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
def edit_area(area_id):
    """An area's sign-off threshold: awards of a lot worth more need a board member's approval."""
    from ..evaluation.award import area_threshold

    area = db.get_or_404(Area, area_id)
    form = ThresholdForm()
    if request.method == "GET":
        form.threshold.set_pence(area.sign_off_threshold_pence)
    elif form.validate_on_submit() and committed(
        lambda: services.set_sign_off_threshold(
            area, form.threshold.pence, actor=current_user, reason=form.reason.data
        ),
        form,
        form.threshold,
    ):
        flash(
            _(
                "The sign-off threshold of %(area)s is now %(amount)s.",
                area=area.label,
                amount=format_pounds(area_threshold(area)),
            ),
            "success",
        )
        return redirect(url_for("admin.areas"))
    return render_template(
        "admin/area.html", area=area, form=form, effective=area_threshold(area)
    ), 400 if form.errors else 200
