"""Bar charts drawn on the server: SVG by pygal, given as an <img> with a data: URI, so they
need no JavaScript, pass the Content-Security-Policy (img-src data:), print, and go into
the PDF board pack as they are. Each has alternative text naming what it shows; the numbers
themselves are always in a table beside it. The board's dashboard (board/charts.py), the
feedback of the people a contract supports (feedback/charts.py) and /what-works
(whatworks/charts.py) draw theirs here.
"""

import base64
import functools
import re
from dataclasses import dataclass

import pygal
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


def bars(
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
