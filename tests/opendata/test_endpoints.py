"""The three endpoints, for anyone: what they serve validates against the OCDS 1.1.5
package schemas; paging covers every release once; bad input is a 400 (or 404) in JSON."""

import gzip
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace.extensions import db
from marketplace.opendata.models import OcdsRelease

from .. import factories
from .helpers import assert_valid, walk_a_need

# Dates in working days and London time: `make test-clocks` runs these at fixed instants.
pytestmark = pytest.mark.clock


@pytest.fixture
def life(db_session):
    return walk_a_need()


def _next(package: dict) -> str | None:
    link = package.get("links", {}).get("next")
    return f"{urlsplit(link).path}?{urlsplit(link).query}" if link else None


def test_the_release_package_is_valid_newest_first_and_public(client, life):
    response = client.get("/ocds/releases.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    package = response.get_json()
    assert_valid("release-package-schema", package)
    assert package["version"] == "1.1" and package["publisher"]["name"] == "Local Partners"
    assert package["license"] == "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
    assert package["publicationPolicy"].endswith("/open-data")
    tags = [r["tag"][0] for r in package["releases"]]
    assert tags[0] == "contractAmendment" and tags[-1] == "tender" and "links" not in package
    dates = [r["date"] for r in package["releases"]]
    assert dates == sorted(dates, reverse=True)


def test_the_record_package_is_valid_with_a_compiled_release(client, life):
    ocid = f"ocds-lp0000-{life.need.id}"
    response = client.get(f"/ocds/records/{ocid}.json")
    assert response.status_code == 200
    package = response.get_json()
    assert_valid("record-package-schema", package)
    [record] = package["records"]
    assert record["ocid"] == ocid and len(record["releases"]) == 9
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert {a["status"] for a in compiled["awards"]} == {"active", "unsuccessful"}
    [contract] = compiled["contracts"]
    assert contract["implementation"]["transactions"] and contract["amendments"]
    assert {lot["id"]: lot["status"] for lot in compiled["tender"]["lots"]} == {
        "lot-1": "complete",
        "lot-2": "unsuccessful",
    }
    roles = {p["name"]: set(p["roles"]) for p in compiled["parties"]}
    assert {"supplier", "tenderer", "payee"} <= roles[life.contract.organisation.name]


@pytest.mark.parametrize("ocid", ["ocds-lp0000-999999", "ocds-other-1", "nothing", "ocds-lp0000-1x"])
def test_an_unknown_process_is_404_in_json(client, db_session, ocid):
    response = client.get(f"/ocds/records/{ocid}.json")
    assert response.status_code == 404 and response.is_json
    assert "No contracting process" in response.get_json()["error"]


def test_the_bulk_download_is_one_valid_release_a_line(client, life):
    response = client.get("/ocds/releases.jsonl.gz")
    assert response.status_code == 200 and response.mimetype == "application/gzip"
    assert response.is_streamed
    lines = gzip.decompress(response.get_data()).decode().splitlines()
    releases = [json.loads(line) for line in lines]
    assert len(releases) == 9 and releases[0]["tag"] == ["tender"]
    for release in releases:
        assert_valid("release-schema", release)


def _many_releases(count: int) -> None:
    """`count` releases, dated in groups of three at the same instant (ties on date)."""
    need = factories.make_need()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(count):
        at = start + timedelta(minutes=i // 3)
        release = {
            "ocid": f"ocds-lp0000-{need.id}",
            "id": f"ocds-lp0000-{need.id}-test-{i}",
            "date": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tag": ["tender"],
            "initiationType": "tender",
        }
        db.session.add(
            OcdsRelease(
                ocid=release["ocid"],
                release_id=release["id"],
                tags=["tender"],
                date=at,
                need_id=need.id,
                release=release,
            )
        )
    db.session.flush()


def test_paging_covers_every_release_exactly_once(client, db_session):
    _many_releases(250)
    seen, url, pages = [], "/ocds/releases.json", 0
    while url:
        package = client.get(url).get_json()
        assert_valid("release-package-schema", package)
        seen += [r["id"] for r in package["releases"]]
        url, pages = _next(package), pages + 1
    assert pages == 3 and len(seen) == 250 and len(set(seen)) == 250


def test_since_takes_a_date_or_a_date_time_with_or_without_a_zone(client, db_session):
    _many_releases(6)  # minutes 0 and 1 of 2026-01-01 UTC
    for since, count in [
        ("2025-12-31", 6),
        ("2026-01-01", 3),
        ("2026-01-01T00:00:30Z", 3),
        ("2026-01-01T01:00:30%2B01:00", 3),
        ("2026-01-02", 0),
    ]:
        response = client.get(f"/ocds/releases.json?since={since}")
        assert response.status_code == 200 and len(response.get_json()["releases"]) == count, since


def test_since_keeps_later_releases_across_pages(client, db_session):
    _many_releases(250)
    since = "2026-01-01T00:40:00Z"
    later = sum(1 for i in range(250) if i // 3 > 40)  # 127: dated minute 41 onwards
    package = client.get(f"/ocds/releases.json?since={since}").get_json()
    assert len(package["releases"]) == 100
    assert all(r["date"] > since for r in package["releases"])
    rest = client.get(_next(package)).get_json()
    assert parse_qs(urlsplit(package["links"]["next"]).query)["since"] == [since]
    assert len(rest["releases"]) == later - 100 and "links" not in rest


@pytest.mark.parametrize(
    "query",
    [
        "cursor=not-a-cursor",
        "cursor=%%%",
        "cursor=MjAyNi0wMS0wMXwx",  # "2026-01-01|1": no time zone
        "since=yesterday",
        "since=2026-13-01",
        "since=2026-01-01T25:00:00Z",
        "since=0001-01-01T00:00:00%2B05:00",  # before the first moment a date-time can hold
        "cursor=OTk5OS0xMi0zMVQyMzo1OTo1OS0wNTowMHwx",  # "9999-12-31T23:59:59-05:00|1": after the last
    ],
)
def test_a_bad_cursor_or_date_is_400_in_json(client, db_session, query):
    response = client.get(f"/ocds/releases.json?{query}")
    assert response.status_code == 400 and response.is_json
    assert response.get_json()["status"] == 400 and response.get_json()["error"]
