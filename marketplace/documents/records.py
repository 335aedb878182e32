"""The row that names an uploaded file, once its domain has made it: added, listed on
its owner (a need, a delivery report) and audited the same way whatever it is attached to."""

from typing import Any

from .. import audit
from ..extensions import db


def facts(document: Any) -> dict[str, Any]:
    """What an audit event or a frozen submission says of a stored document."""
    return {
        "document_id": document.id,
        "filename": document.filename,
        "sha256": document.sha256,
        "size_bytes": document.size_bytes,
    }


def record_upload(owner: Any, document: Any, *, action: str, actor, relation: str = "documents") -> None:
    """Add the document's row (its columns from uploads.save_upload), let `owner` list it
    again through `relation`, and audit the upload as `action` against the owner."""
    db.session.add(document)
    db.session.flush()
    db.session.expire(owner, [relation])
    audit.record(action, owner, actor=actor, after=facts(document))
