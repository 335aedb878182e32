"""The commissioning side's view of bids through HTTP: sealed until closing (the count only,
and only when the commissioner chose to show it), then the bids that count by lot with
their abnormally low flags, each bid's counted revision, and its documents."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import consortium as bid_consortium
from marketplace.bids import drafting, submission
from marketplace.evaluation import panel
from marketplace.extensions import db
from marketplace.needs.models import Amendment
from marketplace.timeutil import london, utcnow

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

MARKER = "Marker-7f3a9c: our peer mentors meet women at the gate"


def _signed_in(client, user):
    if client.get("/sign-in").status_code == 302:
        post_form(client, "/sign-out", from_url="/")
    response = sign_in(client, user.email)
    assert response.status_code == 302, page_text(response)
    return user


def _refusals() -> int:
    return count(AuditEvent, AuditEvent.action == "bid.sealed_access_refused")


def _close(need):
    now = utcnow()
    need.question_deadline = now - timedelta(hours=2)
    need.closes_at = now - timedelta(minutes=1)
    db.session.flush()


def _bid(need, *, name, price_pence=None, answer=MARKER, submit=True, lot=None):
    provider = factories.make_provider(organisation=factories.make_organisation(name))
    bid = factories.make_bid(need, provider=provider, price_pence=price_pence, submit=False, lot=lot)
    drafting.save_answers(bid, answers={c.id: answer for c in need.criteria}, actor=provider)
    if submit:
        submission.submit_bid(bid, actor=provider)
    db.session.flush()
    return bid


@pytest.fixture
def commissioner(db_session):
    return factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")


@pytest.fixture
def need(commissioner):
    return factories.make_need(commissioner=commissioner, lots=(5_000_000, 2_000_000), title="Women's centre support")


# Before closing -------------------------------------------------------------------------


def test_before_closing_only_the_closing_time_and_no_count_unless_chosen(client, need, commissioner):
    _bid(need, name="Thanet Women's Centre")
    _bid(need, name="Margate Mentoring CIC")
    _bid(need, name="Draft Only", submit=False)
    _signed_in(client, commissioner)
    refusals = _refusals()
    response = client.get(f"/needs/{need.id}/bids")
    assert response.status_code == 200
    html = page_text(response)
    assert f"Bids are sealed until {london(need.closes_at)}" in html
    assert "received so far" not in html
    assert "You chose not to show the number of bids" in html
    assert MARKER not in html and "Thanet" not in html and "£50,000" not in html
    # Looking at the list page is not an attempt to read a bid.
    assert _refusals() == refusals


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.BOARD_MEMBER])
def test_the_count_is_shown_when_the_commissioner_chose_it(client, need, role):
    _bid(need, name="Thanet Women's Centre")
    _bid(need, name="Margate Mentoring CIC")
    withdrawn = _bid(need, name="Withdrawn Org")
    submission.withdraw_bid(withdrawn, actor=withdrawn.created_by, reason="Changed our mind")
    _bid(need, name="Draft Only", submit=False)
    need.show_bid_count = True
    db.session.flush()
    _signed_in(client, factories.make_area_staff(role, "N57EKNT"))
    html = page_text(client.get(f"/needs/{need.id}/bids"))
    assert "2 bids received so far" in html
    assert "Thanet" not in html and MARKER not in html


def test_the_commissioner_chooses_to_show_the_count_on_the_conditions_page(client, commissioner):
    draft = factories.make_need(commissioner=commissioner, published=False)
    _signed_in(client, commissioner)
    page = page_text(client.get(f"/needs/{draft.id}/conditions"))
    assert "Show the number of bids received before closing?" in page
    assert 'value="no" checked' in page
    response = post_form(
        client,
        f"/needs/{draft.id}/conditions",
        {"conditions": ["safeguarding"], "cost_floor": "", "show_bid_count": "yes"},
    )
    assert response.status_code == 302, error_summary(response)
    db.session.expire_all()
    assert draft.show_bid_count is True
    assert count(AuditEvent, AuditEvent.action == "need.show_bid_count_changed") == 1
    assert 'value="yes" checked' in page_text(client.get(f"/needs/{draft.id}/conditions"))
    check = page_text(client.get(f"/needs/{draft.id}/check"))
    assert "Show the number of bids before closing" in check


@pytest.mark.parametrize("value", ["maybe", "1", "YES"])
def test_show_bid_count_refuses_anything_but_yes_or_no(client, commissioner, value):
    draft = factories.make_need(commissioner=commissioner, published=False)
    _signed_in(client, commissioner)
    response = post_form(
        client, f"/needs/{draft.id}/conditions", {"conditions": ["dbs"], "cost_floor": "£300", "show_bid_count": value}
    )
    assert response.status_code == 200
    assert error_summary(response) == ["Select yes if you want to see the number of bids received before closing"]
    assert 'value="£300"' in page_text(response)
    db.session.expire_all()
    assert draft.show_bid_count is False and draft.conditions == ["safeguarding"]


def test_on_an_open_need_showing_the_count_is_not_an_amendment(client, need, commissioner):
    _signed_in(client, commissioner)
    response = post_form(
        client,
        f"/needs/{need.id}/conditions",
        {
            "conditions": ["safeguarding"],
            "cost_floor": "",
            "show_bid_count": "yes",
            "reason": "We want to plan evaluation",
        },
    )
    assert response.status_code == 302, error_summary(response)
    db.session.expire_all()
    assert need.show_bid_count is True
    assert count(Amendment) == 0
    assert "Conditions of participation saved" in page_text(client.get(response.headers["Location"]))


def test_the_task_list_links_to_the_bids(client, need, commissioner):
    _signed_in(client, commissioner)
    html = page_text(client.get(f"/needs/{need.id}/manage"))
    assert f'href="/needs/{need.id}/bids">Bids</a>' in html


def test_evaluators_have_no_view_of_bids_before_closing(client, need):
    """Panels are made after closing: before it an evaluator is told nothing, not even the count."""
    bid = _bid(need, name="Thanet Women's Centre")
    need.show_bid_count = True
    db.session.flush()
    _signed_in(client, factories.make_area_staff(Role.EVALUATOR, "N57EKNT"))
    for url in (f"/needs/{need.id}/bids", f"/needs/{need.id}/bids/{bid.id}"):
        response = client.get(url)
        assert response.status_code == 403
        assert "bids received" not in page_text(response) and MARKER not in page_text(response)


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.BOARD_MEMBER])
def test_opening_a_bid_before_closing_is_refused_and_recorded(client, need, role):
    bid = _bid(need, name="Thanet Women's Centre")
    factories.db.session.flush()
    user = factories.make_area_staff(role, "N57EKNT")
    _signed_in(client, user)
    refusals = _refusals()
    response = client.get(f"/needs/{need.id}/bids/{bid.id}")
    assert response.status_code == 403
    html = page_text(response)
    assert f"Bids are sealed until {london(need.closes_at)}" in html
    assert MARKER not in html and "Thanet" not in html
    assert _refusals() == refusals + 1
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "bid.sealed_access_refused").order_by(AuditEvent.id.desc())
    ).first()
    assert (event.actor_id, event.object_type, event.object_id) == (user.id, "bids", bid.id)
    # Nothing of the bid is in the audit trail either.
    assert MARKER not in str(event.after)


# After closing --------------------------------------------------------------------------------


@pytest.fixture
def closed(need, uploads):
    """Three fair bids and a low one on lot 1, a consortium among them; one bid on lot 2;
    a withdrawn bid and a draft that do not count. Then the need closes."""
    fair = [_bid(need, name=name, price_pence=p) for name, p in (("Fair One", 4_000_000), ("Fair Two", 4_400_000))]
    lead = factories.make_provider(organisation=factories.make_organisation("Thanet Women's Centre"))
    consortium = factories.make_bid(need, provider=lead, price_pence=5_000_000, submit=False)
    drafting.save_answers(consortium, answers={c.id: MARKER for c in need.criteria}, actor=lead)
    partner_user = factories.make_provider(organisation=factories.make_organisation("Margate Mentoring CIC"))
    partner, _ = bid_consortium.invite_partner(
        consortium, organisation=partner_user.organisations[0], work_percent=40, price_percent=35, actor=lead
    )
    bid_consortium.set_shares(
        consortium, lead_work_percent=60, lead_price_percent=65, partner_shares={partner.id: (40, 35)}, actor=lead
    )
    bid_consortium.confirm_partner(partner, actor=partner_user)
    drafting.add_document(consortium, filename="plan.csv", data=b"month,women\n1,10\n", actor=lead)
    submission.submit_bid(consortium, actor=lead)
    # A change after submitting that is never submitted: not what counts.
    drafting.save_social_value(consortium, text="Unsubmitted change", actor=lead)
    low = _bid(need, name="Big Company Ltd", price_pence=2_000_000)
    lot2 = _bid(need, name="Lot Two Org", price_pence=1_900_000, lot=need.lots[1])
    withdrawn = _bid(need, name="Withdrawn Org", price_pence=4_500_000)
    submission.withdraw_bid(withdrawn, actor=withdrawn.created_by, reason="Changed our mind")
    _bid(need, name="Draft Only", submit=False)
    _close(need)
    return {"fair": fair, "consortium": consortium, "low": low, "lot2": lot2, "withdrawn": withdrawn}


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.EVALUATOR, Role.BOARD_MEMBER])
def test_after_closing_the_bids_by_lot_with_the_flag(client, need, closed, role, uploads):
    user = factories.make_area_staff(role, "N57EKNT")
    if role == Role.EVALUATOR:  # on the panel, with no conflicts
        panel.assign_evaluator(need, user, actor=need.created_by)
        panel.declare_conflicts(need, user, {o.id: (False, "") for o in panel.bidding_organisations(need)})
    _signed_in(client, user)
    refusals = _refusals()
    response = client.get(f"/needs/{need.id}/bids")
    assert response.status_code == 200
    html = page_text(response)
    assert "5 bids count" in html
    lot1, lot2 = html.split("Lot 2: Lot 2")
    for name in ("Fair One", "Fair Two", "Thanet Women&#39;s Centre", "Big Company Ltd"):
        assert name in lot1
    assert "Lot Two Org" in lot2
    assert "Withdrawn Org" not in html and "Draft Only" not in html
    assert "Margate Mentoring CIC (40%)" in lot1
    assert "£50,000" in lot1 and "£20,000" in lot1 and "£19,000" in lot2
    # 40 people: cost per person.
    assert "£1,250" in lot1 and "£500" in lot1
    low = closed["low"]
    db.session.refresh(low)
    assert low.low_flag_reason and "below the median" in low.low_flag_reason
    assert "Abnormally low" in html
    assert lot1.count("Abnormally low") == 1
    assert low.low_flag_reason.replace("%", "%") in html.replace("&#39;", "'")
    assert london(low.latest_revision.submitted_at) in html
    assert MARKER not in html  # the list shows no answers
    assert _refusals() == refusals


def test_after_closing_a_bid_shows_its_counted_revision(client, need, closed, commissioner, uploads):
    bid = closed["consortium"]
    revision = bid.latest_revision
    _signed_in(client, commissioner)
    response = client.get(f"/needs/{need.id}/bids/{bid.id}")
    assert response.status_code == 200
    html = page_text(response)
    assert MARKER in html
    assert revision.digest in html
    assert "Two paid posts for women with lived experience." in html
    assert "Unsubmitted change" not in html
    assert "Margate Mentoring CIC: 40% of the work, 35% of the price" in html
    assert "60% of the work, 65% of the price" in html
    assert "£50,000" in html and "£1,250" in html  # price and cost per person
    assert "Advance at contract start" in html and "£12,500" in html  # the breakdown
    assert need.pdus[0].name in html
    assert "The information in this bid is accurate and complete" in html
    digest = hashlib.sha256(b"month,women\n1,10\n").hexdigest()
    assert "plan.csv" in html and digest in html
    assert "Abnormally low" not in html
    download = client.get(f"/needs/{need.id}/bids/{bid.id}/documents/1")
    assert download.status_code == 200
    assert download.data == b"month,women\n1,10\n"
    assert "no-store" in download.headers["Cache-Control"]
    assert client.get(f"/needs/{need.id}/bids/{bid.id}/documents/2").status_code == 404
    assert client.get(f"/needs/{need.id}/bids/{bid.id}/documents/0").status_code == 404


def test_the_flagged_bid_shows_its_reason(client, need, closed, commissioner):
    _signed_in(client, commissioner)
    response = client.get(f"/needs/{need.id}/bids/{closed['low'].id}")
    assert response.status_code == 200
    html = page_text(response)
    assert "Abnormally low" in html and "below the median of the other bids on this lot" in html
    assert "at least 2 working days" in html


def test_a_withdrawn_bid_or_a_bid_of_another_need_is_not_found(client, need, closed, commissioner):
    other_need = factories.make_need(commissioner=commissioner)
    other = _bid(other_need, name="Other Need Org")
    _close(other_need)
    _signed_in(client, commissioner)
    assert client.get(f"/needs/{need.id}/bids/{closed['withdrawn'].id}").status_code == 404
    assert client.get(f"/needs/{need.id}/bids/{other.id}").status_code == 404
    assert client.get(f"/needs/{need.id}/bids/999999").status_code == 404
    assert client.get(f"/needs/{other_need.id}/bids/{other.id}").status_code == 200


def test_a_document_before_closing_is_sealed_and_recorded(client, need, commissioner, uploads):
    bid = _bid(need, name="Thanet Women's Centre", submit=False)
    drafting.add_document(bid, filename="plan.csv", data=b"a,b\n1,2\n", actor=bid.created_by)
    submission.submit_bid(bid, actor=bid.created_by)
    db.session.flush()
    _signed_in(client, commissioner)
    refusals = _refusals()
    response = client.get(f"/needs/{need.id}/bids/{bid.id}/documents/1")
    assert response.status_code == 403
    assert b"a,b" not in response.data
    assert _refusals() == refusals + 1


def test_draft_need_bids_page(client, commissioner):
    draft = factories.make_need(commissioner=commissioner, published=False)
    _signed_in(client, commissioner)
    response = client.get(f"/needs/{draft.id}/bids")
    assert response.status_code == 200
    assert "has not been published" in page_text(response)
    # Nobody else is told a draft exists.
    _signed_in(client, factories.make_area_staff(Role.EVALUATOR, "N57EKNT"))
    assert client.get(f"/needs/{draft.id}/bids").status_code == 404


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def test_close_needs_command_flags_an_abnormally_low_bid_once(app, need, client):
    for name, price in (("Fair One", 4_000_000), ("Fair Two", 4_400_000), ("Fair Three", 5_000_000)):
        _bid(need, name=name, price_pence=price)
    low = _bid(need, name="Big Company Ltd", price_pence=2_000_000)
    _close(need)
    result = app.test_cli_runner().invoke(args=["close-needs"])
    assert result.exit_code == 0, result.output
    assert "Checked the bids of 1 closed need(s)." in result.output
    db.session.expire_all()
    assert low.low_flag_reason and "below the median" in low.low_flag_reason
    assert need.bids_checked_at is not None
    flags = count(AuditEvent, AuditEvent.action == "bid.flagged_abnormally_low")
    assert flags == 1
    again = app.test_cli_runner().invoke(args=["close-needs"])
    assert again.exit_code == 0
    assert "Checked the bids of 0 closed need(s)." in again.output
    assert count(AuditEvent, AuditEvent.action == "bid.flagged_abnormally_low") == 1
    # Opening the bids afterwards does not check (or flag) them again.
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")
    _signed_in(client, commissioner)
    assert "Abnormally low" in page_text(client.get(f"/needs/{need.id}/bids"))
    assert count(AuditEvent, AuditEvent.action == "bid.flagged_abnormally_low") == 1
