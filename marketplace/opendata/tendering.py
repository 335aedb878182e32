"""The releases of the tender and its awards: published (`tender`), amended
(`tenderAmendment`), withdrawn or cancelled (`tenderCancellation`), and each lot's award
decision taking effect (`award`; "not awarded" as an unsuccessful award).

Nothing of a bid is written before the closing time: the bid statistics (bids extension)
and the tenderers appear only in releases dated at or after it. Never an answer, a score,
an unsuccessful bid's price or a person's data."""

from datetime import datetime

from ..bids.closing import counting_bids
from ..bids.lifecycle import counting_revision
from ..evaluation.models import AwardDecision, AwardOutcome
from ..evaluation.parties import bid_organisation_ids
from ..extensions import db
from ..needs.models import Amendment, Need, NeedStatus
from ..organisations.models import IncomeBand, Organisation
from . import ocds

SMALL_BANDS = (IncomeBand.MICRO, IncomeBand.SMALL)
NEED_STATUS = {
    NeedStatus.OPEN: "active",
    NeedStatus.CLOSED: "active",
    NeedStatus.WITHDRAWN: "withdrawn",
    NeedStatus.CANCELLED: "cancelled",
    NeedStatus.AWARDED: "complete",
    NeedStatus.NOT_AWARDED: "unsuccessful",
}


def lot_id(lot) -> str:
    return f"lot-{lot.number}"


def award_id(lot, decision_id: int) -> str:
    return f"lot-{lot.number}-award-{decision_id}"


def closed_by(need: Need, at: datetime) -> bool:
    return need.closes_at is not None and at >= need.closes_at


def _lot(lot, status: str) -> dict:
    return {
        "id": lot_id(lot),
        "title": lot.title,
        "description": lot.description or lot.title,
        "value": ocds.value(lot.value_pence),
        "status": status,
    }


def _criteria(need: Need) -> str:
    parts = [f"Question {c.number}: {c.weight}%" for c in need.criteria]
    parts += [f"Social value: {need.social_value_weight or 0}%", f"Price: {need.price_weight or 0}%"]
    return "; ".join(parts)


def _items(need: Need) -> list[dict]:
    items = []
    for lot in need.lots:
        item: dict = {"id": lot_id(lot), "description": lot.title, "relatedLot": lot_id(lot)}
        if need.category is not None:
            item["classification"] = {
                "scheme": "XI-LP-CATEGORY",
                "id": need.category.code,
                "description": need.category.name,
            }
        items.append(item)
    return items


def tender(need: Need, at: datetime) -> dict:
    """The whole tender as it stands at `at`."""
    assert need.closes_at is not None and need.question_deadline is not None and need.published_at is not None
    status = NEED_STATUS[need.status_at(at)]
    lot_status = status if status in ("withdrawn", "cancelled") else "active"
    section = {
        "id": str(need.id),
        "title": need.title,
        "description": need.summary,
        "status": status,
        "procurementMethod": "open",
        "procurementMethodDetails": str(need.procedure.label) if need.procedure else "",
        "mainProcurementCategory": "services",
        "value": ocds.value(need.value_pence),
        "tenderPeriod": {"startDate": ocds.iso(need.published_at), "endDate": ocds.iso(need.closes_at)},
        "enquiryPeriod": {"startDate": ocds.iso(need.published_at), "endDate": ocds.iso(need.question_deadline)},
        "awardPeriod": {"startDate": ocds.iso(need.closes_at)},
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": _criteria(need),
        "submissionMethod": ["electronicSubmission"],
        "eligibilityCriteria": "; ".join(need.condition_labels),
        "items": _items(need),
        "lots": [_lot(lot, lot_status) for lot in need.lots],
    }
    if need.end_reason and status in ("withdrawn", "cancelled"):
        section["statusDetails"] = need.end_reason
    return section


def bid_statistics(need: Need, at: datetime) -> dict:
    """Bids extension: per lot, how many bids counted at closing, and how many were from
    small (income under £1 million) and from VCSE organisations. Only after closing."""
    assert need.closes_at is not None
    by_lot: dict[int, list[Organisation]] = {lot.id: [] for lot in need.lots}
    for bid, _revision in counting_bids(need):
        by_lot.setdefault(bid.lot_id, []).append(bid.organisation)
    statistics = []
    for lot in need.lots:
        organisations = by_lot[lot.id]
        for measure, count, notes in (
            ("bids", len(organisations), "Bids that counted at the closing time"),
            (
                "smallOrganisationBids",
                sum(1 for o in organisations if o.income_band in SMALL_BANDS),
                "Bids led by an organisation with an annual income under £1 million",
            ),
            (
                "vcseBids",
                sum(1 for o in organisations if o.is_vcse),
                "Bids led by a voluntary, community or social enterprise organisation",
            ),
        ):
            statistics.append(
                {
                    "id": f"{lot_id(lot)}-{measure}",
                    "measure": measure,
                    "value": count,
                    "date": ocds.iso(need.closes_at),
                    "notes": notes,
                    "relatedLot": lot_id(lot),
                }
            )
    return {"statistics": statistics}


def tender_release(need: Need, at: datetime) -> tuple[str, dict]:
    release_id = f"{ocds.ocid_for(need.id)}-tender"
    release = ocds.frame(need, release_id, "tender", at)
    release["tender"] = tender(need, at)
    return release_id, release


def amendment_release(amendment: Amendment, at: datetime) -> tuple[str, dict]:
    need = amendment.need
    release_id = f"{ocds.ocid_for(need.id)}-amendment-{amendment.id}"
    release = ocds.frame(need, release_id, "tenderAmendment", at)
    section = tender(need, at)
    changed = ", ".join(sorted(key.replace("_", " ") for key in amendment.changes))
    section["amendments"] = [
        {
            "id": f"amendment-{amendment.id}",
            "date": ocds.iso(amendment.made_at),
            "rationale": amendment.reason,
            "description": f"{'Correction of wording' if amendment.correction else 'Changed'}: {changed}",
        }
    ]
    release["tender"] = section
    return release_id, release


def cancellation_release(need: Need, at: datetime) -> tuple[str, dict]:
    release_id = f"{ocds.ocid_for(need.id)}-cancellation"
    release = ocds.frame(need, release_id, "tenderCancellation", at)
    release["tender"] = tender(need, at)
    if closed_by(need, at):
        release["bids"] = bid_statistics(need, at)
    return release_id, release


def _organisations(ids) -> list[Organisation]:
    found = {o.id: o for o in (db.session.get(Organisation, i) for i in ids) if o is not None}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def _award(decision: AwardDecision, at: datetime, suppliers: list[Organisation]) -> dict:
    lot = decision.lot
    section: dict = {
        "id": award_id(lot, decision.id),
        "title": f"Lot {lot.number}: {lot.title}",
        "date": ocds.iso(at),
        "relatedLots": [lot_id(lot)],
    }
    if decision.outcome == AwardOutcome.AWARD:
        revision = counting_revision(decision.bid)
        assert revision is not None  # an awarded bid was ranked on its counting revision
        section["status"] = "active"
        section["value"] = ocds.value(revision.price_pence)
        section["suppliers"] = [ocds.organisation_reference(o) for o in suppliers]
    else:
        section["status"] = "unsuccessful"
        section["description"] = "Not awarded"
    return section


def award_release(decision: AwardDecision, at: datetime) -> tuple[str, dict]:
    """One lot's decision taking effect: the award (or an unsuccessful one), the lot's new
    status, who bid on the lot (by organisation) and the bid statistics."""
    lot = decision.lot
    need = lot.need
    release_id = f"{ocds.ocid_for(need.id)}-award-{decision.id}"
    release = ocds.frame(need, release_id, "award", at)
    supplier_ids: list[int] = []
    if decision.outcome == AwardOutcome.AWARD:
        revision = counting_revision(decision.bid)
        assert revision is not None
        supplier_ids = bid_organisation_ids(revision)
    tenderer_ids = [i for bid, rev in counting_bids(need) if bid.lot_id == lot.id for i in bid_organisation_ids(rev)]
    suppliers = _organisations(supplier_ids)
    tenderers = _organisations(tenderer_ids)
    awarded = decision.outcome == AwardOutcome.AWARD
    release["tender"] = {
        "id": str(need.id),
        "status": NEED_STATUS[need.status_at(at)],
        "lots": [{"id": lot_id(lot), "status": "complete" if awarded else "unsuccessful"}],
        "tenderers": [ocds.organisation_reference(o) for o in tenderers],
    }
    release["awards"] = [_award(decision, at, suppliers)]
    release["bids"] = bid_statistics(need, at)
    supplier_set = {o.id for o in suppliers}
    release["parties"] += [
        ocds.organisation_party(o, ["tenderer", "supplier"] if o.id in supplier_set else ["tenderer"])
        for o in _organisations(tenderer_ids + supplier_ids)
    ]
    return release_id, release
