"""Consortium bids through HTTP: the lead adds registered partners (found by name or
number) and invites ones not yet registered, sets everyone's shares and removes partners;
partners confirm or decline their share; invited organisations accept the emailed link.
Every form with bad input: a clear GOV.UK error, the input kept, nothing written."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from marketplace.audit import AuditEvent
from marketplace.bids import consortium
from marketplace.bids.models import Bid, BidPartner
from marketplace.extensions import db
from marketplace.notifications import OutboxEmail
from marketplace.timeutil import utcnow

from .. import factories
from ..accounts import emails_to, link_in
from ..helpers import count, error_summary, page_text, post_form, sign_in


def _signed_in(client, user):
    if client.get("/sign-in").status_code == 302:  # someone is signed in already
        post_form(client, "/sign-out", from_url="/")
    response = sign_in(client, user.email)
    assert response.status_code == 302, page_text(response)
    return user


def _value(text) -> str:
    return f'value="{escape(str(text))}"'


def _partner_rows():
    """Everything about partners that a form could write, to compare before and after."""
    return [
        (p.id, p.organisation_id, p.work_percent, p.price_percent, p.confirmed_at, p.declined_at, p.removed_at)
        for p in db.session.scalars(sa.select(BidPartner).order_by(BidPartner.id)).all()
    ]


def _fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


@pytest.fixture
def need(db_session):
    return factories.make_need(lots=(5_000_000, 2_000_000))


@pytest.fixture
def lead(db_session):
    organisation = factories.make_organisation("Thanet Women's Centre")
    return factories.make_provider(organisation=organisation, name="Lena Lead")


@pytest.fixture
def bid(need, lead):
    return factories.make_bid(need, provider=lead, submit=False)


@pytest.fixture
def partner_user(db_session):
    organisation = factories.make_organisation("Margate Mentoring CIC")
    return factories.make_provider(organisation=organisation, name="Pat Partner")


@pytest.fixture
def partner(bid, lead, partner_user):
    added, _ = consortium.invite_partner(
        bid, organisation=partner_user.organisations[0], work_percent=40, price_percent=30, actor=lead
    )
    db.session.flush()
    return added


# The partners page ---------------------------------------------------------------------


def test_partners_page_lists_every_partner_with_status_and_shares(client, need, bid, lead, partner, partner_user):
    confirmed_user = factories.make_provider(organisation=factories.make_organisation("Ramsgate Recovery"))
    confirmed, _ = consortium.invite_partner(
        bid, organisation=confirmed_user.organisations[0], work_percent=10, price_percent=10, actor=lead
    )
    consortium.confirm_partner(confirmed, actor=confirmed_user)
    declined_user = factories.make_provider(organisation=factories.make_organisation("Deal Debt Advice"))
    declined, _ = consortium.invite_partner(
        bid, organisation=declined_user.organisations[0], work_percent=5, price_percent=5, actor=lead
    )
    consortium.decline_partner(declined, actor=declined_user)
    consortium.invite_partner(
        bid, name="Folkestone Food Bank", email="hello@ffb.example.org", work_percent=5, price_percent=5, actor=lead
    )
    db.session.flush()
    _signed_in(client, lead)
    response = client.get(f"/bids/{bid.id}/partners")
    assert response.status_code == 200
    html = page_text(response)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "Thanet Women&#39;s Centre (lead)" in html
    for name, status in (
        ("Margate Mentoring CIC", "Waiting for confirmation"),
        ("Ramsgate Recovery", "Confirmed"),
        ("Deal Debt Advice", "Declined"),
        ("Folkestone Food Bank", "Invited to join the portal"),
    ):
        assert re.search(re.escape(name) + r".*?" + re.escape(status), text), name
    assert "hello@ffb.example.org" in html
    # Lead 100 + 40 + 10 + 5 (the declined partner has no share): a warning, not a refusal.
    assert "The shares of the work add up to 155% and the shares of the price to 145%" in text
    assert "Deal Debt Advice has declined: remove it from the bid" in text
    # The shares form has a box for the lead and each partner that has not declined.
    assert f'name="work_{partner.id}"' in html and f'name="price_{confirmed.id}"' in html
    assert f'name="work_{declined.id}"' not in html


def test_bidding_alone_shows_no_shares_form(client, bid, lead):
    _signed_in(client, lead)
    html = page_text(client.get(f"/bids/{bid.id}/partners"))
    assert "is bidding alone, with 100% of the work and the price" in html
    assert 'name="lead_work"' not in html
    assert f"/bids/{bid.id}/partners/add" in html and f"/bids/{bid.id}/partners/invite" in html


# Adding a registered organisation --------------------------------------------------------


def test_search_finds_verified_organisations_by_name_charity_or_company_number(client, bid, lead, partner_user):
    cic = factories.make_organisation("Broadstairs Bikes CIC", legal_form=factories.LegalForm.CIC)
    factories.make_organisation("Margate Mentoring Unverified", verified=False)
    _signed_in(client, lead)
    by_name = page_text(client.get(f"/bids/{bid.id}/partners/add?q=margate"))
    assert "Margate Mentoring CIC" in by_name
    assert "Unverified" not in by_name
    assert f'value="{partner_user.organisations[0].id}"' in by_name
    by_company = page_text(
        client.get(f"/bids/{bid.id}/partners/add", query_string={"q": cic.company_number.lstrip("0")})
    )
    assert "Broadstairs Bikes CIC" in by_company
    charity = partner_user.organisations[0].charity_number
    assert "Margate Mentoring CIC" in page_text(client.get(f"/bids/{bid.id}/partners/add", query_string={"q": charity}))
    # The lead itself is never offered.
    assert f'value="{bid.organisation_id}"' not in page_text(client.get(f"/bids/{bid.id}/partners/add?q=Thanet"))
    assert "No verified organisation matches" in page_text(client.get(f"/bids/{bid.id}/partners/add?q=zzzz"))
    # A search with wildcards matches them literally.
    assert "No verified organisation matches" in page_text(client.get(f"/bids/{bid.id}/partners/add?q=%25%25"))


@pytest.mark.parametrize(
    "q, message",
    [("", "Enter the organisation's name, or its charity or company number"), ("a", "Enter at least 2 characters")],
)
def test_search_too_short(client, bid, lead, q, message):
    _signed_in(client, lead)
    response = client.get(f"/bids/{bid.id}/partners/add", query_string={"q": q})
    assert response.status_code == 200
    assert any(m.startswith(message) for m in error_summary(response))


def test_add_a_registered_partner(client, need, bid, lead, partner_user):
    organisation = partner_user.organisations[0]
    _signed_in(client, lead)
    response = post_form(
        client,
        f"/bids/{bid.id}/partners/add",
        {"organisation": str(organisation.id), "work_percent": "40", "price_percent": "35%", "query": "margate"},
        from_url=f"/bids/{bid.id}/partners/add?q=margate",
    )
    assert response.status_code == 302, error_summary(response)
    assert response.headers["Location"] == f"/bids/{bid.id}/partners"
    added = db.session.scalar(sa.select(BidPartner).where(BidPartner.bid_id == bid.id))
    assert (added.organisation_id, added.work_percent, added.price_percent) == (organisation.id, 40, 35)
    assert added.confirmed_at is None
    email = emails_to(partner_user.email)[-1]
    assert "Confirm your share" in email.subject and "40% of the work and 35% of the price" in email.body
    page = client.get(response.headers["Location"])
    text = page_text(page)
    assert "Margate Mentoring CIC added as a partner" in text
    assert "Waiting for confirmation" in text
    assert "The shares of the work add up to 140% and the shares of the price to 135%" in text


def _add(client, bid, data, q="margate"):
    base = {"organisation": "", "work_percent": "40", "price_percent": "30", "query": q}
    return post_form(
        client, f"/bids/{bid.id}/partners/add", {**base, **data}, from_url=f"/bids/{bid.id}/partners/add?q={q}"
    )


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("work_percent", "", "Enter the partner's share of the work"),
        ("work_percent", "forty", "The partner's share of the work must be a whole number, like 40"),
        ("work_percent", "12.5", "The partner's share of the work must be a whole number, like 40"),
        ("work_percent", "-5", "The partner's share of the work must be a whole number, like 40"),
        ("work_percent", "0", "The partner's share of the work must be between 1% and 99%"),
        ("work_percent", "100", "The partner's share of the work must be between 1% and 99%"),
        ("work_percent", "1000000", "The partner's share of the work must be between 1% and 99%"),
        ("price_percent", "", "Enter the partner's share of the price"),
        ("price_percent", "101", "The partner's share of the price must be between 0% and 99%"),
        ("price_percent", "1e2", "The partner's share of the price must be a whole number, like 40"),
    ],
)
def test_add_partner_refuses_bad_shares(client, bid, lead, partner_user, field, value, message):
    _signed_in(client, lead)
    before = _partner_rows()
    response = _add(client, bid, {"organisation": str(partner_user.organisations[0].id), field: value})
    assert response.status_code == 200
    assert error_summary(response) == [message]
    assert _value(value) in page_text(response) or value == ""
    assert _partner_rows() == before


def _forged(kind, bid, lead, need):
    if kind == "nonexistent":
        return "99999999"
    if kind == "not a number":
        return "1 OR 1=1"
    if kind == "empty":
        return ""
    if kind == "unverified":
        return str(factories.make_organisation("Margate Unverified", verified=False).id)
    if kind == "the lead itself":
        return str(bid.organisation_id)
    if kind == "leads another bid on the lot":
        other = factories.make_provider(organisation=factories.make_organisation("Margate Rival"))
        factories.make_bid(need, provider=other, submit=False)
        return str(other.organisations[0].id)
    if kind == "partner in another bid on the lot":
        other_lead = factories.make_provider()
        other_bid = factories.make_bid(need, provider=other_lead, submit=False)
        joined = factories.make_provider(organisation=factories.make_organisation("Margate Joined"))
        consortium.invite_partner(
            other_bid, organisation=joined.organisations[0], work_percent=10, price_percent=10, actor=other_lead
        )
        return str(joined.organisations[0].id)
    if kind == "already a partner here":
        again = factories.make_provider(organisation=factories.make_organisation("Margate Again"))
        consortium.invite_partner(
            bid, organisation=again.organisations[0], work_percent=10, price_percent=10, actor=lead
        )
        return str(again.organisations[0].id)
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind, message",
    [
        ("nonexistent", "Select an organisation from the search results"),
        ("not a number", "Select an organisation from the search results"),
        ("empty", "Select the organisation to add as a partner"),
        ("unverified", "Select an organisation that is registered and verified on Local Partners"),
        ("the lead itself", "The lead organisation cannot also be a partner"),
        ("leads another bid on the lot", "Margate Rival is already bidding for this lot"),
        ("partner in another bid on the lot", "Margate Joined is already bidding for this lot"),
        ("already a partner here", "Margate Again is already a partner in this bid"),
    ],
)
def test_add_partner_refuses_forged_organisations(client, need, bid, lead, kind, message):
    factories.make_organisation("Margate Mentoring CIC")  # so the search finds something
    organisation_id = _forged(kind, bid, lead, need)
    db.session.flush()
    _signed_in(client, lead)
    before = _partner_rows()
    emails = count(OutboxEmail)
    response = _add(client, bid, {"organisation": organisation_id, "work_percent": "33", "price_percent": "21"})
    assert response.status_code == 200
    assert error_summary(response) == [message]
    html = page_text(response)
    assert _value("33") in html and _value("21") in html  # what was typed is kept
    assert _partner_rows() == before
    assert count(OutboxEmail) == emails


def test_a_partner_cannot_lead_a_second_bid_on_the_same_lot(client, need, bid, partner, partner_user):
    _signed_in(client, partner_user)
    before = count(Bid)
    response = post_form(client, f"/needs/{need.id}/bid", {"lot": str(need.lots[0].id)})
    assert response.status_code == 200
    assert "Margate Mentoring CIC is already a partner in another bid for this lot" in error_summary(response)
    assert count(Bid) == before
    # Another lot of the same need is fine.
    response = post_form(client, f"/needs/{need.id}/bid", {"lot": str(need.lots[1].id)})
    assert response.status_code == 302
    assert count(Bid) == before + 1


# Inviting an organisation not on the portal, and the emailed link ---------------------------


def test_invite_refuses_bad_input(client, bid, lead):
    _signed_in(client, lead)
    before = (_partner_rows(), count(OutboxEmail))
    cases = [
        ({"name": "", "email": "a@example.org"}, "Enter the organisation's name"),
        ({"name": "Deal <b>Debt</b>", "email": "a@example.org"}, "Organisation name must not contain < or >"),
        ({"name": "Deal Debt", "email": ""}, "Enter the email address of someone at the organisation"),
        (
            {"name": "Deal Debt", "email": "not an email"},
            "Enter an email address in the correct format, like name@example.com",
        ),
        (
            {"name": "Deal Debt", "email": "a@example.org", "work_percent": "lots"},
            "The partner's share of the work must be a whole number, like 40",
        ),
        (
            {"name": "Deal Debt", "email": "a@example.org", "price_percent": "150"},
            "The partner's share of the price must be between 0% and 99%",
        ),
    ]
    for data, message in cases:
        full = {"name": "", "email": "", "work_percent": "20", "price_percent": "20", **data}
        response = post_form(client, f"/bids/{bid.id}/partners/invite", full)
        assert response.status_code == 200, data
        assert error_summary(response) == [message], data
        if full["name"]:
            assert _value(full["name"]) in page_text(response)
    assert (_partner_rows(), count(OutboxEmail)) == before


def _token_from(email: OutboxEmail) -> str:
    path = link_in(email)
    assert path.startswith("/bids/invitations/"), path
    return path


def test_invitation_end_to_end(client, need, bid, lead):
    # The lead invites an organisation that is not on the portal.
    _signed_in(client, lead)
    response = post_form(
        client,
        f"/bids/{bid.id}/partners/invite",
        {
            "name": "Deal Debt Advice",
            "email": "Hello@DealDebt.example.org",
            "work_percent": "25",
            "price_percent": "20",
        },
    )
    assert response.status_code == 302, error_summary(response)
    invited = db.session.scalar(sa.select(BidPartner).where(BidPartner.bid_id == bid.id))
    assert (invited.organisation_id, invited.invited_email, invited.work_percent) == (
        None,
        "hello@dealdebt.example.org",
        25,
    )
    assert "Invited to join the portal" in page_text(client.get(f"/bids/{bid.id}/partners"))
    email = emails_to("hello@dealdebt.example.org")[-1]
    assert "invites you to bid together" in email.subject
    assert "25% of the work and 20% of the price" in email.body
    link = _token_from(email)
    post_form(client, "/sign-out", from_url="/")

    # Someone from the organisation opens the link, not signed in: sign in or register.
    page = client.get(link)
    assert page.status_code == 200
    html = page_text(page)
    assert "Thanet Women&#39;s Centre invites you to bid together" in html
    assert "/register" in html
    sign_in_url = re.search(r'href="(/sign-in\?next=[^"]+)"', html).group(1)
    assert "/bids/invitations/" in sign_in_url.replace("%2F", "/")

    # They register from the page; the one email confirming their address, opened in the
    # same browser, signs them in and brings them back to the invitation.
    register_url = re.search(r'href="(/register\?next=[^"]+)"', html).group(1).replace("&amp;", "&")
    assert "/bids/invitations/" in register_url.replace("%2F", "/")
    register = post_form(
        client,
        register_url,
        {
            "name": "Deal Debt Advice",
            "legal_form": "registered_charity",
            "charity_number": "1187654",
            "company_number": "",
            "income_band": "micro",
            "your_name": "Dee Advisor",
            "email": "hello@dealdebt.example.org",
            "password": factories.PASSWORD,
        },
    )
    assert register.status_code == 302, error_summary(register)
    verify = [e for e in emails_to("hello@dealdebt.example.org") if "/verify-email/" in e.body][-1]
    assert client.get(link_in(verify)).headers["Location"] == link

    # One organisation: accept for it, then confirm the share.
    accept_page = client.get(link)
    assert "You are accepting for" in page_text(accept_page)
    organisation_id = re.search(r'name="organisation" value="(\d+)"', page_text(accept_page)).group(1)
    accepted = post_form(client, link, {"organisation": organisation_id})
    assert accepted.status_code == 302, error_summary(accepted)
    assert accepted.headers["Location"] == f"/bids/{bid.id}/share"
    invited = _fresh(invited)
    assert invited.organisation_id == int(organisation_id)
    assert invited.invite_token_hash is None
    share = client.get(f"/bids/{bid.id}/share")
    assert share.status_code == 200
    assert "Deal Debt Advice has joined the bid" in page_text(share)
    confirmed = post_form(client, f"/bids/{bid.id}/share", {"decision": "confirm"})
    assert confirmed.status_code == 302
    assert _fresh(invited).confirmed_at is not None
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "bid.partner_joined")
        )
        == 1
    )

    # The link cannot be used again, by anyone.
    again = client.get(link)
    assert again.status_code == 404
    assert "This invitation link is not valid" in page_text(again)
    reuse = post_form(client, link, {"organisation": organisation_id}, from_url="/")
    assert reuse.status_code == 404
    post_form(client, "/sign-out", from_url="/")
    assert client.get(link).status_code == 404


def _invited(bid, lead, name="Deal Debt Advice"):
    partner, token = consortium.invite_partner(
        bid, name=name, email="hello@dealdebt.example.org", work_percent=25, price_percent=20, actor=lead
    )
    db.session.flush()
    return partner, f"/bids/invitations/{token}"


def test_invitation_with_several_organisations_asks_which_and_refuses_forged_ids(client, bid, lead):
    partner, link = _invited(bid, lead)
    user = factories.make_provider(organisation=factories.make_organisation("Deal Debt Advice"))
    second = factories.make_organisation("Deal Credit Union")
    factories.db.session.add(factories.Membership(user=user, organisation=second, role=factories.Role.MEMBER))
    stranger = factories.make_organisation("Someone Else's Charity")
    db.session.flush()
    _signed_in(client, user)
    html = page_text(client.get(link))
    assert "Which of your organisations is joining the bid?" in html
    before = _partner_rows()
    for forged, message in (
        ("", "Select the organisation that is joining the bid"),
        (str(stranger.id), "Select the organisation that is joining the bid"),
        (str(bid.organisation_id), "Select the organisation that is joining the bid"),
        ("x", "Select the organisation that is joining the bid"),
    ):
        response = post_form(client, link, {"organisation": forged})
        assert response.status_code == 200
        assert error_summary(response) == [message]
    assert _partner_rows() == before
    response = post_form(client, link, {"organisation": str(second.id)})
    assert response.status_code == 302
    assert _fresh(partner).organisation_id == second.id


def test_invitation_accepted_by_the_lead_organisation_is_refused(client, bid, lead):
    _, link = _invited(bid, lead)
    _signed_in(client, lead)
    before = _partner_rows()
    response = post_form(client, link, {"organisation": str(bid.organisation_id)})
    assert response.status_code == 200
    assert error_summary(response) == ["Thanet Women's Centre is already bidding for this lot"]
    assert _partner_rows() == before


def test_invitation_for_an_organisation_already_bidding_on_the_lot_is_refused(client, need, bid, lead):
    _, link = _invited(bid, lead)
    rival = factories.make_provider(organisation=factories.make_organisation("Rival Org"))
    factories.make_bid(need, provider=rival, submit=False)
    _signed_in(client, rival)
    before = _partner_rows()
    response = post_form(client, link, {"organisation": str(rival.organisations[0].id)})
    assert error_summary(response) == ["Rival Org is already bidding for this lot"]
    assert _partner_rows() == before


@pytest.mark.parametrize("how", ["unknown", "removed", "garbage"])
def test_invalid_invitation_links(client, bid, lead, how):
    partner, link = _invited(bid, lead)
    if how == "unknown":
        link = "/bids/invitations/" + "A" * 32
    elif how == "removed":
        consortium.remove_partner(partner, actor=lead)
        db.session.flush()
    else:
        link = "/bids/invitations/" + "%00" + "x" * 300
    user = factories.make_provider()
    for signed_in in (False, True):
        if signed_in:
            _signed_in(client, user)
        response = client.get(link)
        assert response.status_code == 404
        assert "This invitation link is not valid" in page_text(response)


def test_invitation_for_area_staff_without_an_organisation(client, bid, lead):
    _, link = _invited(bid, lead)
    _signed_in(client, factories.make_area_staff(factories.Role.COMMISSIONER))
    response = client.get(link)
    assert response.status_code == 403
    assert "You need an organisation to accept this invitation" in page_text(response)


def test_invitation_after_closing_cannot_be_accepted(client, need, bid, lead):
    partner, link = _invited(bid, lead)
    need.closes_at = utcnow() - timedelta(minutes=1)
    need.question_deadline = utcnow() - timedelta(days=1)
    db.session.flush()
    user = factories.make_provider()
    _signed_in(client, user)
    assert "The invitation can no longer be accepted" in page_text(client.get(link))
    response = post_form(client, link, {"organisation": str(user.organisations[0].id)}, from_url="/")
    assert error_summary(response) == ["This need has closed"]
    assert _fresh(partner).organisation_id is None


# Everyone's shares -------------------------------------------------------------------------


def test_set_shares_saves_them_and_asks_a_changed_partner_to_confirm_again(client, bid, lead, partner, partner_user):
    consortium.confirm_partner(partner, actor=partner_user)
    db.session.flush()
    _signed_in(client, lead)
    page = page_text(client.get(f"/bids/{bid.id}/partners"))
    assert _value(100) in page and _value(40) in page
    response = post_form(
        client,
        f"/bids/{bid.id}/partners",
        {
            "lead_work": "60",
            "lead_price": "70",
            f"work_{partner.id}": "40",
            f"price_{partner.id}": "30",
        },
    )
    assert response.status_code == 302, error_summary(response)
    bid, partner = _fresh(bid), _fresh(partner)
    assert (bid.lead_work_percent, bid.lead_price_percent) == (60, 70)
    assert partner.confirmed_at is not None  # unchanged share: still confirmed
    text = page_text(client.get(f"/bids/{bid.id}/partners"))
    assert "The shares of the work add up to" not in text
    response = post_form(
        client,
        f"/bids/{bid.id}/partners",
        {
            "lead_work": "55",
            "lead_price": "70",
            f"work_{partner.id}": "45",
            f"price_{partner.id}": "30",
        },
    )
    assert response.status_code == 302
    assert _fresh(partner).work_percent == 45
    assert _fresh(partner).confirmed_at is None


def test_shares_that_do_not_add_up_are_saved_with_a_warning(client, bid, lead, partner):
    _signed_in(client, lead)
    response = post_form(
        client,
        f"/bids/{bid.id}/partners",
        {
            "lead_work": "50",
            "lead_price": "50",
            f"work_{partner.id}": "40",
            f"price_{partner.id}": "30",
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Shares saved" in text
    assert "The shares of the work add up to 90% and the shares of the price to 80%" in text
    assert "The shares of the work must add up to 100%" in text  # what stops submission
    assert (_fresh(bid).lead_work_percent, _fresh(partner).price_percent) == (50, 30)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("lead_work", "", "Enter Thanet Women's Centre's share of the work"),
        ("lead_work", "sixty", "Thanet Women's Centre's share of the work must be a whole number, like 40"),
        ("lead_work", "101", "Thanet Women's Centre's share of the work must be between 1% and 100%"),
        ("lead_work", "0", "Thanet Women's Centre's share of the work must be between 1% and 100%"),
        ("lead_price", "-1", "Thanet Women's Centre's share of the price must be a whole number, like 40"),
        ("lead_price", "60.5", "Thanet Women's Centre's share of the price must be a whole number, like 40"),
        ("lead_price", "1000", "Thanet Women's Centre's share of the price must be between 0% and 100%"),
        ("work", "0", "Margate Mentoring CIC's share of the work must be between 1% and 99%"),
        ("work", "100", "Margate Mentoring CIC's share of the work must be between 1% and 99%"),
        ("price", "abc", "Margate Mentoring CIC's share of the price must be a whole number, like 40"),
        ("price", "", "Enter Margate Mentoring CIC's share of the price"),
    ],
)
def test_set_shares_refuses_bad_values(client, bid, lead, partner, field, value, message):
    _signed_in(client, lead)
    before = (_partner_rows(), bid.lead_work_percent, bid.lead_price_percent)
    data = {"lead_work": "60", "lead_price": "70", f"work_{partner.id}": "40", f"price_{partner.id}": "30"}
    key = field if field.startswith("lead") else f"{field}_{partner.id}"
    data[key] = value
    response = post_form(client, f"/bids/{bid.id}/partners", data)
    assert response.status_code == 200
    assert error_summary(response) == [message]
    html = page_text(response)
    assert _value("70") in html or key == "lead_price"  # the other values typed are kept
    if value:
        assert _value(value) in html
    bid = _fresh(bid)
    assert (_partner_rows(), bid.lead_work_percent, bid.lead_price_percent) == before


def test_set_shares_needs_a_share_for_every_partner(client, bid, lead, partner, partner_user):
    """A form from before a partner was added (or a crafted one) leaves a partner out."""
    _signed_in(client, lead)
    before = _partner_rows()
    response = post_form(client, f"/bids/{bid.id}/partners", {"lead_work": "60", "lead_price": "70"})
    assert response.status_code == 200
    assert error_summary(response) == [
        "Enter Margate Mentoring CIC's share of the work",
        "Enter Margate Mentoring CIC's share of the price",
    ]
    assert _partner_rows() == before


# Removing a partner ---------------------------------------------------------------------------


def test_remove_a_partner_after_confirming(client, bid, lead, partner):
    _signed_in(client, lead)
    page = client.get(f"/bids/{bid.id}/partners/{partner.id}/remove")
    assert page.status_code == 200
    assert "Are you sure you want to remove Margate Mentoring CIC from the bid?" in page_text(page)
    assert _fresh(partner).removed_at is None  # the page alone changes nothing
    response = post_form(client, f"/bids/{bid.id}/partners/{partner.id}/remove")
    assert response.status_code == 302
    assert _fresh(partner).removed_at is not None
    assert "Margate Mentoring CIC removed from the bid" in page_text(client.get(f"/bids/{bid.id}/partners"))
    # Removed partners are gone, and cannot be removed twice.
    assert client.get(f"/bids/{bid.id}/partners/{partner.id}/remove").status_code == 404


def test_remove_a_partner_of_another_bid_is_not_found(client, need, bid, lead):
    other_lead = factories.make_provider()
    other_bid = factories.make_bid(need, provider=other_lead, submit=False)
    someone = factories.make_provider()
    theirs, _ = consortium.invite_partner(
        other_bid, organisation=someone.organisations[0], work_percent=10, price_percent=10, actor=other_lead
    )
    db.session.flush()
    _signed_in(client, lead)
    before = _partner_rows()
    assert client.get(f"/bids/{bid.id}/partners/{theirs.id}/remove").status_code == 404
    response = post_form(client, f"/bids/{bid.id}/partners/{theirs.id}/remove", from_url=f"/bids/{bid.id}/partners")
    assert response.status_code == 404
    assert client.get(f"/bids/{bid.id}/partners/999999/remove").status_code == 404
    assert _partner_rows() == before


# The partner's share page ---------------------------------------------------------------------


def test_partner_sees_what_it_agrees_to_and_confirms(client, need, bid, partner, partner_user):
    _signed_in(client, partner_user)
    page = client.get(f"/bids/{bid.id}/share")
    assert page.status_code == 200
    html = page_text(page)
    assert need.title in html and "Lot 1: Lot 1" in html and "Thanet Women&#39;s Centre" in html
    # The draft's price is £50,000: 30% of it is £15,000.
    assert "£50,000" in html and "£15,000" in html
    assert "40%" in html and "30%" in html
    response = post_form(client, f"/bids/{bid.id}/share", {"decision": "confirm"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/bids/{bid.id}/share"
    assert _fresh(partner).confirmed_at is not None
    assert "You have confirmed Margate Mentoring CIC&#39;s share" in page_text(client.get(f"/bids/{bid.id}/share"))


def test_partner_declines(client, bid, partner, partner_user):
    _signed_in(client, partner_user)
    response = post_form(client, f"/bids/{bid.id}/share", {"decision": "decline"})
    assert response.status_code == 302
    assert _fresh(partner).declined_at is not None
    # No longer a party: the bid is not found for them.
    assert client.get(f"/bids/{bid.id}/share").status_code == 404


@pytest.mark.parametrize("decision", ["", "maybe", "confirm'--"])
def test_partner_share_refuses_bad_input(client, bid, partner, partner_user, decision):
    _signed_in(client, partner_user)
    before = _partner_rows()
    response = post_form(client, f"/bids/{bid.id}/share", {"decision": decision})
    assert response.status_code == 200
    assert error_summary(response) == ["Select whether you confirm or decline this share"]
    assert _partner_rows() == before


def test_share_page_is_for_partners_only(client, bid, lead, partner):
    _signed_in(client, lead)
    assert client.get(f"/bids/{bid.id}/share").status_code == 403
    other = factories.make_provider()
    _signed_in(client, other)
    assert client.get(f"/bids/{bid.id}/share").status_code == 404


def test_partner_cannot_change_partners(client, bid, partner, partner_user):
    _signed_in(client, partner_user)
    before = (_partner_rows(), bid.lead_work_percent)
    for url in (
        f"/bids/{bid.id}/partners",
        f"/bids/{bid.id}/partners/add",
        f"/bids/{bid.id}/partners/invite",
        f"/bids/{bid.id}/partners/{partner.id}/remove",
    ):
        assert client.get(url).status_code == 403, url
        response = post_form(
            client,
            url,
            {
                "lead_work": "1",
                "lead_price": "1",
                "name": "X",
                "email": "x@example.org",
                "work_percent": "1",
                "price_percent": "1",
                "organisation": "1",
            },
            from_url=f"/bids/{bid.id}/share",
        )
        assert response.status_code == 403, url
    assert (_partner_rows(), _fresh(bid).lead_work_percent) == before


# After closing ------------------------------------------------------------------------------


def test_after_closing_partners_are_read_only_and_changes_refused(client, need, bid, lead, partner, partner_user):
    need.closes_at = utcnow() - timedelta(minutes=1)
    need.question_deadline = utcnow() - timedelta(days=1)
    db.session.flush()
    _signed_in(client, lead)
    page = page_text(client.get(f"/bids/{bid.id}/partners"))
    assert "Partners and shares can no longer be changed" in page
    assert 'name="lead_work"' not in page
    assert client.get(f"/bids/{bid.id}/partners/add").status_code == 302
    before = (_partner_rows(), bid.lead_work_percent)
    response = post_form(
        client,
        f"/bids/{bid.id}/partners",
        {
            "lead_work": "60",
            "lead_price": "70",
            f"work_{partner.id}": "40",
            f"price_{partner.id}": "30",
        },
        from_url="/",
    )
    assert response.status_code == 200
    assert error_summary(response) == ["This need has closed: the bid can no longer be changed"]
    response = post_form(client, f"/bids/{bid.id}/partners/{partner.id}/remove")
    assert "This need has closed" in page_text(response)
    assert (_partner_rows(), _fresh(bid).lead_work_percent) == before
    _signed_in(client, partner_user)
    page = page_text(client.get(f"/bids/{bid.id}/share"))
    assert "Your share can no longer be confirmed or declined" in page
    response = post_form(client, f"/bids/{bid.id}/share", {"decision": "confirm"}, from_url="/")
    assert error_summary(response) == ["This need has closed"]
    assert _partner_rows() == before[0]
