"""/what-works, for anyone without signing in: outcomes by service category across every area
for a period, and the published Justice Data Lab results; /what-works.csv, the same numbers
(and the same cells hidden). A period that is not one of the choices is told by its field
(status 400) and the default shown."""

import io

from flask import Response, render_template, request
from flask_babel import gettext as _

from .. import csvfiles
from ..organisations import justice_data_lab
from . import bp, charts, figures, periods, present
from .suppression import FEWER


def _asked():
    offered = periods.choices(figures.months_with_data())
    choice, error = periods.chosen(request.args.get("period"), offered)
    return offered, choice, ({"period": error} if error else {})


@bp.get("/what-works")
def what_works():
    offered, choice, errors = _asked()
    categories = figures.by_category(choice.first, choice.last)
    results = justice_data_lab.published()
    return render_template(
        "whatworks/page.html",
        offered=offered,
        choice=choice,
        errors=errors,
        categories=categories,
        charts={c.id: charts.outcomes(c) for c in categories},
        present=present,
        results=results,
        fewer=FEWER,
    ), 400 if errors else 200


@bp.get("/what-works.csv")
def what_works_csv():
    _offered, choice, errors = _asked()
    if errors:
        return Response(errors["period"], status=400, mimetype="text/plain")
    out = io.StringIO()
    writer = csvfiles.writer(out)
    for row in present.csv_rows(choice.label, figures.by_category(choice.first, choice.last)):
        writer.writerow(row)
    name = _("what-works") + f"-{choice.slug}.csv"
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
