"""The pieces every OCDS release is made of: the ocid, dates and amounts in OCDS's form, the
buyer and the organisations as parties with scheme identifiers, and the release's frame.

Organisation identifiers (README.md, "Open contracting data"): a registered charity's
number in the Charity Commission's register (`GB-CHC`; `GB-SC` for a Scottish one), else a company's number at
Companies House (`GB-COH`), else the portal's own scheme `XI-LP` (its organisation id, and
for a probation area its code). No person's name, email address or telephone number is
ever written: parties carry only the organisation's name and identifiers."""

from datetime import UTC, date, datetime, time

from flask import current_app

from ..money import pounds_number
from ..timeutil import LONDON

# The extensions the releases use, declared in every package.
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
]
LICENSE = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
INTERNAL_SCHEME = "XI-LP"
CURRENCY = "GBP"


def ocid_for(need_id: int) -> str:
    return f"{current_app.config['OCDS_PREFIX']}-{need_id}"


def need_id_of(ocid: str) -> int | None:
    """The need of an ocid of this publisher, or None."""
    prefix = f"{current_app.config['OCDS_PREFIX']}-"
    rest = ocid[len(prefix) :] if ocid.startswith(prefix) else ""
    return int(rest) if rest.isascii() and rest.isdigit() and len(rest) < 10 else None


def iso(moment: datetime) -> str:
    """A UTC date-time to the second, as OCDS writes it: 2026-12-07T10:00:00Z. One form
    everywhere, so releases sort by their dates as strings (ocdsmerge does)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def day_start(day: date) -> str:
    return iso(datetime.combine(day, time(0, 0), tzinfo=LONDON))


def day_end(day: date) -> str:
    return iso(datetime.combine(day, time(23, 59, 59), tzinfo=LONDON))


def value(pence: int) -> dict:
    """Integer pence to an OCDS Value in pounds."""
    return {"amount": pounds_number(pence), "currency": CURRENCY}


# Parties --------------------------------------------------------------------------------


def area_party_id(area) -> str:
    return f"{INTERNAL_SCHEME}-area-{area.code}"


def buyer(area) -> dict:
    """The probation area that commissions: the buyer."""
    return {
        "id": area_party_id(area),
        "name": area.name,
        "identifier": {"scheme": INTERNAL_SCHEME, "id": f"area-{area.code}", "legalName": area.name},
        "roles": ["buyer"],
    }


def buyer_reference(area) -> dict:
    return {"id": area_party_id(area), "name": area.name}


def identifiers(organisation) -> list[dict]:
    """The organisation's identifiers, the preferred first: charity, company, internal."""
    found = []
    if organisation.charity_number:
        # A Scottish charity (OSCR, "SC...") is on a register of its own.
        scheme = "GB-SC" if organisation.charity_number.startswith("SC") else "GB-CHC"
        found.append({"scheme": scheme, "id": organisation.charity_number, "legalName": organisation.name})
    if organisation.company_number:
        found.append({"scheme": "GB-COH", "id": organisation.company_number, "legalName": organisation.name})
    found.append({"scheme": INTERNAL_SCHEME, "id": f"organisation-{organisation.id}", "legalName": organisation.name})
    return found


def organisation_party_id(organisation) -> str:
    first = identifiers(organisation)[0]
    return f"{first['scheme']}-{first['id']}"


def organisation_reference(organisation) -> dict:
    return {"id": organisation_party_id(organisation), "name": organisation.name}


def organisation_party(organisation, roles: list[str]) -> dict:
    """An organisation as a party: its name, identifiers and roles; never a person's data."""
    primary, *more = identifiers(organisation)
    party = {"id": organisation_party_id(organisation), "name": organisation.name, "identifier": primary}
    if more:
        party["additionalIdentifiers"] = more
    party["roles"] = roles
    return party


def frame(need, release_id: str, tag: str, at: datetime) -> dict:
    """What every release of the need starts with; the builders add their sections."""
    return {
        "ocid": ocid_for(need.id),
        "id": release_id,
        "date": iso(at),
        "tag": [tag],
        "initiationType": "tender",
        "language": "en",
        "buyer": buyer_reference(need.area),
        "parties": [buyer(need.area)],
    }
