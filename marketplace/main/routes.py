import sqlalchemy as sa
from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.routes import safe_next
from ..extensions import db, limiter
from ..homes import home_context
from ..reading import reads_only
from . import bp


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return render_template("main/start.html")
    return render_template("main/home.html", **home_context(current_user))


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
@reads_only
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.exception("Health check: the database did not answer")
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
