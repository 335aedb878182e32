"""Each question's answers as a chart beside its table, drawn as the board's charts are
(marketplace/board/charts.py, which this package sits below): server-side SVG by pygal, an
<img> with a data: URI and alternative text, the numbers in the table beside it. A count
under 5 has no bar (and no value): the table says "fewer than 5"."""

import base64
import functools
import re
from dataclasses import dataclass

import pygal
from flask_babel import gettext as _
from pygal.style import Style

from .summaries import Question, drawn

# The board's style: GOV.UK light blue bars (3:1 with white), near-black text.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#505a5f",
    opacity="1",
    opacity_hover="1",
    colors=("#5694ca",),
    value_colors=("#0b0c0c",),
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
    src: str
    alt: str


def chart(question: Question) -> Chart:
    return _drawn(
        tuple(str(line.label) for line in question.lines),
        tuple(drawn(line.count) for line in question.lines),
        _(
            "Bar chart of the answers to “%(question)s”. Answers given by fewer than 5 people have no bar. "
            "The numbers are in the table beside it.",
            question=question.title,
        ),
    )


def _count_label(value) -> str:
    return "" if value is None else f"{value:,.0f}"


@functools.lru_cache(maxsize=256)
def _drawn(labels: tuple, values: tuple, alt: str) -> Chart:
    bars = pygal.HorizontalBar(
        style=STYLE,
        js=[],
        disable_xml_declaration=True,
        width=480,
        height=70 + 30 * len(labels),
        show_legend=False,
        print_values=True,
        value_formatter=_count_label,
        show_x_labels=False,
        show_y_guides=False,
        show_x_guides=False,
        truncate_label=-1,
        include_x_axis=True,
        margin=8,
        spacing=6,
    )
    bars.x_labels = list(reversed(labels))  # pygal draws the first at the bottom
    bars.add(_("People"), list(reversed(values)))
    svg = re.sub(r"<script\b[^>]*>.*?</script>", "", bars.render(is_unicode=True), flags=re.S)
    return Chart("data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(), alt)
