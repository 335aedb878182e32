"""An organisation's own figures, for its members only: its bids and how often they won,
the contracts it leads, what it was paid and how fast, and the outcomes its approved
reports recorded, for a period (the financial year by default); the same numbers as CSV.

Every number comes from reporting.organisation.organisation_figures, which counts only
the organisation's own bids and contracts. Bad dates get a GOV.UK error and status 400.
"""

from flask import abort, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import render_error
from ..extensions import db
from ..organisations.models import Organisation
from ..permissions import Action, require
from ..timeutil import utcnow
from . import bp, charts, tables
from .reporting.organisation import organisation_figures as figures_of
from .reporting.scope import Period
from .routes import download, period_asked
from .tables import ROLE_LABELS


def _period() -> tuple[Period, dict, dict]:
    """The period asked for (the dashboard's rules), the errors by field, and the values to show back."""
    errors: dict[str, str] = {}
    period = period_asked(errors)
    return period, errors, {"from": period.start.isoformat(), "to": period.end.isoformat()}


def _organisation(organisation_id: int) -> Organisation:
    organisation = db.get_or_404(Organisation, organisation_id)
    require(current_user, Action.VIEW_ORGANISATION_FIGURES, organisation)
    return organisation


@bp.get("/organisations/<int:organisation_id>/figures")
@login_required
def organisation_figures(organisation_id):
    organisation = _organisation(organisation_id)
    period, errors, values = _period()
    figures = figures_of(organisation.id, period, utcnow())
    drawn = {
        "success": charts.success(
            figures.success,
            ROLE_LABELS,
            alt=_(
                "Bar chart of how often your bids as lead and as a partner won, as a percentage of their bids. "
                "The numbers are in the table beside it."
            ),
        ),
        "timeliness": charts.timeliness(figures.payments),
        "outcomes": charts.outcomes(figures.outcomes),
    }
    return render_template(
        "board/provider.html",
        organisation=organisation,
        period=period,
        errors=errors,
        values=values,
        figures=figures,
        role_labels=ROLE_LABELS,
        charts=drawn,
    ), 400 if errors else 200


@bp.get("/organisations/<int:organisation_id>/figures/<figure>.csv")
@login_required
def organisation_figures_csv(organisation_id, figure):
    """Exactly the numbers of one table of the organisation's figures, for the same period."""
    organisation = _organisation(organisation_id)
    if figure not in tables.ORGANISATION_TABLES:
        abort(404)
    period, errors, _values = _period()
    if errors:
        return render_error(400, _("There is a problem with the dates"), " ".join(errors.values()))
    rows = tables.organisation_rows(figure, figures_of(organisation.id, period, utcnow()))
    return download(
        tables.as_csv(rows),
        f"organisation-{organisation.id}-{figure}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv",
    )
