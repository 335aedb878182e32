"""The open contracting data, for anyone, no sign-in: the release package (paged), a
process's record package, and every release as gzipped JSON lines."""

import json
import zlib
from collections.abc import Iterator

from flask import Response, jsonify, request, stream_with_context

from . import bp, packages
from .ocds import need_id_of

# Public data, the same for everyone: shared caches may keep it a little while.
PAGE_CACHE = "public, max-age=60"
BULK_CACHE = "public, max-age=300"


def _error(status: int, message: str) -> Response:
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def _json(body: dict, media_type: str) -> Response:
    response = Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")), mimetype=media_type)
    response.headers["Cache-Control"] = PAGE_CACHE
    return response


@bp.get("/ocds/releases.json")
def releases():
    cursor, since = request.args.get("cursor") or None, request.args.get("since") or None
    try:
        rows, next_cursor = packages.page(cursor, since)
    except packages.BadRequest as error:
        return _error(400, str(error))
    return _json(packages.release_package(rows, request.url, next_cursor, since), "application/json")


@bp.get("/ocds/records/<ocid>.json")
def record(ocid: str):
    package = packages.record_package(ocid, request.url) if need_id_of(ocid) is not None else None
    if package is None:
        return _error(404, f"No contracting process {ocid} is published here")
    return _json(package, "application/json")


def _gzipped_lines() -> Iterator[bytes]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: the gzip format
    for release in packages.every_release():
        chunk = compressor.compress(json.dumps(release, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        if chunk:
            yield chunk
    yield compressor.flush()


@bp.get("/ocds/releases.jsonl.gz")
def releases_bulk():
    response = Response(stream_with_context(_gzipped_lines()), mimetype="application/gzip")
    response.headers["Cache-Control"] = BULK_CACHE
    return response
