"""The area dashboard for board members and commissioners: each figure from the reporting package
as a table, for a period (the financial year by default, or any dates) and optionally one
delivery unit or service category; the same numbers as CSV.

Bad query strings (dates out of order or absurd, an unknown category, a delivery unit of
another area) get a GOV.UK error and status 400, never a 500.
"""

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..errors import render_error
from ..extensions import db
from ..paging import requested_page
from ..permissions import Action, require
from ..reference.models import Area, AreaKind, ServiceCategory
from ..timeutil import london_date, utcnow
from . import bp, charts, tables
from . import decisions as decision_record
from .reporting.comparison import comparison
from .reporting.competition import activity, success_rates
from .reporting.national import FEWER, against_national
from .reporting.outcomes import outcomes_by_category
from .reporting.ratings import rating_counts
from .reporting.scope import Period, Scope
from .reporting.spend import by_size_band, by_type, shares
from .reporting.timeliness import timeliness
from .tables import BAND_LABELS, SUCCESS_LABELS, TYPE_LABELS

EARLIEST = date(2015, 1, 1)


def _date(name: str, errors: dict) -> date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        errors[name] = _("Enter a real date, like 2026-04-01")
        return None
    if not EARLIEST <= day <= date(2100, 12, 31):
        errors[name] = _("Enter a date between %(first)s and %(last)s", first=EARLIEST.year, last=2100)
        return None
    return day


def period_asked(errors: dict) -> Period:
    """The period in the query string (`from` and `to`, inclusive London dates), the
    financial year by default or where wrong; what is wrong goes into `errors` by field."""
    default = Period.financial_year(london_date(utcnow()))
    start, end = _date("from", errors), _date("to", errors)
    period = Period(start or default.start, end or default.end)
    if period.end < period.start:
        errors["to"] = _("The end date must be the same as or after the start date")
        period = default
    return period


def _area(area_id: int) -> Area:
    """The area whose figures are asked for, for its board members and commissioners only."""
    area = db.get_or_404(Area, area_id)
    require(current_user, Action.VIEW_DASHBOARD, area)
    return area


def _pdus(area: Area) -> list[Area]:
    """The delivery units a filter offers: the area itself, or a region's units."""
    return [area] if area.kind == AreaKind.PDU else area.children


def _query(area: Area) -> tuple[Scope, Period, dict, dict]:
    """The scope and period asked for, with errors by field (defaults where wrong)."""
    errors: dict[str, str] = {}
    period = period_asked(errors)
    pdus = {a.id for a in _pdus(area)}
    area_ids = area.ids_covered
    chosen_pdu = request.args.get("pdu", "").strip()
    if chosen_pdu:
        if not chosen_pdu.isdigit() or int(chosen_pdu) not in pdus:
            errors["pdu"] = _("Choose a delivery unit of this area")
        else:
            area_ids = (int(chosen_pdu),)
    category_id = None
    chosen_category = request.args.get("category", "").strip()
    if chosen_category:
        known = db.session.scalars(sa.select(ServiceCategory.id)).all()
        if not chosen_category.isdigit() or int(chosen_category) not in known:
            errors["category"] = _("Choose a service category from the list")
        else:
            category_id = int(chosen_category)
    values = {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "pdu": chosen_pdu,
        "category": chosen_category,
    }
    return Scope(area_ids=area_ids, category_id=category_id), period, errors, values


def _filters(area: Area) -> dict:
    """The choices the filter form offers."""
    categories = db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.name)).all()
    return {"pdus": _pdus(area), "categories": categories}


def _figures(area: Area, scope, period, errors: dict, values: dict) -> dict:
    """What the dashboard and the board pack show: every figure, where the area stands
    among its peers, a chart drawn from each (the same rows the tables show), and the query
    to carry into their links."""
    now = utcnow()
    figures = {
        "bands": by_size_band(scope, period),
        "types": by_type(scope, period),
        "shares": shares(scope, period),
        "timeliness": timeliness(scope, period, now),
        "activity": activity(scope, period, now),
        "success": success_rates(scope, period),
        "outcomes": outcomes_by_category(scope, period),
        "peers": comparison(area, period, now),
    }
    figures["national"] = against_national(scope, period, figures["outcomes"])
    figures["charts"] = {
        "bands": charts.split(
            figures["bands"],
            BAND_LABELS,
            alt=_(
                "Bar chart of spend and value awarded by the size of the lead organisation. "
                "The numbers are in the table beside it."
            ),
        ),
        "types": charts.split(
            figures["types"],
            TYPE_LABELS,
            alt=_(
                "Bar chart of spend and value awarded by the type of the lead organisation. "
                "The numbers are in the table beside it."
            ),
        ),
        "success": charts.success(figures["success"], SUCCESS_LABELS),
        "outcomes": charts.outcomes(figures["outcomes"]),
        "timeliness": charts.timeliness(figures["timeliness"]),
        "comparison": charts.comparison(figures["peers"]),
        "national": charts.national(figures["national"]),
    }
    return {
        **figures,
        "area": area,
        "period": period,
        "errors": errors,
        "values": values,
        "query_args": {k: v for k, v in values.items() if v and k not in errors},
        "band_labels": BAND_LABELS,
        "type_labels": TYPE_LABELS,
        "success_labels": SUCCESS_LABELS,
        "fewer": FEWER,
    }


def download(body, name: str, mimetype: str = "text/csv") -> Response:
    """A file to save, as `name`."""
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/areas/<int:area_id>/dashboard")
@login_required
def dashboard(area_id):
    area = _area(area_id)
    scope, period, errors, values = _query(area)
    return render_template(
        "board/dashboard.html", **_filters(area), **_figures(area, scope, period, errors, values)
    ), 400 if errors else 200


def _bad_query(errors: dict):
    """A download asked for with a bad query: what is wrong, in words, with status 400."""
    return render_error(400, _("There is a problem with the query"), " ".join(errors.values()))


@bp.get("/areas/<int:area_id>/dashboard/<figure>.csv")
@login_required
def dashboard_csv(area_id, figure):
    """Exactly the numbers of one table of the dashboard, for the same query."""
    area = _area(area_id)
    scope, period, errors, _values = _query(area)
    if errors:
        return _bad_query(errors)
    rows = tables.dashboard_rows(figure, area, scope, period, utcnow())
    if rows is None:
        abort(404)
    return download(
        tables.as_csv(rows), f"{area.code}-{figure}-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    )


def _pack(area):
    """Everything the board pack shows, for the query asked."""
    from . import reviews

    scope, period, errors, values = _query(area)
    year = Period.financial_year(period.end).start.year
    page, partnerships = reviews.partnerships(scope.area_ids, year, page=1, per_page=100)
    return errors, dict(
        prepared_at=utcnow(),
        chosen_pdu=db.session.get(Area, scope.area_ids[0]) if values["pdu"] and not errors.get("pdu") else None,
        chosen_category=db.session.get(ServiceCategory, scope.category_id) if scope.category_id else None,
        year=year,
        rating_counts=rating_counts(scope.area_ids, year),
        partnerships=partnerships,
        partnership_total=page.total,
        decisions=decision_record.decisions(scope, period, limit=30),
        **_figures(area, scope, period, errors, values),
    )


def pdf_available() -> bool:
    """WeasyPrint needs the Pango library of the operating system; without it the pack is
    printed from the browser instead."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


@bp.get("/areas/<int:area_id>/board-pack")
@login_required
def pack(area_id):
    """The board pack: the dashboard, the year's ratings and the latest decisions, laid out to print."""
    area = _area(area_id)
    errors, context = _pack(area)
    return render_template(
        "board/pack.html", pdf_available=pdf_available(), **_filters(area), **context
    ), 400 if errors else 200


@bp.get("/areas/<int:area_id>/board-pack.pdf")
@login_required
def pack_pdf(area_id):
    area = _area(area_id)
    errors, context = _pack(area)
    if errors:
        return _bad_query(errors)
    if not pdf_available():
        flash(_("This server cannot make PDFs. Print this page, or save it as a PDF from the print dialogue."))
        return redirect(url_for("board.pack", area_id=area.id, **context["query_args"]))
    import weasyprint

    html = render_template("board/pack_pdf.html", **context)
    # Only the pack's own stylesheet (a file) and its charts (data: URIs) are ever read.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols={"file", "data"})
    pdf = weasyprint.HTML(
        string=html, base_url=Path(current_app.static_folder).as_uri() + "/", url_fetcher=fetcher
    ).write_pdf()
    period = context["period"]
    return download(
        pdf, f"{area.code}-board-pack-{period.start.isoformat()}-to-{period.end.isoformat()}.pdf", "application/pdf"
    )


def _kind(errors: dict) -> str | None:
    kind = request.args.get("kind", "").strip()
    if kind and kind not in decision_record.KINDS:
        errors["kind"] = _("Choose a kind of decision from the list")
        return None
    return kind or None


def _link(decision) -> str:
    """Where a decision's object is read: the contract, the payment, the partnership's
    reviews, or the need."""
    event = decision.event
    if event.object_type == "contracts":
        return url_for("contracts.show", contract_id=event.object_id)
    if event.object_type == "payments":
        return url_for("payments.show", payment_id=event.object_id)
    if event.object_type == "partnership_reviews":
        from .models import PartnershipReview

        review = db.session.get(PartnershipReview, event.object_id)
        assert review is not None  # reviews are never deleted
        return url_for("board.contract_reviews", contract_id=review.contract_id)
    return url_for("needs.show_need", need_id=decision.need.id)


@bp.get("/areas/<int:area_id>/decisions")
@login_required
def decisions(area_id):
    """The record of decisions: read-only, newest first, filtered like the dashboard."""
    area = _area(area_id)
    scope, period, errors, values = _query(area)
    kind = _kind(errors)
    values["kind"] = kind or ""
    page = db.paginate(decision_record.query(scope, period, kind), page=requested_page(), per_page=50, error_out=False)
    rows = decision_record.with_needs(page.items)
    return render_template(
        "board/decisions.html",
        area=area,
        period=period,
        errors=errors,
        values=values,
        **_filters(area),
        kinds=decision_record.KINDS,
        rows=[(d, _link(d)) for d in rows],
        page=page,
    ), 400 if errors else 200


@bp.get("/areas/<int:area_id>/decisions.csv")
@login_required
def decisions_csv(area_id):
    area = _area(area_id)
    scope, period, errors, _values = _query(area)
    kind = _kind(errors)
    if errors:
        return _bad_query(errors)
    rows = tables.decision_rows(decision_record.decisions(scope, period, kind))
    return download(
        tables.as_csv(rows), f"{area.code}-decisions-{period.start.isoformat()}-to-{period.end.isoformat()}.csv"
    )
