"""The releases of a contract's life: made (`contract`), each payment paid and each outcome
report submitted, approved or returned (`implementation`), and each variation in effect
(`contractAmendment`). Reports are published as milestone statuses and the numbers of
people reported; never the narrative, a case study, evidence or a person's data."""

from datetime import datetime

from ..contracts.models import Contract, ContractMilestone, ContractVariation
from ..delivery.models import ReportDecision, ReportSubmission
from ..payments.models import Payment
from . import ocds
from .tendering import award_id, lot_id


def contract_id(contract: Contract) -> str:
    return f"contract-{contract.id}"


def milestone_id(milestone: ContractMilestone) -> str:
    return f"contract-{milestone.contract_id}-milestone-{milestone.number}"


def _head(contract: Contract) -> dict:
    return {"id": contract_id(contract), "awardID": award_id(contract.lot, contract.decision_id)}


def _schedule(contract: Contract) -> list[dict]:
    return [
        {
            "id": milestone_id(m),
            "title": m.title,
            "type": "financing" if m.is_advance else "delivery",
            "dueDate": ocds.day_start(m.due_on),
            "status": "scheduled",
            "description": f"Payment of {ocds.value(m.amount_pence)['amount']} {ocds.CURRENCY}",
        }
        for m in contract.milestones
    ]


def _period(contract: Contract) -> dict:
    return {"startDate": ocds.day_start(contract.starts_on), "endDate": ocds.day_end(contract.ends_on)}


def _suppliers(contract: Contract) -> list[dict]:
    return [ocds.organisation_party(p.organisation, ["supplier"]) for p in contract.parties]


def contract_release(contract: Contract, at: datetime) -> tuple[str, dict]:
    need = contract.need
    release_id = f"{ocds.ocid_for(need.id)}-contract-{contract.id}"
    release = ocds.frame(need, release_id, "contract", at)
    release["contracts"] = [
        {
            **_head(contract),
            "title": contract.title,
            "status": "active",
            "period": _period(contract),
            "value": ocds.value(contract.value_pence),
            "dateSigned": ocds.iso(at),
            "items": [
                {"id": lot_id(contract.lot), "description": contract.lot.title, "relatedLot": lot_id(contract.lot)}
            ],
            "milestones": _schedule(contract),
        }
    ]
    release["parties"] += _suppliers(contract)
    return release_id, release


def payment_release(payment: Payment, at: datetime) -> tuple[str, dict]:
    """A payment paid: a transaction from the area to the lead organisation."""
    contract = payment.contract
    need = contract.need
    release_id = f"{ocds.ocid_for(need.id)}-payment-{payment.id}-paid-{payment.attempt}"
    release = ocds.frame(need, release_id, "implementation", at)
    release["parties"][0]["roles"] = ["buyer", "payer"]
    paid = ocds.day_start(payment.paid_on) if payment.paid_on else ocds.iso(payment.paid_at or at)
    release["contracts"] = [
        {
            **_head(contract),
            "implementation": {
                "transactions": [
                    {
                        "id": f"payment-{payment.id}",
                        "date": paid,
                        "value": ocds.value(payment.amount_pence),
                        "payer": ocds.buyer_reference(need.area),
                        "payee": ocds.organisation_reference(contract.organisation),
                    }
                ]
            },
        }
    ]
    release["parties"].append(ocds.organisation_party(contract.organisation, ["payee"]))
    return release_id, release


REPORT_STEP = {
    None: ("submitted", "scheduled", "Outcome report submitted, waiting for the commissioner's review"),
    ReportDecision.APPROVED: ("approved", "met", "Outcome report approved"),
    ReportDecision.RETURNED: ("returned", "scheduled", "Outcome report returned to the provider for changes"),
}


def report_release(submission: ReportSubmission, at: datetime) -> tuple[str, dict]:
    """An outcome report's step: the milestone's status, and once approved the numbers of
    people referred, started and completed."""
    report = submission.report
    contract = report.contract
    need = contract.need
    step, status, description = REPORT_STEP[submission.decision]
    release_id = f"{ocds.ocid_for(need.id)}-report-{submission.id}-{step}"
    release = ocds.frame(need, release_id, "implementation", at)
    milestone: dict = {
        "id": milestone_id(report.milestone),
        "title": report.milestone.title,
        "type": "reporting",
        "status": status,
        "dateModified": ocds.iso(at),
        "description": description,
    }
    if submission.decision == ReportDecision.APPROVED:
        content = submission.content
        milestone["dateMet"] = ocds.iso(at)
        milestone["description"] += (
            f": people referred {content.get('referred')}, started {content.get('started')},"
            f" completed {content.get('completed')}"
        )
    release["contracts"] = [{**_head(contract), "implementation": {"milestones": [milestone]}}]
    return release_id, release


def variation_release(variation: ContractVariation, at: datetime) -> tuple[str, dict]:
    """A variation in effect: the contract's new end, value and schedule, and the amendment."""
    contract = variation.contract
    need = contract.need
    release_id = f"{ocds.ocid_for(need.id)}-variation-{variation.id}"
    release = ocds.frame(need, release_id, "contractAmendment", at)
    names = {"ends_on": "end date", "value_pence": "value", "schedule": "payment schedule"}
    changed = [names[k] for k in names if k in variation.changes and variation.changes[k] != variation.before.get(k)]
    release["contracts"] = [
        {
            **_head(contract),
            "period": _period(contract),
            "value": ocds.value(contract.value_pence),
            "milestones": _schedule(contract),
            "amendments": [
                {
                    "id": f"variation-{variation.id}",
                    "date": ocds.iso(at),
                    "description": "Changed: " + (", ".join(changed) or "terms"),
                }
            ],
        }
    ]
    return release_id, release
