"""/contracts/public: contracts awarded, for anyone; a journalist finds a contract and sees
how quickly its provider was paid."""

import pytest

from marketplace.extensions import db
from marketplace.money import format_pounds
from marketplace.reference.models import ServiceCategory

from .. import factories
from .world import SECRET_PEOPLE, make_world
from .world import visible_text as page_text

pytestmark = pytest.mark.clock


@pytest.fixture
def world(db_session):
    return make_world()


def test_anyone_finds_a_contract_and_how_quickly_its_provider_was_paid(client, world):
    listing = client.get("/contracts/public")
    assert listing.status_code == 200
    text = page_text(listing)
    assert world.contract.title in text and "Canterbury Women's Centre" in text
    assert "Median days to pay 4 days (2 payments)" in text

    page = client.get(f"/contracts/public/{world.contract.id}")
    assert page.status_code == 200
    text = page_text(page)
    assert "Canterbury Women's Centre (lead), with Thanet Peer Mentors" in text
    assert f"Value {format_pounds(world.contract.value_pence)}" in text
    assert world.contract.need.area.label in text
    assert "Women" in text  # the service category
    assert f"{world.contract.starts_on.day} {world.contract.starts_on:%B %Y}" in text
    assert "Median: 4 days over 2 payments" in text
    assert "People referred 10" in text and "People who completed 5" in text


def test_the_days_of_each_payment_are_in_the_table(client, world):
    html = client.get(f"/contracts/public/{world.contract.id}").get_data(as_text=True)
    table = html[html.index('id="payments"') :]
    cells = [c.split("<")[0].strip() for c in table.split('govuk-table__cell govuk-table__cell--numeric">')[1:]]
    # amount, days for the advance, then for milestone 1
    assert cells[1] == "2" and cells[3] == "6"


def test_no_person_is_named_on_the_public_pages(client, world):
    for url in ("/contracts/public", f"/contracts/public/{world.contract.id}", "/open-data"):
        text = client.get(url).get_data(as_text=True)
        for secret in SECRET_PEOPLE:
            assert secret not in text, (url, secret)
        assert "example.org" not in text, url


def _other_contract():
    other = factories.make_contract().contract
    other.title = "Mentoring in south London"
    other.need.area = factories.area("N07")
    other.need.category = db.session.scalar(
        db.select(ServiceCategory).where(ServiceCategory.code != "womens-services").limit(1)
    )
    db.session.flush()
    return other


@pytest.mark.parametrize(
    "args, here, other",
    [
        ({}, True, True),
        ({"area": "N57EKNT"}, True, False),
        ({"area": "N07"}, False, True),
        ({"category": "womens-services"}, True, False),
    ],
)
def test_filters_by_area_and_category(client, world, args, here, other):
    _other_contract()
    text = page_text(client.get("/contracts/public", query_string=args))
    assert (world.contract.title in text, "Mentoring in south London" in text) == (here, other)


def test_a_region_covers_its_delivery_units(client, world):
    _other_contract()
    region = world.contract.need.area.region.code
    text = page_text(client.get("/contracts/public", query_string={"area": region}))
    assert world.contract.title in text and "Mentoring in south London" not in text


@pytest.mark.parametrize(
    "args, message",
    [
        ({"area": "NOWHERE"}, "Select a region or probation delivery unit from the list"),
        ({"category": "<script>"}, "Select a service category from the list"),
        ({"area": ["N07", "N57EKNT"], "category": ""}, None),
        ({"page": "abc"}, None),
        ({"page": "-3"}, None),
        ({"page": "999999999999"}, None),
    ],
)
def test_bad_filter_values_are_shown_and_left_out_never_a_500(client, world, args, message):
    response = client.get("/contracts/public", query_string=args)
    assert response.status_code == 200
    if message:
        assert message in page_text(response)
        assert world.contract.title in page_text(response)  # the bad filter is left out


def test_an_unknown_contract_is_not_found(client, db_session):
    assert client.get("/contracts/public/999999").status_code == 404


def test_a_contract_with_nothing_paid_or_reported_yet(client, db_session):
    contract = factories.make_contract(starts_in_days=5).contract
    text = page_text(client.get(f"/contracts/public/{contract.id}"))
    assert "No outcome report has been approved yet." in text and "No payment has been made yet." in text
