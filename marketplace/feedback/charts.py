"""Each question's answers as a chart beside its table, drawn as the board's charts are
(marketplace/charting.py). A count under 5 has no bar (and no value): the table says
"fewer than 5"."""

from flask_babel import gettext as _

from ..charting import Chart, bars
from .summaries import Question, drawn


def chart(question: Question) -> Chart:
    return bars(
        [str(line.label) for line in question.lines],
        [(_("People"), [drawn(line.count) for line in question.lines])],
        alt=_(
            "Bar chart of the answers to “%(question)s”. Answers given by fewer than 5 people have no bar. "
            "The numbers are in the table beside it.",
            question=question.title,
        ),
        formatter=_count_label,
    )


def _count_label(value) -> str:
    return "" if value is None else f"{value:,.0f}"
