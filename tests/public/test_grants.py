"""/360giving/grants.json: needs let as grants and awarded, as a 360Giving 1.4 package,
valid against the official schema (tests/schemas/, 1.4.3), with nothing about a person."""

import json

import pytest

from marketplace.extensions import db
from marketplace.needs.models import Procedure

from .. import factories
from .schemas import errors
from .world import SECRET_PEOPLE, make_world

pytestmark = pytest.mark.clock


@pytest.fixture
def world(db_session):
    return make_world()


def _grants(client) -> dict:
    response = client.get("/360giving/grants.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def test_the_grants_file_is_valid_360giving(client, world):
    package = _grants(client)
    assert errors("360-giving-package-schema.json", package) == []
    assert package["version"] == "1.4"


def test_a_grant_with_its_recipient_funder_amount_and_dates(client, world):
    [grant] = _grants(client)["grants"]
    contract = world.contract
    assert grant["id"] == f"360G-lp-{contract.id}"
    assert grant["currency"] == "GBP"
    assert grant["amountAwarded"] * 100 == contract.value_pence
    assert grant["plannedDates"] == [
        {"startDate": contract.starts_on.isoformat(), "endDate": contract.ends_on.isoformat()}
    ]
    assert grant["recipientOrganization"] == [
        {"id": "GB-CHC-1123456", "name": "Canterbury Women's Centre", "charityNumber": "1123456"}
    ]
    assert grant["fundingOrganization"] == [
        {"id": f"360G-lp-area-{contract.need.area.code}", "name": contract.need.area.label}
    ]
    assert "Thanet Peer Mentors" in grant["description"]
    assert grant["url"].endswith(f"/contracts/public/{contract.id}")


def test_nothing_about_a_person_is_in_the_file(client, world):
    text = client.get("/360giving/grants.json").get_data(as_text=True)
    for secret in SECRET_PEOPLE:
        assert secret not in text
    assert "@" not in text and "contactName" not in text


@pytest.mark.parametrize(
    "numbers, expected",
    [
        ({"charity_number": None, "company_number": "09876543"}, "GB-COH-09876543"),
        ({"charity_number": "SC012345", "company_number": None}, "GB-SC-SC012345"),
        ({"charity_number": None, "company_number": None}, "360G-lp-org-{id}"),
    ],
)
def test_recipients_are_identified_by_their_register_numbers(client, world, numbers, expected):
    for name, value in numbers.items():
        setattr(world.lead, name, value)
    db.session.flush()
    package = _grants(client)
    [recipient] = package["grants"][0]["recipientOrganization"]
    assert recipient["id"] == expected.format(id=world.lead.id)
    assert errors("360-giving-package-schema.json", package) == []


def test_the_prefix_is_a_setting(app, client, world):
    app.config["GRANTS_360_PREFIX"] = "360G-kss"
    try:
        [grant] = _grants(client)["grants"]
    finally:
        app.config["GRANTS_360_PREFIX"] = "360G-lp"
    assert grant["id"] == f"360G-kss-{world.contract.id}"


def test_unawarded_and_contract_needs_are_not_grants(client, world):
    factories.make_need(title="A grant still open", procedure=Procedure.GRANT)
    closed = factories.make_evaluation(title="A grant evaluated, not awarded")
    let_as_contract = factories.make_contract(title="A need let as a contract").contract
    let_as_contract.need.procedure = Procedure.CONTRACT
    db.session.flush()
    grants = _grants(client)["grants"]
    assert [g["id"] for g in grants] == [f"360G-lp-{world.contract.id}"]
    text = json.dumps(grants)
    assert "still open" not in text and closed.need.title not in text and "let as a contract" not in text


def test_with_no_grant_awarded_the_list_is_empty(client, db_session):
    factories.make_need(procedure=Procedure.GRANT)
    package = _grants(client)
    assert package["grants"] == []
    # The schema asks for at least one grant: an empty package is not a file to validate.
    assert any(
        "should be non-empty" in e or "is too short" in e for e in errors("360-giving-package-schema.json", package)
    )


def test_the_schema_check_catches_a_broken_grant(client, world):
    """The validator is not a rubber stamp: a grant without a recipient, an amount as text
    or a date in the wrong shape fails."""
    package = _grants(client)
    grant = package["grants"][0]
    for broken in (
        {**grant, "recipientOrganization": []},
        {**grant, "amountAwarded": "40000"},
        {**grant, "awardDate": "07/12/2026"},
    ):
        assert errors("360-giving-package-schema.json", {**package, "grants": [broken]}) != []
