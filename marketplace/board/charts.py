"""The dashboard's charts: server-side SVG drawn by pygal from the same rows as the table
beside each chart (the reporting package computes them). A chart is an <img> with a data: URI, so
it needs no JavaScript, passes the Content-Security-Policy (img-src data:), prints, and
goes into the PDF board pack as it is. Its alternative text names what it shows; the
numbers themselves are in the table next to it.

Charts show pounds and percentages rounded for reading; the tables and CSV downloads
carry the exact figures.
"""

from fractions import Fraction

from flask_babel import gettext as _

from ..charting import Chart, bars


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
    return bars(
        [str(labels[r.key]) for r in rows],
        [
            (_("Spend (paid)"), [pounds(r.spend_pence) for r in rows]),
            (_("Value awarded"), [pounds(r.award_value_pence) for r in rows]),
        ],
        alt=alt,
        formatter=_pounds_label,
    )


def success(rows, labels: dict, *, alt: str | None = None) -> Chart:
    return bars(
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
    return bars(
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
    return bars(
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
    return bars(
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
    return bars(
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
