"""Documents attached to a need: checked, stored and recorded by marketplace.documents (uploads.py,
store.py, records.py) as NeedDocument rows with an audit event, removed without being
deleted, and served only through a permission check (see routes_manage.download_document).
"""

from .. import audit
from ..documents.records import record_upload
from ..documents.uploads import save_upload
from ..timeutil import utcnow
from .models import Need, NeedDocument


def store_document(need: Need, *, filename: str, data: bytes, actor) -> NeedDocument:
    """Check, store and record an uploaded file for a need."""
    document = NeedDocument(need_id=need.id, uploaded_by_id=actor.id, **save_upload(filename, data))
    record_upload(need, document, action="need.document_uploaded", actor=actor)
    return document


def remove_document(document: NeedDocument, *, actor) -> None:
    """Removed documents stay on disk and in the table (nothing is deleted), but are no
    longer listed or served."""
    if document.removed_at is not None:
        return
    document.removed_at = utcnow()
    audit.record(
        "need.document_removed",
        document.need,
        actor=actor,
        before={"document_id": document.id, "filename": document.filename, "sha256": document.sha256},
    )


def current_documents(need: Need) -> list[NeedDocument]:
    return [d for d in need.documents if d.removed_at is None]
