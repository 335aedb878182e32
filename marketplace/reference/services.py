"""Load reference data from the CSV files shipped in reference/data/.

Loading is idempotent: rows are matched by code, created when new and updated when their
name (English or Welsh), parent or dates changed. A row is never deleted; one that stops applying gets a
`valid_to` date in its CSV.
"""

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from .. import audit
from ..extensions import db
from .cache import AreaRef, CategoryRef, snapshot
from .models import Area, AreaKind, DesiredOutcome, ServiceCategory

DATA = Path(__file__).parent / "data"


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: dict[str, int], table: str) -> None:
        bucket[table] = bucket.get(table, 0) + 1

    def __str__(self) -> str:
        tables = sorted(set(self.created) | set(self.updated))
        if not tables:
            return "Reference data is up to date."
        return "; ".join(f"{t}: {self.created.get(t, 0)} added, {self.updated.get(t, 0)} updated" for t in tables)


def _rows(name: str, data_dir: Path) -> list[dict[str, str]]:
    with open(data_dir / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text and text.strip() else None


def _welsh(row: dict[str, str], column: str) -> str:
    """A row's Welsh name: empty (the same as the English) when the cell or column is."""
    return (row.get(column) or "").strip()


def _upsert(model, key: dict, values: dict, report: LoadReport):
    row = db.session.scalar(sa.select(model).filter_by(**key))
    if row is None:
        row = model(**key, **values)
        db.session.add(row)
        audit.record("reference.created", row, after={**key, **_jsonable(values)})
        report.count(report.created, model.__tablename__)
        return row
    before = {k: getattr(row, k) for k in values}
    if before != values:
        for k, v in values.items():
            setattr(row, k, v)
        audit.record("reference.updated", row, before=_jsonable(before), after=_jsonable(values))
        report.count(report.updated, model.__tablename__)
    return row


def _jsonable(values: dict) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _in_force(row: dict) -> dict:
    """A CSV row's dates in force: valid_from and valid_to (empty: still in force)."""
    return {"valid_from": _date(row["valid_from"]), "valid_to": _date(row["valid_to"])}


def load_reference(data_dir: Path = DATA) -> LoadReport:
    """Bring the reference tables in line with the CSV files. The caller commits."""
    report = LoadReport()
    regions = {}
    for r in _rows("probation_regions.csv", data_dir):
        regions[r["region_code"]] = _upsert(
            Area,
            {"code": r["region_code"]},
            {
                "name": r["region_name"],
                "name_cy": _welsh(r, "region_name_cy"),
                "kind": AreaKind.REGION,
                "parent_id": None,
                **_in_force(r),
            },
            report,
        )
    db.session.flush()
    for r in _rows("probation_delivery_units.csv", data_dir):
        _upsert(
            Area,
            {"code": r["pdu_code"]},
            {
                "name": r["pdu_name"],
                "name_cy": _welsh(r, "pdu_name_cy"),
                "kind": AreaKind.PDU,
                "parent_id": regions[r["region_code"]].id,
                **_in_force(r),
            },
            report,
        )
    categories = {}
    for r in _rows("service_categories.csv", data_dir):
        categories[r["code"]] = _upsert(
            ServiceCategory,
            {"code": r["code"]},
            {
                "name": r["name"],
                "name_cy": _welsh(r, "name_cy"),
                "national": r["national"].strip().lower() == "true",
                **_in_force(r),
            },
            report,
        )
    db.session.flush()
    for r in _rows("desired_outcomes.csv", data_dir):
        _upsert(
            DesiredOutcome,
            {"code": r["code"], "version": int(r["version"])},
            {
                "category_id": categories[r["category_code"]].id,
                "text": r["text"],
                "text_cy": _welsh(r, "text_cy"),
                **_in_force(r),
            },
            report,
        )
    db.session.flush()
    return report


def current_regions(on: date | None = None) -> list[AreaRef]:
    """Regions in force today (by name), each with its delivery units; from the process's
    snapshot (cache.py), so no query."""
    return [r for r in snapshot().regions if r.is_current(on)]


def current_pdus(on: date | None = None) -> list[AreaRef]:
    """Delivery units in force today, by name, each with its region's id and name."""
    return [p for p in snapshot().pdus if p.is_current(on)]


def current_categories(on: date | None = None) -> list[CategoryRef]:
    """Service categories in force today, national ones first, then by name."""
    return [c for c in snapshot().categories if c.is_current(on)]
