"""The charts of /what-works, drawn as the dashboard's (board/charts.py): SVG beside the table
of the same numbers, which is the chart's text alternative. A hidden rate has no bar."""

from flask_babel import gettext as _

from .. import charting
from ..board import charts
from .figures import CategoryFigures


def outcomes(category: CategoryFigures) -> charting.Chart:
    rates = []
    for outcome in category.outcomes:
        line = category.total.line(outcome.id)
        rates.append(charts.percent(line.rate) if line is not None else None)
    return charting.bars(
        [o.text for o in category.outcomes],
        [(_("Achievement rate"), rates)],
        alt=_(
            "Bar chart of the achievement rate of each outcome in %(category)s, all providers together. "
            "The numbers are in the table beside it.",
            category=category.name,
        ),
        formatter=charts._percent_label,
        percent=True,
    )
