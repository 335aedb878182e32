from flask import render_template

from . import bp
from .services import current_categories, current_regions


@bp.get("/areas")
def list_areas():
    return render_template("reference/areas.html", regions=current_regions())


@bp.get("/service-categories")
def list_categories():
    return render_template("reference/categories.html", categories=current_categories())
