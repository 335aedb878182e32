"""The words and numbers of /what-works, the same for the page and the CSV: a hidden cell is
"fewer than 10" or "withheld" (suppression.py), never its number."""

from flask_babel import gettext as _

from .figures import CategoryFigures, Row
from .suppression import FEWER, PRIMARY


def hidden_text(row: Row, column: str) -> str | None:
    why = row.hidden.get(column)
    if why is None:
        return None
    return _("fewer than %(n)s", n=FEWER) if why == PRIMARY else _("withheld")


def count(row: Row, column: str) -> str:
    return hidden_text(row, column) or f"{row.value(column):,}"


def _percent(value: float) -> str:
    return f"{value * 100:.1f}%"


def rate(row: Row, outcome_id: int) -> str:
    hidden = hidden_text(row, f"o{outcome_id}")
    if hidden:
        return hidden
    line = row.lines.get(outcome_id)
    return _("none reported") if line is None or line.rate is None else _percent(float(line.rate))


def interval(row: Row, outcome_id: int) -> str:
    line = row.line(outcome_id)
    bounds = line.interval if line is not None else None
    if bounds is None:
        return hidden_text(row, f"o{outcome_id}") or _("none reported")
    return _("%(lower)s to %(upper)s", lower=_percent(bounds[0]), upper=_percent(bounds[1]))


def summary(row: Row, outcome_id: int) -> str:
    """A breakdown's cell: the rate, its interval and the people reported, or why not."""
    line = row.line(outcome_id)
    if line is None or line.rate is None:
        return rate(row, outcome_id)
    return _(
        "%(rate)s (%(interval)s), %(people)s people",
        rate=rate(row, outcome_id),
        interval=interval(row, outcome_id),
        people=f"{line.people:,}",
    )


def csv_rows(period_label: str, categories: list[CategoryFigures]) -> list[list]:
    """One row per group of providers and desired outcome, the page's numbers."""
    rows: list[list] = [
        [
            _("Period"),
            _("Service category"),
            _("Breakdown"),
            _("Providers"),
            _("People started"),
            _("People completed"),
            _("Outcome"),
            _("People reported"),
            _("Achievement rate"),
            _("Interval (95%)"),
        ]
    ]
    for category in categories:
        groups = [(_("All providers"), [category.total])]
        groups += [(label, parts) for _key, label, parts in category.breakdowns()]
        for breakdown, parts in groups:
            for row in parts:
                start = [period_label, category.name, breakdown, row.label, count(row, "started")]
                start.append(count(row, "completed"))
                for outcome in category.outcomes:
                    column = f"o{outcome.id}"
                    each = [outcome.text, count(row, column), rate(row, outcome.id), interval(row, outcome.id)]
                    rows.append(start + each)
    return rows
