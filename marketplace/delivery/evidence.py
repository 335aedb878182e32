"""Evidence files of an outcome report: checked and stored as a bid's documents are, while
the report is a draft or returned. A removed file stays stored (a submission may name it)
but is no longer listed."""

from datetime import datetime

from ..contracts.models import ContractMilestone
from ..documents.records import record_upload
from ..timeutil import utcnow
from .drafts import start_report
from .models import OutcomeReport, ReportDocument
from .reports import ReportError, check_editable, lock_report, record_change, report_for


def add_evidence(
    report: OutcomeReport, filename: str, data: bytes, actor, now: datetime | None = None
) -> ReportDocument:
    """Check and store an evidence file (the same checks as a bid's documents)."""
    from ..documents.uploads import DocumentError, save_upload

    now = now or utcnow()
    report = lock_report(report)
    check_editable(report, actor)
    try:
        stored = save_upload(filename, data)
    except DocumentError as error:
        raise ReportError(str(error), "document") from None
    document = ReportDocument(report_id=report.id, uploaded_by_id=actor.id, uploaded_at=now, **stored)
    report.updated_at = now
    record_upload(report, document, action="report.evidence_added", actor=actor)
    return document


def upload_evidence(
    milestone: ContractMilestone, filename: str, data: bytes, *, actor, now: datetime | None = None
) -> ReportDocument:
    """The evidence page's one action: start the milestone's report if need be, and add the file."""
    now = now or utcnow()
    report = report_for(milestone) or start_report(milestone, actor, now)
    return add_evidence(report, filename, data, actor, now)


def remove_evidence(document: ReportDocument, actor, now: datetime | None = None) -> None:
    """Removed files stay stored (a submission may name them), but are no longer listed."""
    now = now or utcnow()
    report = lock_report(document.report)
    check_editable(report, actor)
    if document.removed_at is not None:
        return
    document.removed_at = now
    report.updated_at = now
    before = {"document_id": document.id, "filename": document.filename, "sha256": document.sha256}
    record_change(report, "documents", "report.evidence_removed", actor=actor, before=before)
