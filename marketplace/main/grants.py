"""Needs let as grants, published as a 360Giving 1.4 package at /360giving/grants.json.

One grant per contract made from a need whose procedure is a grant (one contract per
awarded lot, so a need of two lots awarded is two grants). Ids are GRANTS_360_PREFIX
(a setting; a publisher registers its own with 360Giving) and the contract's id. The
recipient is the lead organisation, identified by its register number: GB-CHC-<charity
number> (GB-SC- for a Scottish one), else GB-COH-<company number>, else
<prefix>-org-<organisation id>. The funder is the probation area that let the need.
Nothing about a person is published: no contact names, emails, telephone numbers or
addresses, and no user.
"""

from datetime import date

import sqlalchemy as sa
from flask import current_app, url_for
from sqlalchemy.orm import joinedload, selectinload

from ..contracts.models import Contract, ContractParty, PartyRole
from ..evaluation.models import AwardDecision
from ..extensions import db
from ..money import pounds_number
from ..needs.models import Need, Procedure
from ..opendata import ocds
from ..opendata.ocds import LICENSE
from ..organisations.models import Organisation
from ..reference.models import Area
from ..timeutil import london_date, utcnow

SCHEMA_VERSION = "1.4"


def prefix() -> str:
    return current_app.config["GRANTS_360_PREFIX"]


def organisation_id(organisation: Organisation) -> str:
    """The org-id.guide identifier of an organisation from its register numbers (the same
    as its OCDS party's), else one under our 360Giving prefix."""
    preferred = ocds.identifiers(organisation)[0]
    if preferred["scheme"] == ocds.INTERNAL_SCHEME:
        return f"{prefix()}-org-{organisation.id}"
    return f"{preferred['scheme']}-{preferred['id']}"


def _recipient(organisation: Organisation) -> dict:
    found = {"id": organisation_id(organisation), "name": organisation.name}
    if organisation.charity_number:
        found["charityNumber"] = organisation.charity_number
    if organisation.company_number:
        found["companyNumber"] = organisation.company_number
    return found


def _funder(area: Area) -> dict:
    return {"id": f"{prefix()}-area-{area.code}", "name": area.english_label}


def _description(contract: Contract) -> str:
    need = contract.need
    text = need.summary.strip() or need.title
    partners = [p.organisation.name for p in contract.parties if p.role == PartyRole.PARTNER]
    if partners:
        text += f" Delivered by {contract.organisation.name} with {', '.join(partners)}."
    return text


def grant(contract: Contract, decided_at) -> dict:
    need = contract.need
    found = {
        "id": f"{prefix()}-{contract.id}",
        "title": contract.title,
        "description": _description(contract),
        "currency": "GBP",
        "amountAwarded": pounds_number(contract.value_pence),
        "awardDate": london_date(decided_at).isoformat(),
        "plannedDates": [{"startDate": contract.starts_on.isoformat(), "endDate": contract.ends_on.isoformat()}],
        "recipientOrganization": [_recipient(contract.organisation)],
        "fundingOrganization": [_funder(need.area)],
        "url": url_for("main.public_contract", contract_id=contract.id, _external=True),
        "dateModified": contract.created_at.isoformat(),
    }
    if need.category is not None:
        found["classifications"] = [
            {"vocabulary": "Local Partners service categories", "code": need.category.code, "title": need.category.name}
        ]
    return found


def grant_contracts() -> list[tuple[Contract, object]]:
    """Every contract of a grant need, with the time its award was decided, oldest first."""
    rows = db.session.execute(
        sa.select(Contract, AwardDecision.decided_at)
        .join(Need, Need.id == Contract.need_id)
        .join(AwardDecision, AwardDecision.id == Contract.decision_id)
        .where(Need.procedure == Procedure.GRANT)
        .options(
            joinedload(Contract.organisation),
            selectinload(Contract.parties).joinedload(ContractParty.organisation),
            joinedload(Contract.need).joinedload(Need.area).joinedload(Area.parent),
            joinedload(Contract.need).joinedload(Need.category),
        )
        .order_by(Contract.id)
    ).all()
    return [(contract, decided_at) for contract, decided_at in rows]


def grants_package() -> dict:
    """The 360Giving package of every grant awarded. With none yet, `grants` is empty
    (the schema asks for at least one, so an empty package is not a valid file: there is
    nothing to publish)."""
    today: date = london_date(utcnow())
    return {
        "version": SCHEMA_VERSION,
        "title": f"Grants awarded through {current_app.config['SERVICE_NAME']}",
        "description": (
            "Needs let as grants by probation areas in England and Wales and awarded, one grant per "
            "contract. Published under the Open Government Licence v3.0."
        ),
        "issued": today.isoformat(),
        "publisher": {"name": current_app.config["SERVICE_NAME"], "website": url_for("main.home", _external=True)},
        "accessURL": url_for("main.open_data", _external=True),
        "license": LICENSE,
        "grants": [grant(contract, decided_at) for contract, decided_at in grant_contracts()],
    }
