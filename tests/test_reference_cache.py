"""Reference data (regions, delivery units, categories) is read once per process, not per
request, and a change made by load-reference shows on the next request."""

import re

import pytest

from marketplace.extensions import db
from marketplace.reference import cache
from marketplace.reference.services import DATA, current_pdus, load_reference

from .helpers import StatementCount, page_text

# A query for reference rows themselves (a list query joining an area for its name is not).
FIRST_TABLE = re.compile(r"\bFROM\s+(\w+)", re.I)
REFERENCE_TABLES = {"areas", "service_categories", "desired_outcomes"}


def without_nonces(response) -> str:
    return re.sub(r'nonce="[^"]*"', "", page_text(response))


def reference_queries(sql: StatementCount) -> list[str]:
    return [s for s in sql.statements if (m := FIRST_TABLE.search(s)) and m.group(1).lower() in REFERENCE_TABLES]


@pytest.mark.parametrize("url", ["/areas", "/service-categories", "/needs", "/contracts/public"])
def test_a_page_showing_reference_data_runs_no_reference_query_on_its_second_request(client, url):
    first = client.get(url)
    assert first.status_code == 200
    with StatementCount() as sql:
        second = client.get(url)
    assert second.status_code == 200
    assert reference_queries(sql) == []
    assert without_nonces(second) == without_nonces(first)


def test_after_load_reference_with_a_renamed_pdu_the_next_request_shows_the_new_name(client, tmp_path):
    for name in DATA.iterdir():
        (tmp_path / name.name).write_text(name.read_text())
    pdus = tmp_path / "probation_delivery_units.csv"
    pdus.write_text(pdus.read_text().replace("N57EKNT,East Kent,", "N57EKNT,East Kent and Thanet,"))
    assert "<li>East Kent</li>" in page_text(client.get("/areas"))

    load_reference(tmp_path)
    db.session.commit()

    page = page_text(client.get("/areas"))
    assert "<li>East Kent and Thanet</li>" in page and "<li>East Kent</li>" not in page
    assert "East Kent and Thanet (Kent, Surrey &amp; Sussex)" in page_text(client.get("/needs"))


def test_reference_changes_not_yet_committed_are_not_shared(db_session, tmp_path):
    """Uncommitted rows are read by their own transaction only: the snapshot is not filled
    from them, and a rollback leaves the committed names."""
    for name in DATA.iterdir():
        (tmp_path / name.name).write_text(name.read_text())
    pdus = tmp_path / "probation_delivery_units.csv"
    pdus.write_text(pdus.read_text().replace("N57EKNT,East Kent,", "N57EKNT,Kent East,"))
    load_reference(tmp_path)
    assert "Kent East" in {p.name for p in current_pdus()}
    assert cache._snapshots == {}
    db.session.rollback()
    assert "East Kent" in {p.name for p in current_pdus()}


def test_reference_values_are_plain_and_shared(db_session):
    """What the cache serves is immutable and the same objects for every caller."""
    first, second = current_pdus(), current_pdus()
    assert first == second and first[0] is second[0]
    with pytest.raises(AttributeError):
        first[0].name = "Elsewhere"  # type: ignore[misc]
