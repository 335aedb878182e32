"""An area's contracts (contracts/area.py): for its commissioners, finance officers and
board members (area.contracts; 403 for others, 404 for an unknown area). Filters that are
not one of the choices get a GOV.UK error by the filter and status 400, never a 500."""

from flask import render_template, request
from flask_login import current_user, login_required

from ..extensions import db
from ..paging import requested_page
from ..permissions import Action, require
from ..reference.models import Area
from ..timeutil import london_date, utcnow
from . import area as listing
from . import bp


@bp.get("/areas/<int:area_id>/contracts")
@login_required
def area_contracts(area_id):
    area = db.get_or_404(Area, area_id)
    require(current_user, Action.VIEW_AREA_CONTRACTS, area)
    area_ids, today = area.ids_covered, london_date(utcnow())
    options = listing.options(area)
    filters = listing.filters_asked(request.args, options)
    return render_template(
        "contracts/area_list.html",
        area=area,
        page=listing.contracts_page(area_ids, filters, today, requested_page()),
        filters=filters,
        options=options,
        today=today,
        status_of=listing.ContractStatus.of,
    ), 400 if filters.errors else 200
