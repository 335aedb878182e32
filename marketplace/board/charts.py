"""The dashboard's charts: server-side SVG drawn by pygal from the same rows as the table
beside each chart (the reporting package computes them). A chart is an <img> with a data: URI, so
it needs no JavaScript, passes the Content-Security-Policy (img-src data:), prints, and
goes into the PDF board pack as it is. Its alternative text names what it shows; the
numbers themselves are in the table next to it.

Charts show pounds and percentages rounded for reading; the tables and CSV downloads
carry the exact figures.
"""

import base64
import functools
import re
from dataclasses import dataclass
from fractions import Fraction

import pygal
from flask_babel import gettext as _
from pygal.style import Style

# GOV.UK Design System tints (light blue, light green): each bar has 3:1 contrast with the
# white background, and the near-black values printed on a bar or beside it have at least
# 4.5:1 with either.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#505a5f",
    opacity="1",
    opacity_hover="1",
    colors=("#5694ca", "#85994b"),
    value_colors=("#0b0c0c", "#0b0c0c"),
    font_family="Arial, Helvetica, sans-serif",
    label_font_size=15,
    major_label_font_size=15,
    value_font_size=15,
    value_label_font_size=15,
    legend_font_size=15,
    title_font_size=16,
)


@dataclass(frozen=True)
class Chart:
    src: str  # a data: URI of the SVG
    alt: str


def _render(chart, alt: str) -> Chart:
    # pygal always embeds its configuration for its tooltip script; an image never runs
    # scripts, so it is only weight: drop it.
    svg = re.sub(r"<script\b[^>]*>.*?</script>", "", chart.render(is_unicode=True), flags=re.S)
    return Chart("data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(), alt)


def _bars(
    labels: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    alt: str,
    formatter,
    percent=False,
    width: int = 480,
) -> Chart:
    """A horizontal bar chart of the series. Drawing one takes pygal about 20 ms, and the
    same figures give the same chart, so each process keeps the charts it drew last (the
    figures themselves are always read afresh)."""
    return _drawn(
        tuple(labels), tuple((name, tuple(values)) for name, values in series), alt, formatter, percent, width
    )


@functools.lru_cache(maxsize=256)
def _drawn(labels: tuple, series: tuple, alt: str, formatter, percent: bool, width: int) -> Chart:
    chart = pygal.HorizontalBar(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=width,
        height=70 + 30 * len(labels) * len(series),
        show_legend=len(series) > 1,
        legend_at_bottom=True,
        legend_at_bottom_columns=len(series),
        # The values are printed on the bars, so the value axis carries no labels or guides.
        print_values=True,
        value_formatter=formatter,
        show_x_labels=False,
        show_y_guides=False,
        show_x_guides=False,
        truncate_label=-1,
        truncate_legend=-1,
        range=(0, 100) if percent else None,
        include_x_axis=True,
        margin=8,
        spacing=6,
    )
    # pygal draws the first label at the bottom of a horizontal bar chart; reverse so the
    # chart reads top to bottom in the same order as the table.
    chart.x_labels = list(reversed(labels))
    for name, values in series:
        chart.add(name, list(reversed(values)))
    return _render(chart, alt)


def pounds(pence: int) -> float:
    return pence / 100


def percent(share: Fraction | None) -> float | None:
    """A share as a percentage to draw; none (no bar, no label) when there is nothing to
    divide by or it is zero, as a 0% label would sit on the axis over the group's name."""
    return round(float(share) * 100, 1) if share else None


def _pounds_label(value) -> str:
    return "" if value is None else f"£{value:,.0f}"


def _percent_label(value) -> str:
    return "" if value is None else f"{value:.1f}%"


def split(rows, labels: dict, *, alt: str) -> Chart:
    """Spend and value awarded by a grouping (size band, type) of the lead organisation;
    `alt` says which, as a whole sentence."""
    return _bars(
        [str(labels[r.key]) for r in rows],
        [
            (_("Spend (paid)"), [pounds(r.spend_pence) for r in rows]),
            (_("Value awarded"), [pounds(r.award_value_pence) for r in rows]),
        ],
        alt=alt,
        formatter=_pounds_label,
    )


def success(rows, labels: dict, *, alt: str | None = None) -> Chart:
    return _bars(
        [str(labels[r.key]) for r in rows],
        [(_("Success rate"), [percent(r.rate) for r in rows])],
        alt=alt
        or _(
            "Bar chart of how often each kind of bidder won, as a percentage of its bids. "
            "The numbers are in the table beside it."
        ),
        formatter=_percent_label,
        percent=True,
    )


def outcomes(rows) -> Chart:
    return _bars(
        [r.category for r in rows],
        [(_("Outcomes achieved"), [percent(r.rate) for r in rows])],
        alt=_(
            "Bar chart of the share of outcomes achieved in each service category (partly achieved counts half). "
            "The numbers are in the table beside it."
        ),
        formatter=_percent_label,
        percent=True,
    )


def national(rows) -> Chart:
    """The area's outcome rates beside the nation's (reporting/national.py); no bar where
    too few people were reported."""
    return _bars(
        [r.category for r in rows],
        [
            (_("This area"), [percent(r.area_rate) for r in rows]),
            (_("England and Wales"), [percent(r.national_rate) for r in rows]),
        ],
        alt=_(
            "Bar chart of the share of outcomes achieved in each service category, in this area and in England "
            "and Wales (partly achieved counts half). The numbers are in the table beside it."
        ),
        formatter=_percent_label,
        percent=True,
    )


def timeliness(t) -> Chart:
    return _bars(
        [_("Paid within 10 days"), _("Paid later"), _("Overdue now")],
        [(_("Payments"), [t.within_target, t.paid - t.within_target, t.overdue_now])],
        alt=_(
            "Bar chart of payments paid within 10 days of becoming payable, paid later, and overdue now. "
            "The numbers are in the table beside it."
        ),
        formatter=_count_label,
    )


def _count_label(value) -> str:
    return "" if value is None else f"{value:,.0f}"


def comparison(rows) -> Chart:
    return _bars(
        [r.name for r in rows],
        [
            (_("Share to VCSE"), [percent(r.shares.vcse) for r in rows]),
            (_("Share to local"), [percent(r.shares.local) for r in rows]),
        ],
        alt=_(
            "Bar chart of the share of spend that went to VCSE and to local organisations in each area. "
            "The numbers are in the table beside it."
        ),
        formatter=_percent_label,
        percent=True,
        width=960,
    )
