"""The public side of needs: the list of open needs (search, filters, pages, bad query
strings), the need page (everything a provider needs to bid, drafts hidden), following,
and saved searches."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.needs import following
from marketplace.needs.models import (
    Amendment,
    Follow,
    Lot,
    Procedure,
    Question,
    QuestionVisibility,
    Reservation,
    SavedSearch,
)
from marketplace.reference.models import ServiceCategory
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in


def category(code: str) -> ServiceCategory:
    return db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code == code))


def titles(response) -> list[str]:
    """The need titles on the list, in order."""
    html = page_text(response)
    block = re.search(r'<ul class="govuk-list" id="results">(.*?)</ul>', html, re.DOTALL)
    if not block:
        return []
    return [
        re.sub(r"\s+", " ", t).strip().replace("&#39;", "'")
        for t in re.findall(r'<a class="govuk-link" href="/needs/\d+">(.*?)</a>', block.group(1), re.DOTALL)
    ]


def open_count(response) -> int:
    match = re.search(r'id="count">([\d,]+) open needs?<', page_text(response))
    assert match, page_text(response)
    return int(match.group(1).replace(",", ""))


def signed_in(client, user):
    response = sign_in(client, user.email)
    assert response.status_code == 302, page_text(response)
    return user


# The list ------------------------------------------------------------------------------


@pytest.fixture
def needs(db_session):
    """Open needs with different areas, categories, values and closing times, and needs
    that must never be listed."""
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57", email="kss@example.org")
    london_commissioner = factories.make_area_staff(Role.COMMISSIONER, "N07", email="london@example.org")
    made = {
        "housing": factories.make_need(
            area_code="N57EKNT",
            commissioner=commissioner,
            title="Housing support in Thanet",
            closes_in_days=20,
            lots=(2_000_000,),
        ),
        "mentoring": factories.make_need(
            area_code="N57KECL",
            commissioner=commissioner,
            title="Mentoring for young adults",
            closes_in_days=5,
            lots=(6_000_000,),
        ),
        "women": factories.make_need(
            area_code="N07CROY",
            commissioner=london_commissioner,
            title="Women's centre in Croydon",
            closes_in_days=40,
            lots=(20_000_000, 5_000_000),
        ),
        "big": factories.make_need(
            area_code="N07",
            commissioner=london_commissioner,
            title="Large recovery service",
            closes_in_days=60,
            lots=(80_000_000,),
        ),
        "draft": factories.make_need(
            area_code="N57EKNT", commissioner=commissioner, title="Draft housing need", published=False
        ),
        "closed": factories.make_need(area_code="N57EKNT", commissioner=commissioner, title="Closed housing need"),
        "withdrawn": factories.make_need(
            area_code="N57EKNT", commissioner=commissioner, title="Withdrawn housing need"
        ),
        "cancelled": factories.make_need(
            area_code="N57EKNT", commissioner=commissioner, title="Cancelled housing need"
        ),
    }
    made["housing"].category = category("accommodation")
    made["housing"].outcomes = list(category("accommodation").outcomes[:1])
    made["mentoring"].procedure = Procedure.CONTRACT
    made["big"].procedure = Procedure.CONTRACT
    made["big"].category = category("dependency")
    made["big"].outcomes = list(category("dependency").outcomes[:1])
    # make_need puts a region-wide need on the region's first PDU; cover two London ones.
    made["big"].pdus = [factories.area("N07CROY"), factories.area("N07BRNT")]
    made["women"].lots[1].reservation = Reservation.VCSE
    made["housing"].summary = "Tenancy sustainment with 100% of people housed_by month 3."
    now = utcnow()
    made["closed"].closes_at = now - timedelta(hours=1)
    made["closed"].question_deadline = now - timedelta(days=1)
    made["withdrawn"].withdrawn_at = now
    made["cancelled"].cancelled_at = now
    db.session.flush()
    made["commissioner"] = commissioner
    return made


OPEN_IN_ORDER = [
    "Mentoring for young adults",
    "Housing support in Thanet",
    "Women's centre in Croydon",
    "Large recovery service",
]


@pytest.mark.clock
@pytest.mark.parametrize("scan_below", [0, 10**9], ids=["closes_at index", "table read"])
def test_list_shows_only_open_needs_soonest_closing_first(client, needs, monkeypatch, scan_below):
    from marketplace.needs import search

    monkeypatch.setattr(search, "SCAN_BELOW", scan_below)
    response = client.get("/needs")
    assert response.status_code == 200
    assert titles(response) == OPEN_IN_ORDER
    assert open_count(response) == 4
    text = page_text(response)
    for hidden in ("Draft housing need", "Closed housing need", "Withdrawn housing need", "Cancelled housing need"):
        assert hidden not in text


@pytest.mark.clock
def test_list_needs_no_sign_in_and_shows_a_card_for_each_need(client, needs):
    text = page_text(client.get("/needs"))
    assert "East Kent (Kent, Surrey &amp; Sussex)" in text
    assert "Accommodation" in text
    assert "£20,000" in text  # housing: one lot of £20,000
    assert "£250,000" in text  # women: £200,000 + £50,000
    assert "Reserved for VCSE organisations" in text
    assert re.search(r"closes in \d+ working days", text)
    assert "on " in text and ("am on" in text or "pm on" in text or "midday on" in text or "midnight on" in text)


@pytest.mark.clock
@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=housing", ["Housing support in Thanet"]),
        ("q=HOUSING+thanet", ["Housing support in Thanet"]),  # every word, any case
        ("q=housing+croydon", []),
        ("q=tenancy", ["Housing support in Thanet"]),  # the summary counts too
        ("q=100%25", ["Housing support in Thanet"]),  # % is not a wildcard
        ("q=%25", OPEN_IN_ORDER),  # no words in it: no word search
        ("q=housed_by", ["Housing support in Thanet"]),
        ("q=housed_b_", []),  # _ is a character, not a wildcard
        ("q=women%27s+centre", ["Women's centre in Croydon"]),  # "women" alone: every default summary
        ("region={N57}", ["Mentoring for young adults", "Housing support in Thanet"]),
        ("region={N07}", ["Women's centre in Croydon", "Large recovery service"]),
        ("pdu={N57EKNT}", ["Housing support in Thanet"]),
        ("pdu={N07BRNT}", ["Large recovery service"]),  # a region's need covering that PDU
        ("pdu={N07CROY}", ["Women's centre in Croydon", "Large recovery service"]),
        ("category=accommodation", ["Housing support in Thanet"]),
        ("procedure=contract", ["Mentoring for young adults", "Large recovery service"]),
        ("procedure=grant", ["Housing support in Thanet", "Women's centre in Croydon"]),
        ("value=under-25k", ["Housing support in Thanet"]),
        ("value=25k-100k", ["Mentoring for young adults"]),
        ("value=100k-500k", ["Women's centre in Croydon"]),
        ("value=over-500k", ["Large recovery service"]),
        ("vcse=y", ["Women's centre in Croydon"]),
        ("closing_soon=y", ["Mentoring for young adults"]),
        ("region={N57}&procedure=grant", ["Housing support in Thanet"]),
    ],
)
@pytest.mark.parametrize("scan_below", [0, 10**9], ids=["closes_at index", "table read"])
def test_each_filter_and_the_search(client, needs, monkeypatch, query, expected, scan_below):
    from marketplace.needs import search

    monkeypatch.setattr(search, "SCAN_BELOW", scan_below)

    def fill(match):
        code = match.group(1)
        return str(factories.area(code).id)

    query = re.sub(r"\{(\w+)\}", fill, query)
    query = re.sub(r"category=([\w-]+)", lambda m: f"category={category(m.group(1)).id}", query)
    response = client.get(f"/needs?{query}")
    assert response.status_code == 200
    assert error_summary(response) == []
    assert titles(response) == expected
    assert open_count(response) == len(expected)


def test_filters_keep_the_values_chosen(client, needs):
    region = factories.area("N57").id
    text = page_text(client.get(f"/needs?q=housing&region={region}&procedure=grant&vcse=y"))
    assert 'value="housing"' in text
    assert re.search(rf'<option value="{region}" selected', text)
    assert re.search(r'value="grant" checked', text)
    assert re.search(r'name="vcse" type="checkbox" value="y" checked', text)


@pytest.fixture
def many_needs(db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")
    return [
        factories.make_need(commissioner=commissioner, title=f"Need number {i:02d}", closes_in_days=10 + i)
        for i in range(45)
    ]


def test_pages_of_20_with_govuk_pagination_keeping_the_filters(client, many_needs):
    first = client.get("/needs?q=number")
    assert titles(first) == [f"Need number {i:02d}" for i in range(20)]
    assert open_count(first) == 45
    text = page_text(first)
    assert "govuk-pagination" in text
    assert "page=2" in text and "q=number" in text
    third = client.get("/needs?q=number&page=3")
    assert titles(third) == [f"Need number {i:02d}" for i in range(40, 45)]


@pytest.mark.parametrize("page", ["-1", "0", "abc", "1.5", "99999999999", "1%00", "%27%20OR%201=1--"])
def test_bad_page_numbers_show_the_first_page_with_a_message(client, many_needs, page):
    response = client.get(f"/needs?page={page}")
    assert response.status_code == 200
    assert titles(response)[0] == "Need number 00"
    assert "That page number does not exist, so the first page is shown." in page_text(response)


def test_a_page_past_the_end_shows_the_last_page(client, many_needs):
    response = client.get("/needs?page=200")
    assert response.status_code == 200
    assert titles(response) == [f"Need number {i:02d}" for i in range(40, 45)]
    assert "There is no page 200, so the last page is shown." in page_text(response)


@pytest.mark.parametrize(
    "query, message",
    [
        ("region=999999", "Select a region from the list"),
        ("region=abc", "Select a region from the list"),
        ("region=-1", "Select a region from the list"),
        ("region={N57EKNT}", "Select a region from the list"),  # a PDU is not a region
        ("pdu={N57}", "Select a probation delivery unit from the list"),  # a region is not a PDU
        ("pdu=1%00", "Select a probation delivery unit from the list"),
        ("pdu=1%27%20OR%20%271%27=%271", "Select a probation delivery unit from the list"),
        ("category=999999", "Select a service category from the list"),
        ("procedure=auction", "Select grant, contract or any"),
        ("value=free", "Select a value from the list"),
        ("q=" + "x" * 10_000, "Search words must be 200 characters or fewer"),
        ("q=" + "+".join(["a"] * 11), "Enter 10 search words or fewer"),
    ],
)
def test_bad_filters_show_a_govuk_error_and_are_ignored(client, needs, query, message):
    query = re.sub(r"\{(\w+)\}", lambda m: str(factories.area(m.group(1)).id), query)
    response = client.get(f"/needs?{query}")
    assert response.status_code == 200
    assert error_summary(response) == [message]
    text = page_text(response)
    assert "<title>Error:" in text
    assert "govuk-error-message" in text
    assert "have not been applied" in text
    assert titles(response) == OPEN_IN_ORDER  # the bad filter is left out


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=a%00b",
        "q=%27%3B%20DROP%20TABLE%20needs%3B--",
        "q=%5C",
        "q=%E2%80%AE",
        "vcse=%00",
        "closing_soon=maybe",
        "q=%F0%9F%8F%A0",
        "unknown=1",
    ],
)
def test_odd_query_strings_never_fail(client, needs, query):
    response = client.get(f"/needs?{query}")
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Lot)) > 0  # nothing dropped


def test_no_open_needs_says_so(client, db_session):
    text = page_text(client.get("/needs"))
    assert "0 open needs" in text
    assert "There are no open needs at the moment." in text


# The need page -------------------------------------------------------------------------


@pytest.fixture
def full_need(db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT", email="commissioner@example.org")
    need = factories.make_need(commissioner=commissioner, title="Women's centre support", lots=(10_000_001, 3_000_000))
    need.lots[1].reservation = Reservation.VCSE
    need.conditions = ["safeguarding", "dbs"]
    asker_org = factories.make_organisation("Secret Asking Charity")
    asker = factories.make_provider(Role.OWNER, asker_org, name="Priya Asker", email="priya.asker@example.org")
    now = utcnow()
    db.session.add_all(
        [
            Question(
                need_id=need.id,
                organisation_id=asker_org.id,
                asked_by_id=asker.id,
                text="Can volunteers deliver sessions?",
                asked_at=now,
                answer="Yes, with DBS checks.",
                answered_at=now,
                answered_by_id=commissioner.id,
                visibility=QuestionVisibility.PUBLISHED,
            ),
            Question(
                need_id=need.id,
                organisation_id=asker_org.id,
                asked_by_id=asker.id,
                text="What is our private matter?",
                asked_at=now,
                answer="A private answer.",
                answered_at=now,
                answered_by_id=commissioner.id,
                visibility=QuestionVisibility.PRIVATE,
            ),
            Question(
                need_id=need.id,
                organisation_id=asker_org.id,
                asked_by_id=asker.id,
                text="An unanswered question?",
                asked_at=now,
            ),
            Amendment(
                need_id=need.id,
                made_at=now,
                made_by_id=commissioner.id,
                reason="Budget increased after review",
                changes={
                    "lots": {
                        "before": [
                            {
                                "id": need.lots[0].id,
                                "title": "Lot 1",
                                "description": "",
                                "value_pence": 9_000_000,
                                "reservation": "none",
                            }
                        ],
                        "after": [
                            {
                                "id": need.lots[0].id,
                                "title": "Lot 1",
                                "description": "",
                                "value_pence": 10_000_001,
                                "reservation": "none",
                            }
                        ],
                    }
                },
                material=True,
                lots=[need.lots[0]],
                closes_at_before=need.closes_at - timedelta(days=3),
                closes_at_after=need.closes_at,
            ),
        ]
    )
    db.session.flush()
    return need


def test_need_page_has_everything_a_provider_needs_to_bid(client, full_need):
    response = client.get(f"/needs/{full_need.id}")
    assert response.status_code == 200
    text = page_text(response)
    for expected in [
        "Women&#39;s centre support",
        "Support for women on probation in East Kent.",
        "East Kent (Kent, Surrey &amp; Sussex)",
        "Women&#39;s services",
        "Women on probation",
        "40",
        "12 months",
        "Grant",
        "Open",
        "Lot 1: Lot 1",
        "£100,000.01",
        "£30,000",
        "Reserved for VCSE organisations",
        "How will you reach women who do not engage?",
        "60%",
        "Social value",
        "Price",
        "A safeguarding policy",
        "A process for DBS checks",
        "never be asked for a bond, deposit, guarantee or turnover test",
        "Questions until",
        "Closing time",
        "Budget increased after review",
        "Lot 1 (Lot 1): budget",
        "£90,000",
        "Bids already submitted on lot 1 must be confirmed again.",
        "The closing time moved from",
        "Can volunteers deliver sessions?",
        "Yes, with DBS checks.",
        'id="questions"',
    ]:
        assert expected in text, expected


def test_need_page_shows_the_payment_schedule_per_lot_in_pounds(client, full_need):
    text = page_text(client.get(f"/needs/{full_need.id}"))
    # Lot 1 is £100,000.01: 25% advance, 40%, 35% (the rounding goes to the last payment).
    assert "Advance at contract start" in text
    for amount in ("£25,000", "£40,000", "£35,000.01"):
        assert amount in text, amount
    # Lot 2 is £30,000: £7,500, £12,000, £10,500.
    for amount in ("£7,500", "£12,000", "£10,500"):
        assert amount in text, amount
    assert "Month 6 (40%)" in text and "Month 12 (35%)" in text


@pytest.mark.parametrize("viewer", ["anonymous", "provider", "commissioner"])
def test_need_page_never_shows_who_asked_or_private_and_unanswered_questions(client, full_need, viewer):
    if viewer == "provider":
        signed_in(client, factories.make_provider())
    elif viewer == "commissioner":
        signed_in(client, full_need.created_by)
    text = page_text(client.get(f"/needs/{full_need.id}"))
    assert "Can volunteers deliver sessions?" in text
    for secret in (
        "Secret Asking Charity",
        "Priya Asker",
        "priya.asker",
        "What is our private matter?",
        "A private answer.",
        "An unanswered question?",
    ):
        assert secret not in text


@pytest.fixture
def draft(db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT", email="owner-commissioner@example.org")
    return factories.make_need(commissioner=commissioner, title="Secret draft need", published=False)


@pytest.mark.parametrize(
    "viewer, status",
    [
        ("anonymous", 404),
        ("provider", 404),
        ("other_area_commissioner", 404),
        ("evaluator_same_area", 404),
        ("admin", 404),
        ("commissioner", 200),
        ("region_commissioner", 200),
    ],
)
def test_drafts_are_404_except_to_commissioners_of_the_area(client, draft, viewer, status):
    users = {
        "provider": lambda: factories.make_provider(),
        "other_area_commissioner": lambda: factories.make_area_staff(Role.COMMISSIONER, "N07"),
        "evaluator_same_area": lambda: factories.make_area_staff(Role.EVALUATOR, "N57EKNT"),
        "admin": lambda: factories.make_user(admin=True),
        "commissioner": lambda: draft.created_by,
        "region_commissioner": lambda: factories.make_area_staff(Role.COMMISSIONER, "N57"),
    }
    if viewer != "anonymous":
        signed_in(client, users[viewer]())
    response = client.get(f"/needs/{draft.id}")
    assert response.status_code == status
    if status == 404:
        assert "Secret draft need" not in page_text(response)
    else:
        assert "This need is a draft" in page_text(response)


def test_unknown_need_is_404(client, db_session):
    assert client.get("/needs/999999").status_code == 404


@pytest.mark.parametrize(
    "ending, label",
    [("closed", "Closed"), ("withdrawn", "Withdrawn"), ("cancelled", "Cancelled")],
)
def test_ended_needs_keep_a_public_page_with_their_status(client, db_session, ending, label):
    need = factories.make_need(title="An ended need")
    now = utcnow()
    if ending == "closed":
        need.closes_at = now - timedelta(hours=1)
        need.question_deadline = now - timedelta(days=1)
    else:
        setattr(need, f"{ending}_at", now)
        need.end_reason = "Funding was moved"
    db.session.flush()
    text = page_text(client.get(f"/needs/{need.id}"))
    assert re.search(rf'govuk-tag[^"]*">\s*{label}\s*<', text)
    if ending != "closed":
        # The reason on its own line, with the user's text escaped and the markup not.
        assert f"This need has been {ending}.<br>Reason: Funding was moved" in text
        assert "&lt;br&gt;" not in text
    assert "Follow this need" not in text


def test_after_the_question_deadline_a_provider_can_still_read_its_questions(client, db_session):
    need = factories.make_need(title="Questions closed")
    need.question_deadline = utcnow() - timedelta(hours=1)
    provider = factories.make_provider()
    db.session.commit()
    sign_in(client, provider.email)
    text = page_text(client.get(f"/needs/{need.id}"))
    assert "Ask a question" not in text
    assert f'href="/needs/{need.id}/questions/mine"' in text or "questions and their answers" in text


# Following -----------------------------------------------------------------------------


def test_a_provider_follows_and_unfollows_a_need(client, needs):
    need = needs["housing"]
    provider = signed_in(client, factories.make_provider())
    page = f"/needs/{need.id}"
    assert "Follow this need" in page_text(client.get(page))
    response = post_form(client, f"{page}/follow", from_url=page)
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    follows = lambda: count(Follow, Follow.user_id == provider.id, Follow.need_id == need.id, Follow.ended_at.is_(None))
    assert follows() == 1
    assert count(AuditEvent, AuditEvent.action == "need.followed") == 1
    # Following twice keeps one follow.
    post_form(client, f"{page}/follow", from_url="/needs")
    assert follows() == 1
    following = page_text(client.get("/needs/following"))
    assert "Housing support in Thanet" in following
    assert "Stop following" in page_text(client.get(page))

    response = post_form(client, f"{page}/unfollow", from_url=page)
    assert response.status_code == 302
    assert follows() == 0
    assert count(Follow, Follow.user_id == provider.id) == 1  # ended, not deleted
    assert "You do not follow any needs." in page_text(client.get("/needs/following"))


@pytest.mark.parametrize(
    "who, status",
    [("anonymous", 302), ("commissioner", 403), ("provider", 302), ("evaluator", 403), ("admin", 403)],
)
def test_who_may_follow_an_open_need(client, needs, who, status):
    need = needs["housing"]
    users = {
        "commissioner": lambda: needs["commissioner"],
        "provider": lambda: factories.make_provider(),
        "evaluator": lambda: factories.make_area_staff(Role.EVALUATOR, "N57EKNT"),
        "admin": lambda: factories.make_user(admin=True),
    }
    if who != "anonymous":
        signed_in(client, users[who]())
    response = post_form(
        client, f"/needs/{need.id}/follow", from_url="/sign-in" if who == "anonymous" else f"/needs/{need.id}"
    )
    assert response.status_code == status
    if who == "anonymous":
        assert "/sign-in" in response.headers["Location"]
    expected = 1 if who == "provider" else 0
    assert count(Follow, Follow.need_id == need.id) == expected


@pytest.mark.parametrize("which", ["closed", "withdrawn", "cancelled"])
def test_a_need_that_is_not_open_cannot_be_followed(client, needs, which):
    signed_in(client, factories.make_provider())
    response = post_form(client, f"/needs/{needs[which].id}/follow", from_url="/needs")
    assert response.status_code == 403
    assert count(Follow) == 0


def test_a_draft_cannot_be_followed_or_seen(client, needs):
    signed_in(client, factories.make_provider())
    assert post_form(client, f"/needs/{needs['draft'].id}/follow", from_url="/needs").status_code == 404
    assert count(Follow) == 0


def test_follow_without_csrf_token_changes_nothing(client, needs):
    signed_in(client, factories.make_provider())
    response = client.post(f"/needs/{needs['housing'].id}/follow")
    assert response.status_code in (302, 400)
    assert count(Follow) == 0


def test_a_closed_need_can_still_be_unfollowed(client, needs):
    provider = signed_in(client, factories.make_provider())
    need = needs["housing"]
    following.follow_need(need, actor=provider)
    need.closes_at = utcnow() - timedelta(minutes=1)
    need.question_deadline = utcnow() - timedelta(days=1)
    db.session.flush()
    response = post_form(client, f"/needs/{need.id}/unfollow", {"back": "following"}, from_url="/needs/following")
    assert response.headers["Location"].endswith("/needs/following")
    assert count(Follow, Follow.ended_at.is_(None)) == 0


def test_following_list_needs_sign_in(client, db_session):
    response = client.get("/needs/following")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# Saved searches ------------------------------------------------------------------------


def test_a_provider_saves_and_removes_a_search(client, db_session):
    provider = signed_in(client, factories.make_provider())
    east_kent, london = factories.area("N57EKNT"), factories.area("N07")
    housing, women = category("accommodation"), category("womens-services")
    response = post_form(
        client,
        "/needs/saved-searches",
        {"areas": [str(east_kent.id), str(london.id)], "categories": [str(housing.id), str(women.id)]},
    )
    assert response.status_code == 302, error_summary(response)
    saved = db.session.scalar(sa.select(SavedSearch).where(SavedSearch.user_id == provider.id))
    assert sorted(saved.area_ids) == sorted([east_kent.id, london.id])
    assert sorted(saved.category_ids) == sorted([housing.id, women.id])
    assert count(AuditEvent, AuditEvent.action == "saved_search.created") == 1
    text = page_text(client.get("/needs/saved-searches"))
    assert "East Kent (Kent, Surrey &amp; Sussex)" in text and "London region" in text
    assert "Accommodation" in text

    response = post_form(client, f"/needs/saved-searches/{saved.id}/remove", from_url="/needs/saved-searches")
    assert response.status_code == 302
    db.session.refresh(saved)
    assert saved.ended_at is not None
    assert count(SavedSearch) == 1  # ended, not deleted
    assert "You have no saved searches." in page_text(client.get("/needs/saved-searches"))
    # Removing it again: it is no longer there.
    assert (
        post_form(client, f"/needs/saved-searches/{saved.id}/remove", from_url="/needs/saved-searches").status_code
        == 404
    )


def test_all_areas_and_any_category_save_as_empty_lists(client, db_session):
    provider = signed_in(client, factories.make_provider())
    east_kent = factories.area("N57EKNT")
    response = post_form(client, "/needs/saved-searches", {"areas": ["all", str(east_kent.id)], "categories": ["all"]})
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(SavedSearch).where(SavedSearch.user_id == provider.id))
    assert saved.area_ids == [] and saved.category_ids == []
    assert "All of England and Wales" in page_text(client.get("/needs/saved-searches"))


@pytest.mark.parametrize(
    "data, messages",
    [
        (
            {},
            [
                "Select at least one region or delivery unit, or All of England and Wales",
                "Select at least one service category, or Any service category",
            ],
        ),
        ({"categories": ["all"]}, ["Select at least one region or delivery unit, or All of England and Wales"]),
        ({"areas": ["all"]}, ["Select at least one service category, or Any service category"]),
        ({"areas": ["999999"], "categories": ["all"]}, ["Select areas from the list"]),
        ({"areas": ["abc"], "categories": ["all"]}, ["Select areas from the list"]),
        ({"areas": ["all"], "categories": ["-1"]}, ["Select service categories from the list"]),
        ({"areas": ["all"], "categories": ["1\x00"]}, ["Select service categories from the list"]),
        ({"areas": ["x" * 10_000], "categories": ["all"]}, ["Select areas from the list"]),
    ],
)
def test_saved_search_bad_input_is_refused_with_a_message(client, db_session, data, messages):
    signed_in(client, factories.make_provider())
    response = post_form(client, "/needs/saved-searches", data)
    assert response.status_code == 200
    assert error_summary(response) == messages
    assert "<title>Error:" in page_text(response)
    assert count(SavedSearch) == 0


def test_saved_search_keeps_the_choices_after_an_error(client, db_session):
    signed_in(client, factories.make_provider())
    east_kent = factories.area("N57EKNT")
    text = page_text(post_form(client, "/needs/saved-searches", {"areas": [str(east_kent.id)]}))
    assert re.search(rf'value="{east_kent.id}" checked', text)


@pytest.mark.parametrize("who, status", [("anonymous", 302), ("commissioner", 403), ("admin", 403), ("provider", 200)])
def test_who_may_use_saved_searches(client, db_session, who, status):
    users = {
        "commissioner": lambda: factories.make_area_staff(Role.COMMISSIONER, "N57EKNT"),
        "admin": lambda: factories.make_user(admin=True),
        "provider": lambda: factories.make_provider(),
    }
    if who != "anonymous":
        signed_in(client, users[who]())
    assert client.get("/needs/saved-searches").status_code == status


def test_cannot_remove_someone_elses_saved_search(client, db_session):
    other = factories.make_provider()
    saved = SavedSearch(user_id=other.id, area_ids=[], category_ids=[], created_at=utcnow())
    db.session.add(saved)
    db.session.flush()
    signed_in(client, factories.make_provider())
    response = post_form(client, f"/needs/saved-searches/{saved.id}/remove", from_url="/needs/saved-searches")
    assert response.status_code == 404
    db.session.refresh(saved)
    assert saved.ended_at is None


# Scale data for the benchmark ----------------------------------------------------------


def test_generate_needs_adds_needs_the_list_can_show(app, client):
    from marketplace.needs.models import Need

    before = count(Need)
    result = app.test_cli_runner().invoke(args=["generate-needs", "--count", "60", "--seed", "7"])
    assert result.exit_code == 0, result.output
    assert count(Need) == before + 60
    response = client.get("/needs")
    assert response.status_code == 200
    assert open_count(response) > 20  # about 75% are open
    assert client.get("/needs?page=2").status_code == 200


def test_generate_needs_is_refused_in_production(app, db_session, monkeypatch):
    from marketplace.needs.models import Need

    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", False)
    result = app.test_cli_runner().invoke(args=["generate-needs", "--count", "5"])
    assert result.exit_code != 0
    assert "refused in production" in result.output
    assert count(Need) == 0


def test_a_provider_sees_how_to_ask_a_question_and_the_public_does_not(client, needs):
    need = needs["housing"]
    link = f'href="/needs/{need.id}/questions/new"'
    assert link not in page_text(client.get(f"/needs/{need.id}"))
    signed_in(client, factories.make_provider())
    text = page_text(client.get(f"/needs/{need.id}"))
    assert link in text
    assert "Who asked is never shown." in text
