"""Writing the releases: a receiver of `contracting_event` (marketplace/signals.py) builds
the release of each published step from the object the service sends, and stores it in
the same transaction as the step. A release is written once and never changed."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..contracts.models import Contract, ContractVariation
from ..delivery.models import ReportSubmission
from ..evaluation.models import AwardDecision
from ..extensions import db
from ..i18n import in_language
from ..needs.models import Amendment, Need
from ..payments.models import Payment
from ..signals import contracting_event
from . import delivery, tendering
from .models import OcdsRelease

Builder = Callable[[Any, datetime], tuple[str, dict]]
BUILDERS: dict[tuple[str, type], Builder] = {
    ("tender", Need): tendering.tender_release,
    ("tenderAmendment", Amendment): tendering.amendment_release,
    ("tenderCancellation", Need): tendering.cancellation_release,
    ("award", AwardDecision): tendering.award_release,
    ("contract", Contract): delivery.contract_release,
    ("implementation", Payment): delivery.payment_release,
    ("implementation", ReportSubmission): delivery.report_release,
    ("contractAmendment", ContractVariation): delivery.variation_release,
}


@contracting_event.connect
def write_release(sender, *, kind: str, at: datetime, **_) -> OcdsRelease | None:
    builder = BUILDERS.get((kind, type(sender)))
    if builder is None:
        raise ValueError(f"No OCDS release for {kind} of {type(sender).__name__}")
    if isinstance(sender, Need) and sender.published_at is None:
        return None  # a draft cancelled: never published, no contracting process
    with in_language("en"):  # open data is in English, whatever the page's language
        release_id, release = builder(sender, at)
    _keep_earlier_roles(release)
    row = OcdsRelease(
        ocid=release["ocid"],
        release_id=release_id,
        tags=release["tag"],
        date=at,
        need_id=int(release["ocid"].rsplit("-", 1)[1]),
        release=release,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _keep_earlier_roles(release: dict) -> None:
    """A party's roles are replaced as a whole when releases are merged: each release lists,
    for each of its parties, every role the party had in the process's earlier releases too."""
    earlier: dict[str, list[str]] = {}
    for (stored,) in db.session.execute(sa.select(OcdsRelease.release).where(OcdsRelease.ocid == release["ocid"])):
        for party in stored.get("parties", []):
            earlier.setdefault(party["id"], []).extend(party.get("roles", []))
    for party in release["parties"]:
        party["roles"] = list(dict.fromkeys(earlier.get(party["id"], []) + party["roles"]))
