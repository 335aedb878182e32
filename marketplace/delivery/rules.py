"""Who may review an outcome report and read its evidence: the rows `report.*` of the
table in marketplace/permissions.py, registered there by @rule."""

from ..contracts.rules import leads_contract, not_a_party, reads_contract
from ..permissions import Action, commissions, rule


@rule(Action.REVIEW_REPORT)
def _review_report(user, report) -> bool:
    contract = report.contract
    return commissions(user, contract.need.area) and not_a_party(user, contract)


@rule(Action.READ_EVIDENCE)
def _read_evidence(user, document) -> bool:
    """A file of an outcome report: the lead's members read their draft's files; everyone
    else who reads the contract reads only files a submission sent (kept even if the
    provider later removed them from the draft)."""
    report = document.report
    sent = any(
        d.get("sha256") == document.sha256 for s in report.submissions for d in (s.content or {}).get("documents", [])
    )
    if document.removed_at is None and leads_contract(user, report.contract):
        return True
    return sent and reads_contract(user, report.contract)
