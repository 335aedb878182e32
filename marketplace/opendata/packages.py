"""Reading the releases back: a page of the release package (newest first, keyset paging
by (date, id), after a date), a process's record package with the compiled release merged
by ocdsmerge from the release schema shipped here, and every release for bulk download.
What is served is the release as stored."""

import base64
import binascii
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import ocdsmerge
import sqlalchemy as sa
from flask import current_app, request, url_for

from ..extensions import db
from ..timeutil import utcnow
from . import ocds
from .models import OcdsRelease

PAGE_SIZE = 100
SCHEMA_DIR = Path(__file__).resolve().parent / "schema"


class BadRequest(ValueError):
    """A cursor or a date that cannot be read; the message is fit to show."""


# Paging ----------------------------------------------------------------------------------


def encode_cursor(row: OcdsRelease) -> str:
    raw = f"{row.date.astimezone(UTC).isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, row_id = raw.partition("|")
        at = datetime.fromisoformat(moment)
        if at.tzinfo is None or not row_id.isascii() or not row_id.isdigit() or len(row_id) > 18:
            raise ValueError(raw)
        return at.astimezone(UTC), int(row_id)
    except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise BadRequest("The cursor is not one this service gave: follow links.next from the previous page") from None


def parse_since(since: str) -> datetime:
    """An ISO 8601 date-time (a time zone, or UTC if none) or a date (its start, UTC)."""
    try:
        moment = datetime.fromisoformat(since)
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise BadRequest("since must be an ISO 8601 date-time, such as 2026-04-01T00:00:00Z") from None


def page(cursor: str | None, since: str | None) -> tuple[list[OcdsRelease], str | None]:
    """The next PAGE_SIZE releases newest first, and the cursor of the page after, if any."""
    query = sa.select(OcdsRelease).order_by(OcdsRelease.date.desc(), OcdsRelease.id.desc())
    if since:
        query = query.where(OcdsRelease.date > parse_since(since))
    if cursor:
        at, row_id = decode_cursor(cursor)
        # A row comparison: PostgreSQL reads it as a range of the (date, id) index, where
        # "date < at OR (date = at AND id < row_id)" (the same rows) walked and filtered every
        # newer release first, so page N cost N pages (README: Open contracting data at
        # national scale).
        query = query.where(
            sa.tuple_(OcdsRelease.date, OcdsRelease.id)
            < sa.tuple_(sa.literal(at, OcdsRelease.date.type), sa.literal(row_id))
        )
    rows = list(db.session.scalars(query.limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (encode_cursor(rows[-1]) if more else None)


# Packages --------------------------------------------------------------------------------


def _metadata(uri: str, published: datetime | None) -> dict:
    return {
        "uri": uri,
        "version": "1.1",
        "extensions": ocds.EXTENSIONS,
        "publishedDate": ocds.iso(published or utcnow()),
        "publisher": {"name": current_app.config["SERVICE_NAME"], "uri": request.host_url},
        "license": ocds.LICENSE,
        # The page that explains the data (built apart from these endpoints).
        "publicationPolicy": request.host_url.rstrip("/") + "/open-data",
    }


def release_package(rows: list[OcdsRelease], uri: str, next_cursor: str | None, since: str | None) -> dict:
    package = _metadata(uri, max((r.created_at for r in rows), default=None))
    package["releases"] = [row.release for row in rows]
    if next_cursor:
        args = {"cursor": next_cursor, **({"since": since} if since else {})}
        package["links"] = {"next": url_for("opendata.releases", _external=True, **args)}
    return package


@cache
def release_schema() -> dict:
    return json.loads((SCHEMA_DIR / "release-schema.json").read_text())


@cache
def merger() -> ocdsmerge.Merger:
    """Merge rules from the schema file shipped in the package: never fetched."""
    return ocdsmerge.Merger(schema=release_schema())


def record_package(ocid: str, uri: str) -> dict | None:
    rows = list(
        db.session.scalars(
            sa.select(OcdsRelease).where(OcdsRelease.ocid == ocid).order_by(OcdsRelease.date, OcdsRelease.id)
        )
    )
    if not rows:
        return None
    releases = [row.release for row in rows]
    package = _metadata(uri, max(r.created_at for r in rows))
    package["records"] = [
        {"ocid": ocid, "releases": releases, "compiledRelease": merger().create_compiled_release(releases)}
    ]
    return package


def every_release() -> Iterator[dict]:
    """Every release, oldest first, read a batch at a time."""
    query = sa.select(OcdsRelease.release).order_by(OcdsRelease.date, OcdsRelease.id)
    for (release,) in db.session.execute(query.execution_options(yield_per=500)):
        yield release
