"""The board's tables as CSV rows, with the labels the pages show: each table of the area
dashboard, the record of decisions and an organisation's own figures, exactly the numbers
on the page (the reporting package computes them); the routes only write the rows out.
"""

import io

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from .. import csvfiles
from ..money import format_pounds
from .reporting.comparison import comparison
from .reporting.competition import success_rates
from .reporting.national import FEWER, against_national
from .reporting.outcomes import outcomes_by_category
from .reporting.spend import by_size_band, by_type
from .reporting.timeliness import timeliness

TYPE_LABELS = {"vcse": _l("VCSE"), "public": _l("Public"), "private": _l("Private")}
SUCCESS_LABELS = {
    "small": _l("Small (income under £1m)"),
    "medium": _l("Medium"),
    "large": _l("Large"),
    "vcse": _l("VCSE"),
    "public": _l("Public"),
    "private": _l("Private"),
}
BAND_LABELS = {
    "micro": _l("Micro (under £100,000)"),
    "small": _l("Small (under £1m)"),
    "medium": _l("Medium (under £10m)"),
    "large": _l("Large"),
}
ROLE_LABELS = {"lead": _l("As lead"), "partner": _l("As a consortium partner")}
ORGANISATION_TABLES = ("bids", "contracts", "payments", "outcomes")

# The CSV files' column names, in the page's language (the English are the names the
# files have always had).
COLUMNS = {
    "group": lazy_pgettext("CSV column", "group"),
    "spend_pence": lazy_pgettext("CSV column", "spend_pence"),
    "spend": lazy_pgettext("CSV column", "spend"),
    "awards": lazy_pgettext("CSV column", "awards"),
    "award_value_pence": lazy_pgettext("CSV column", "award_value_pence"),
    "bidders": lazy_pgettext("CSV column", "bidders"),
    "bids": lazy_pgettext("CSV column", "bids"),
    "won": lazy_pgettext("CSV column", "won"),
    "category": lazy_pgettext("CSV column", "category"),
    "contracts": lazy_pgettext("CSV column", "contracts"),
    "people_expected": lazy_pgettext("CSV column", "people_expected"),
    "achieved": lazy_pgettext("CSV column", "achieved"),
    "partly_achieved": lazy_pgettext("CSV column", "partly_achieved"),
    "not_achieved": lazy_pgettext("CSV column", "not_achieved"),
    "score": lazy_pgettext("CSV column", "score"),
    "rate": lazy_pgettext("CSV column", "rate"),
    "area": lazy_pgettext("CSV column", "area"),
    "vcse_share": lazy_pgettext("CSV column", "vcse_share"),
    "local_share": lazy_pgettext("CSV column", "local_share"),
    "bids_per_lot": lazy_pgettext("CSV column", "bids_per_lot"),
    "median_days_to_pay": lazy_pgettext("CSV column", "median_days_to_pay"),
    "overdue_now": lazy_pgettext("CSV column", "overdue_now"),
    "payments_paid": lazy_pgettext("CSV column", "payments_paid"),
    "median_days": lazy_pgettext("CSV column", "median_days"),
    "paid_within_10_days": lazy_pgettext("CSV column", "paid_within_10_days"),
    "when_utc": lazy_pgettext("CSV column", "when_utc"),
    "decision": lazy_pgettext("CSV column", "decision"),
    "need_id": lazy_pgettext("CSV column", "need_id"),
    "need": lazy_pgettext("CSV column", "need"),
    "object": lazy_pgettext("CSV column", "object"),
    "object_id": lazy_pgettext("CSV column", "object_id"),
    "by": lazy_pgettext("CSV column", "by"),
    "reason": lazy_pgettext("CSV column", "reason"),
    "role": lazy_pgettext("CSV column", "role"),
    "decided": lazy_pgettext("CSV column", "decided"),
    "success_rate": lazy_pgettext("CSV column", "success_rate"),
    "contracts_running": lazy_pgettext("CSV column", "contracts_running"),
    "value_pence": lazy_pgettext("CSV column", "value_pence"),
    "value": lazy_pgettext("CSV column", "value"),
    "paid_pence": lazy_pgettext("CSV column", "paid_pence"),
    "paid": lazy_pgettext("CSV column", "paid"),
    "area_people_reported": lazy_pgettext("CSV column", "area_people_reported"),
    "area_rate": lazy_pgettext("CSV column", "area_rate"),
    "national_people_reported": lazy_pgettext("CSV column", "national_people_reported"),
    "national_rate": lazy_pgettext("CSV column", "national_rate"),
}


def header(*names: str) -> list[str]:
    """A CSV file's first row: its columns' names in the page's language."""
    return [str(COLUMNS[name]) for name in names]


def as_csv(rows: list[list]) -> str:
    """Rows as the text of a CSV file whose cells cannot start a formula."""
    out = io.StringIO()
    writer = csvfiles.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def _decimal(value) -> str:
    """A share or a number of days to four places; empty when there is none."""
    return "" if value is None else f"{float(value):.4f}"


def _split_rows(rows, labels) -> list[list]:
    return [header("group", "spend_pence", "spend", "awards", "award_value_pence")] + [
        [str(labels[row.key]), row.spend_pence, format_pounds(row.spend_pence), row.awards, row.award_value_pence]
        for row in rows
    ]


def _success_rows(scope, period) -> list[list]:
    return [header("bidders", "bids", "won")] + [
        [str(SUCCESS_LABELS[row.key]), row.bids, row.won] for row in success_rates(scope, period)
    ]


def _outcome_rows(scope, period) -> list[list]:
    return [
        header("category", "contracts", "people_expected", "achieved", "partly_achieved", "not_achieved", "score")
    ] + [
        [row.category, row.contracts, row.expected_people, row.achieved, row.partly, row.not_achieved, float(row.score)]
        for row in outcomes_by_category(scope, period)
    ]


def _national_rows(scope, period) -> list[list]:
    """The area's outcome rates beside the nation's; fewer than FEWER people are not shown."""
    fewer = _("fewer than %(n)s", n=FEWER)
    return [header("category", "area_people_reported", "area_rate", "national_people_reported", "national_rate")] + [
        [
            row.category,
            fewer if row.area_people is None else row.area_people,
            fewer if row.area_rate is None else _decimal(row.area_rate),
            fewer if row.national_people is None else row.national_people,
            fewer if row.national_rate is None else _decimal(row.national_rate),
        ]
        for row in against_national(scope, period)
    ]


def _comparison_rows(area, period, now) -> list[list]:
    return [
        header("area", "spend_pence", "vcse_share", "local_share", "bids_per_lot", "median_days_to_pay", "overdue_now")
    ] + [
        [
            row.name,
            row.shares.spend_pence,
            _decimal(row.shares.vcse),
            _decimal(row.shares.local),
            _decimal(row.activity.bids_per_lot),
            _decimal(row.timeliness.median_days),
            row.timeliness.overdue_now,
        ]
        for row in comparison(area, period, now)
    ]


def _timeliness_rows(scope, period, now) -> list[list]:
    t = timeliness(scope, period, now)
    return [
        header("payments_paid", "median_days", "paid_within_10_days", "overdue_now"),
        [t.paid, "" if t.median_days is None else float(t.median_days), t.within_target, t.overdue_now],
    ]


def dashboard_rows(figure: str, area, scope, period, now) -> list[list] | None:
    """The rows of one table of the area dashboard, its header first; None for a table
    the dashboard does not have."""
    if figure == "size-bands":
        return _split_rows(by_size_band(scope, period), BAND_LABELS)
    if figure == "types":
        return _split_rows(by_type(scope, period), TYPE_LABELS)
    if figure == "success":
        return _success_rows(scope, period)
    if figure == "outcomes":
        return _outcome_rows(scope, period)
    if figure == "comparison":
        return _comparison_rows(area, period, now)
    if figure == "national":
        return _national_rows(scope, period)
    if figure == "timeliness":
        return _timeliness_rows(scope, period, now)
    return None


def decision_rows(decisions) -> list[list]:
    """The record of decisions (decisions.decisions), its header first."""
    rows = [header("when_utc", "decision", "need_id", "need", "object", "object_id", "by", "reason")]
    for d in decisions:
        event = d.event
        actor = event.actor.name if getattr(event, "actor", None) is not None else _("The portal")
        rows.append(
            [
                event.occurred_at.isoformat(),
                str(d.label),
                d.need.id,
                d.need.local_title,
                event.object_type,
                event.object_id,
                actor,
                event.reason or "",
            ]
        )
    return rows


def organisation_rows(figure: str, figures) -> list[list]:
    """The rows of one table of an organisation's own figures (one of ORGANISATION_TABLES),
    its header first."""
    if figure == "bids":
        counted = {"lead": figures.bids_led, "partner": figures.bids_as_partner}
        return [header("role", "bids", "decided", "won", "success_rate")] + [
            [str(ROLE_LABELS[row.key]), counted[row.key], row.bids, row.won, _decimal(row.rate)]
            for row in figures.success
        ]
    if figure == "contracts":
        return [
            header("contracts_running", "value_pence", "value"),
            [figures.contracts_running, figures.contracts_value_pence, format_pounds(figures.contracts_value_pence)],
        ]
    if figure == "payments":
        p = figures.payments
        return [
            header("payments_paid", "paid_pence", "paid", "median_days", "paid_within_10_days", "overdue_now"),
            [
                p.paid,
                figures.paid_pence,
                format_pounds(figures.paid_pence),
                _decimal(p.median_days),
                p.within_target,
                p.overdue_now,
            ],
        ]
    return [
        header(
            "category", "contracts", "people_expected", "achieved", "partly_achieved", "not_achieved", "score", "rate"
        )
    ] + [
        [
            row.category,
            row.contracts,
            row.expected_people,
            row.achieved,
            row.partly,
            row.not_achieved,
            _decimal(row.score),
            _decimal(row.rate),
        ]
        for row in figures.outcomes
    ]
