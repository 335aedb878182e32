"""What a contract's timeline and a payment's history call each audit event, in the
page's language. The audit record keeps its action code (stored data, not translated);
an action with no label here is shown as its code reads."""

from flask_babel import lazy_gettext as _l

# The timeline's heading for each action: 'Report: submitted'.
HEADINGS = {
    "contract.created": _l("Contract: created"),
    "contract.varied": _l("Contract: varied"),
    "contract.variation_proposed": _l("Contract: variation proposed"),
    "contract.variation_declined": _l("Contract: variation declined"),
    "report.started": _l("Report: started"),
    "report.draft_saved": _l("Report: draft saved"),
    "report.submitted": _l("Report: submitted"),
    "report.approved": _l("Report: approved"),
    "report.returned": _l("Report: returned"),
    "report.evidence_added": _l("Report: evidence added"),
    "report.evidence_removed": _l("Report: evidence removed"),
    "payment.payable": _l("Payment: payable"),
    "payment.paid": _l("Payment: paid"),
    "payment.processing": _l("Payment: processing"),
    "payment.failed": _l("Payment: failed"),
    "payment.reversed": _l("Payment: reversed"),
    "payment.not_sent": _l("Payment: not sent"),
}

# A payment's history names each event by what happened to it: 'Paid'.
NAMES = {
    "payment.payable": _l("Payable"),
    "payment.paid": _l("Paid"),
    "payment.processing": _l("Processing"),
    "payment.failed": _l("Failed"),
    "payment.reversed": _l("Reversed"),
    "payment.not_sent": _l("Not sent"),
}


def event_heading(action: str) -> str:
    """'report.draft_saved' -> 'Report: draft saved' (in Welsh on a Welsh page)."""
    label = HEADINGS.get(action)
    return str(label) if label is not None else action.replace("_", " ").replace(".", ": ").capitalize()


def event_name(action: str) -> str:
    """'payment.not_sent' -> 'Not sent' (in Welsh on a Welsh page)."""
    label = NAMES.get(action)
    return str(label) if label is not None else action.split(".")[-1].replace("_", " ").capitalize()
