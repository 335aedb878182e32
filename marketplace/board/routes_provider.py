"""An organisation's own figures, for its members only: its bids and how often they won,
the contracts it leads, what it was paid and how fast, and the outcomes its approved
reports recorded, for a period (the financial year by default); the same numbers as CSV.

Every number comes from reporting.organisation_figures, which counts only the
organisation's own bids and contracts. Bad dates get a GOV.UK error and status 400.
"""

import io

from flask import abort, render_template
from flask_login import current_user, login_required

from .. import csvfiles
from ..extensions import db
from ..main.errors import render_error
from ..money import format_pounds
from ..organisations.models import Organisation
from ..permissions import Action, require
from ..timeutil import utcnow
from . import bp, charts, reporting
from .routes import download, period_asked

ROLE_LABELS = {"lead": "As lead", "partner": "As a consortium partner"}
FIGURES = ("bids", "contracts", "payments", "outcomes")


def _period() -> tuple[reporting.Period, dict, dict]:
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
    figures = reporting.organisation_figures(organisation.id, period, utcnow())
    drawn = {
        "success": charts.success(figures.success, ROLE_LABELS, who="your bids as lead and as a partner"),
        "timeliness": charts.timeliness(figures.payments),
        "outcomes": charts.outcomes(figures.outcomes),
    }
    return render_template(
        "board/provider.html", organisation=organisation, period=period, errors=errors, values=values,
        figures=figures, role_labels=ROLE_LABELS, charts=drawn,
    ), 400 if errors else 200


def _number(value) -> str:
    return "" if value is None else f"{float(value):.4f}"


@bp.get("/organisations/<int:organisation_id>/figures/<figure>.csv")
@login_required
def organisation_figures_csv(organisation_id, figure):
    """Exactly the numbers of one table of the organisation's figures, for the same period."""
    organisation = _organisation(organisation_id)
    if figure not in FIGURES:
        abort(404)
    period, errors, _ = _period()
    if errors:
        return render_error(400, "There is a problem with the dates", " ".join(errors.values()))
    figures = reporting.organisation_figures(organisation.id, period, utcnow())
    out = io.StringIO()
    writer = csvfiles.writer(out)
    if figure == "bids":
        writer.writerow(["role", "bids", "decided", "won", "success_rate"])
        counted = {"lead": figures.bids_led, "partner": figures.bids_as_partner}
        for row in figures.success:
            writer.writerow([ROLE_LABELS[row.key], counted[row.key], row.bids, row.won, _number(row.rate)])
    elif figure == "contracts":
        writer.writerow(["contracts_running", "value_pence", "value"])
        writer.writerow([figures.contracts_running, figures.contracts_value_pence, format_pounds(figures.contracts_value_pence)])
    elif figure == "payments":
        p = figures.payments
        writer.writerow(["payments_paid", "paid_pence", "paid", "median_days", "paid_within_10_days", "overdue_now"])
        writer.writerow([p.paid, figures.paid_pence, format_pounds(figures.paid_pence), _number(p.median_days), p.within_target, p.overdue_now])
    else:
        writer.writerow(["category", "contracts", "people_expected", "achieved", "partly_achieved", "not_achieved", "score", "rate"])
        for row in figures.outcomes:
            writer.writerow([
                row.category, row.contracts, row.expected_people, row.achieved, row.partly, row.not_achieved,
                _number(row.score), _number(row.rate),
            ])
    return download(out.getvalue(), f"organisation-{organisation.id}-{figure}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv")
