import sqlalchemy as sa
from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.models import Role
from ..accounts.routes import safe_next
from ..bids.routes import bids_by_state
from ..contracts import services as contract_services
from ..evaluation import award, panel
from ..extensions import db, limiter
from ..needs.overview import commissioning_overview
from ..organisations.models import Organisation
from . import bp


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/start.html")
    context = {
        "organisations": current_user.organisations,
        "commissioner_areas": [m.area for m in current_user.area_memberships(Role.COMMISSIONER)],
        "evaluator_areas": [m.area for m in current_user.area_memberships(Role.EVALUATOR)],
        "board_areas": [m.area for m in current_user.area_memberships(Role.BOARD_MEMBER)],
        "glances": _glances(current_user),
        "finance_areas": [m.area for m in current_user.area_memberships(Role.FINANCE)],
        "payment_areas": _payment_areas(current_user),
        "commissioning": commissioning_overview(current_user),
        "bid_groups": bids_by_state(current_user) if current_user.organisations else [],
        "evaluations": panel.evaluations_for(current_user),
        "sign_offs": award.waiting_for_sign_off(current_user)
        if current_user.area_memberships(Role.BOARD_MEMBER)
        else [],
        "contracts": contract_services.contracts_of(current_user) if current_user.organisations else [],
    }
    if current_user.is_admin:
        context["organisations_waiting"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(Organisation).where(Organisation.verified_at.is_(None))
        )
    return render_template("main/home.html", **context)


def _glances(user) -> list:
    """For a board member, each board area's year so far (board.reporting.glance)."""
    from ..board.reporting.glance import glance
    from ..timeutil import utcnow

    now = utcnow()
    return [glance(m.area, now) for m in user.area_memberships(Role.BOARD_MEMBER)]


def _payment_areas(user) -> list[tuple]:
    """The areas whose payments the user follows (commissioner, board, finance), each with
    its payments overdue now."""
    from ..payments import services as payments

    roles = (Role.COMMISSIONER, Role.BOARD_MEMBER, Role.FINANCE)
    areas = {m.area.id: m.area for m in user.area_memberships() if m.role in roles}
    return [(area, payments.overdue(area.ids_covered)) for area in sorted(areas.values(), key=lambda a: a.name)]


@bp.get("/login")
def login():
    """The address people guess: on to the sign-in page, keeping a `next` on this site."""
    return redirect(url_for("accounts.sign_in", next=safe_next(request.args.get("next"))), 301)


@bp.get("/privacy")
def privacy():
    return render_template("main/privacy.html")


@bp.get("/accessibility")
def accessibility():
    return render_template("main/accessibility.html")


@bp.get("/cookies")
def cookies():
    return render_template("main/cookies.html")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Health check: the database did not answer")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
