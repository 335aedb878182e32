"""Sending a stored file back: always as an attachment (never shown inline, so an
uploaded file can't run as a page of the portal), under the name it was uploaded with,
with its checked content type, not sniffed and not kept by any cache. A key that is
malformed or names no file is a 404. Who may download is the calling view's check."""

from typing import Protocol

from flask import Response, abort, send_file

from .store import stored_file


class Stored(Protocol):
    """What serving needs of a row: needs.models.StoredDocument (need, bid and report
    documents) has these columns."""

    storage_key: str
    content_type: str
    filename: str


def send_stored_file(document: Stored, filename: str | None = None) -> Response:
    """The response for a stored document; `filename` overrides the name offered, e.g. the
    one a bid's submission recorded."""
    path = stored_file(document.storage_key)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename if filename is None else filename,
        max_age=0,
    )
    # The app's after_request sets the same two for every download; set here too, so a
    # stored file is never served without them.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
