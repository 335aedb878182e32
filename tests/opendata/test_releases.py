"""Releases are written by the services, in each step's transaction: the sequence of a
need's life, nothing of a bid before closing, no person's data, scheme identifiers."""

import json

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.needs.publishing import cancel_need, withdraw_need
from marketplace.opendata.models import OcdsRelease

from .. import factories
from .helpers import assert_valid, walk_a_need

# Dates in working days and London time: `make test-clocks` runs these at fixed instants.
pytestmark = pytest.mark.clock


def _releases(need) -> list[dict]:
    rows = db.session.scalars(
        sa.select(OcdsRelease).where(OcdsRelease.need_id == need.id).order_by(OcdsRelease.date, OcdsRelease.id)
    )
    return [row.release for row in rows]


@pytest.fixture
def life(db_session):
    return walk_a_need()


def test_a_need_walked_through_its_life_writes_each_release(life):
    releases = _releases(life.need)
    assert [r["tag"] for r in releases] == [
        ["tender"],
        ["tenderAmendment"],
        ["award"],
        ["award"],
        ["contract"],
        ["implementation"],  # report submitted
        ["implementation"],  # report approved
        ["implementation"],  # the advance paid
        ["contractAmendment"],
    ]
    assert {r["ocid"] for r in releases} == {f"ocds-lp0000-{life.need.id}"}
    assert len({r["id"] for r in releases}) == len(releases)
    for release in releases:
        assert_valid("release-schema", release)
    awarded, not_awarded = releases[2]["awards"][0], releases[3]["awards"][0]
    assert awarded["status"] == "active" and awarded["value"] == {"amount": 40000, "currency": "GBP"}
    assert awarded["relatedLots"] == ["lot-1"]
    assert not_awarded["status"] == "unsuccessful" and "value" not in not_awarded and "suppliers" not in not_awarded
    assert releases[3]["tender"]["status"] == "complete"
    [transaction] = releases[7]["contracts"][0]["implementation"]["transactions"]
    assert transaction["payee"]["name"] == life.contract.organisation.name
    assert releases[6]["contracts"][0]["implementation"]["milestones"][0]["status"] == "met"
    assert releases[8]["contracts"][0]["amendments"][0]["description"] == "Changed: end date"


def test_no_release_mentions_a_bid_before_closing(life):
    assert [r["tag"] for r in life.before_closing] == [["tender"], ["tenderAmendment"]]
    for release in life.before_closing:
        assert "bids" not in release and "tenderers" not in release["tender"]
        assert [p["roles"] for p in release["parties"]] == [["buyer"]]
    award = _releases(life.need)[2]
    lot_1 = {s["measure"]: s["value"] for s in award["bids"]["statistics"] if s["relatedLot"] == "lot-1"}
    assert lot_1["bids"] == 2
    assert len(award["tender"]["tenderers"]) == 2


def test_no_unsuccessful_price_score_answer_or_personal_data_is_published(life):
    text = json.dumps(_releases(life.need))
    for person in life.people:
        assert person.email not in text and person.name not in text
    for organisation in {p.organisations[0] for p in life.providers}:
        assert organisation.contact_email not in text and organisation.contact_name not in text
        if organisation.contact_phone:
            assert organisation.contact_phone not in text
    assert "45000" not in text  # the unsuccessful bid's price, £45,000
    assert "We run a weekly drop-in" not in text  # an answer
    assert "Clear evidence of reach" not in text and "The panel agreed" not in text  # scores' reasons


def test_parties_carry_scheme_identifiers_and_keep_their_roles(life):
    releases = _releases(life.need)
    last = {p["id"]: p for p in releases[-1]["parties"]} | {p["id"]: p for p in releases[7]["parties"]}
    supplier = life.contract.organisation
    party_id = next(pid for pid in last if supplier.name == last[pid]["name"])
    schemes = {"GB-CHC": supplier.charity_number, "GB-COH": supplier.company_number}
    scheme = next((s for s, number in schemes.items() if number), "XI-LP")
    assert last[party_id]["identifier"]["scheme"] == scheme
    assert {"supplier", "tenderer", "payee"} <= set(last[party_id]["roles"])
    buyer = releases[7]["parties"][0]
    assert buyer["roles"] == ["buyer", "payer"] and buyer["identifier"]["scheme"] == "XI-LP"


@pytest.mark.parametrize("end", [withdraw_need, cancel_need])
def test_withdrawing_or_cancelling_writes_a_cancellation(db_session, end):
    need = factories.make_need()
    end(need, actor=need.created_by, reason="The service is no longer needed")
    [release] = _releases(need)
    assert release["tag"] == ["tenderCancellation"]
    assert release["tender"]["status"] == ("withdrawn" if end is withdraw_need else "cancelled")
    assert "bids" not in release
    assert_valid("release-schema", release)


def test_a_draft_cancelled_writes_nothing(db_session):
    need = factories.make_need(published=False)
    cancel_need(need, actor=need.created_by, reason="Not needed after all")
    assert _releases(need) == []
