"""Saved searches and the daily digest: which needs match a search (areas x categories),
one email per saved search, and running it twice sends nothing new."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.needs import digest
from marketplace.needs.models import SavedSearch
from marketplace.notifications import OutboxEmail
from marketplace.reference.models import ServiceCategory
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count

pytestmark = pytest.mark.clock


def category(code: str) -> ServiceCategory:
    return db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code == code))


def saved(user, areas=(), categories=(), *, created_days_ago: int = 3) -> SavedSearch:
    search = SavedSearch(
        user_id=user.id,
        area_ids=[factories.area(code).id for code in areas],
        category_ids=[category(code).id for code in categories],
        created_at=utcnow() - timedelta(days=created_days_ago),
    )
    db.session.add(search)
    db.session.flush()
    return search


@pytest.fixture
def world(db_session):
    """Needs published yesterday in several places and categories (make_need publishes
    them a day ago, in Women's services)."""
    kss = factories.make_area_staff(Role.COMMISSIONER, "N57")
    london = factories.make_area_staff(Role.COMMISSIONER, "N07")
    needs = {
        "east_kent_women": factories.make_need(area_code="N57EKNT", commissioner=kss, title="East Kent women"),
        "east_kent_housing": factories.make_need(area_code="N57EKNT", commissioner=kss, title="East Kent housing"),
        "west_kent_women": factories.make_need(area_code="N57KECL", commissioner=kss, title="West Kent women"),
        "croydon_women": factories.make_need(area_code="N07CROY", commissioner=london, title="Croydon women"),
        "london_wide": factories.make_need(area_code="N07", commissioner=london, title="London-wide recovery"),
        "draft": factories.make_need(area_code="N57EKNT", commissioner=kss, title="Draft need", published=False),
        "closed": factories.make_need(area_code="N57EKNT", commissioner=kss, title="Closed need"),
        "withdrawn": factories.make_need(area_code="N57EKNT", commissioner=kss, title="Withdrawn need"),
        "old": factories.make_need(area_code="N57EKNT", commissioner=kss, title="Published long ago"),
    }
    housing = category("accommodation")
    needs["east_kent_housing"].category = housing
    needs["east_kent_housing"].outcomes = list(housing.outcomes[:1])
    needs["london_wide"].pdus = [factories.area("N07BRNT")]
    needs["london_wide"].category = category("dependency")
    needs["london_wide"].outcomes = list(category("dependency").outcomes[:1])
    now = utcnow()
    needs["closed"].closes_at = now - timedelta(hours=1)
    needs["closed"].question_deadline = now - timedelta(days=1)
    needs["withdrawn"].withdrawn_at = now - timedelta(hours=2)
    needs["old"].published_at = now - timedelta(days=10)
    db.session.flush()
    return needs


def titles(search, now=None) -> set[str]:
    now = now or utcnow()
    since = search.last_sent_at or search.created_at
    return {n.title for n in digest.new_matches(search, since=since, until=now, now=now)}


@pytest.mark.parametrize(
    "areas, categories, expected",
    [
        (["N57EKNT"], ["womens-services"], {"East Kent women"}),
        (["N57EKNT"], [], {"East Kent women", "East Kent housing"}),
        (["N57EKNT"], ["accommodation"], {"East Kent housing"}),
        (["N57"], ["womens-services"], {"East Kent women", "West Kent women"}),  # a region covers its PDUs
        (["N07"], [], {"Croydon women", "London-wide recovery"}),
        (["N07BRNT"], [], {"London-wide recovery"}),  # a region's need covering that PDU
        (["N57KECL", "N07CROY"], ["womens-services"], {"West Kent women", "Croydon women"}),
        (["N57SUR"], [], set()),
        ([], ["dependency", "accommodation"], {"East Kent housing", "London-wide recovery"}),
        ([], [], {"East Kent women", "East Kent housing", "West Kent women", "Croydon women", "London-wide recovery"}),
    ],
)
def test_which_needs_match_a_saved_search(world, areas, categories, expected):
    """Open needs only (never drafts, closed or withdrawn), published since the search was
    saved, covering a chosen PDU or a PDU of a chosen region, in a chosen category."""
    search = saved(factories.make_provider(), areas, categories)
    assert titles(search) == expected


def test_one_email_per_saved_search_listing_the_new_needs(world):
    provider = factories.make_provider(email="charity@example.org", name="Chidi Charity")
    saved(provider, ["N57"], ["womens-services"])
    saved(provider, ["N07"], [])
    saved(provider, ["N57SUR"], [])  # nothing matches: no email
    before = count(OutboxEmail)
    queued, checked = digest.send_digests()
    assert (queued, checked) == (2, 3)
    assert count(OutboxEmail) == before + 2
    emails = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(2)).all()
    bodies = sorted(e.body for e in emails)
    assert all(e.to == "charity@example.org" for e in emails)
    kss = next(b for b in bodies if "East Kent women" in b)
    assert "West Kent women" in kss and "Croydon women" not in kss and "East Kent housing" not in kss
    assert f"/needs/{world['east_kent_women'].id}" in kss
    assert "Hello Chidi Charity" in kss
    assert "Kent, Surrey & Sussex region: Women's services" in kss
    assert "/needs/saved-searches" in kss
    london = next(b for b in bodies if "Croydon women" in b)
    assert "London-wide recovery" in london
    assert count(AuditEvent, AuditEvent.action == "saved_search.digest_sent") == 2


def test_running_the_digest_twice_sends_nothing_new(world):
    provider = factories.make_provider()
    search = saved(provider, ["N57EKNT"], [])
    assert digest.send_digests()[0] == 1
    first = count(OutboxEmail)
    assert search.last_sent_at is not None
    assert digest.send_digests()[0] == 0
    assert count(OutboxEmail) == first


def test_a_need_published_after_the_last_digest_is_sent_next_time_alone(world):
    provider = factories.make_provider()
    saved(provider, ["N57EKNT"], [])
    now = utcnow()
    digest.send_digests(now=now - timedelta(hours=3))
    newer = factories.make_need(area_code="N57EKNT", title="A brand new need")
    newer.published_at = now - timedelta(hours=2)
    db.session.flush()
    assert digest.send_digests(now=now)[0] == 1
    body = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id.desc())).first().body
    assert "A brand new need" in body
    assert "East Kent women" not in body  # already sent in the earlier digest
    assert "A new need matches your saved search" in body
    assert digest.send_digests(now=now + timedelta(hours=1))[0] == 0


def test_a_need_published_in_the_last_minute_waits_for_the_next_run(world):
    """It may still be in an uncommitted transaction: picked up next time, never missed."""
    provider = factories.make_provider()
    search = saved(provider, ["N57SUR"], [])
    now = utcnow()
    late = factories.make_need(area_code="N57SUR", title="Just published")
    late.published_at = now - timedelta(seconds=10)
    db.session.flush()
    assert digest.send_digests(now=now)[0] == 0
    assert digest.send_digests(now=now + timedelta(minutes=5))[0] == 1
    assert search.last_sent_at > late.published_at


def test_ended_saved_searches_and_former_providers_get_nothing(world):
    ended_owner = factories.make_provider()
    ended = saved(ended_owner, [], [])
    digest.end_saved_search(ended, actor=ended_owner)
    former = factories.make_provider()
    saved(former, [], [])
    for membership in former.memberships:
        membership.ended_at = utcnow()
    deactivated = factories.make_provider(deactivated_at=utcnow())
    saved(deactivated, [], [])
    db.session.flush()
    before = count(OutboxEmail)
    assert digest.send_digests()[0] == 0
    assert count(OutboxEmail) == before


def test_send_digest_command(app, world):
    provider = factories.make_provider()
    saved(provider, ["N57EKNT"], ["womens-services"])
    before = count(OutboxEmail)
    result = app.test_cli_runner().invoke(args=["send-digest"])
    assert result.exit_code == 0, result.output
    assert "queued 1 email(s)" in result.output
    assert count(OutboxEmail) == before + 1
    again = app.test_cli_runner().invoke(args=["send-digest"])
    assert "queued 0 email(s)" in again.output
    assert count(OutboxEmail) == before + 1


def test_create_saved_search_refuses_unknown_ids(db_session):
    provider = factories.make_provider()
    with pytest.raises(digest.SavedSearchError, match="Select areas from the list"):
        digest.create_saved_search(actor=provider, area_ids=[999_999], category_ids=[])
    with pytest.raises(digest.SavedSearchError, match="Select service categories from the list"):
        digest.create_saved_search(actor=provider, area_ids=[], category_ids=[999_999])
    assert count(SavedSearch) == 0
