"""The panel, the declarations, the hub and closing moderation through HTTP, with their
errors: clear, by the field, the input kept, status 400, nothing written (the permission
table of these pages is in test_panel_pages.py)."""

import pytest

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.evaluation import award, moderation, panel, scoring
from marketplace.evaluation.models import (
    ConflictDeclaration,
    ModerationClosure,
    PanelMember,
)
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count, error_summary, page_text
from .pages import csrf_for, radio_checked, signed_in

CONFLICT_MARKER = "Conflict-marker-4b1d: I was its trustee until last year"
OTHER_AREA = "N56ESXN"  # Essex North, another delivery unit

# The panel -------------------------------------------------------------------------------------


def test_the_commissioner_adds_and_removes_evaluators(app, db_session):
    ev = factories.make_evaluation(evaluators=0)
    newcomer = factories.make_area_staff(Role.EVALUATOR, name="Newcomer Evaluator")
    elsewhere = factories.make_area_staff(Role.EVALUATOR, OTHER_AREA, name="Essex Evaluator")
    db.session.commit()
    client = signed_in(app, ev.commissioner)
    url = f"/needs/{ev.need.id}/evaluation/panel"
    page = page_text(client.get(url))
    assert "Newcomer Evaluator" in page and "Essex Evaluator" not in page

    members = count(PanelMember)
    for bad in ("", str(elsewhere.id), "999999", "abc", "1; drop table users"):
        response = client.post(url, data={"csrf_token": csrf_for(client, ev.commissioner), "user_id": bad})
        assert response.status_code == 400, bad
        assert error_summary(response) == ["Select an evaluator of this area to add to the panel"], bad
        assert 'href="#user_id"' in page_text(response)
    assert count(PanelMember) == members

    response = client.post(url, data={"csrf_token": csrf_for(client, ev.commissioner), "user_id": str(newcomer.id)})
    assert response.status_code == 302
    member = panel.panel_member(ev.need, newcomer)
    assert member is not None
    assert count(AuditEvent, AuditEvent.action == "panel.assigned") >= 1
    assert count(OutboxEmail, OutboxEmail.to == newcomer.email) == 1
    page = page_text(client.get(url))
    assert "Newcomer Evaluator" in page and newcomer.email in page

    response = client.post(f"{url}/{member.id}/remove", data={"csrf_token": csrf_for(client, ev.commissioner)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PanelMember, member.id).removed_at is not None
    # Removing again is refused by the service, shown on the panel page.
    response = client.post(f"{url}/{member.id}/remove", data={"csrf_token": csrf_for(client, ev.commissioner)})
    assert response.status_code == 400
    assert error_summary(response) == ["This evaluator has already been removed"]


# Declarations ------------------------------------------------------------------------------------


def test_declarations_errors_by_the_field_then_written_once(app, db_session):
    ev = factories.make_evaluation(evaluators=0)
    newcomer = factories.make_area_staff(Role.EVALUATOR)
    panel.assign_evaluator(ev.need, newcomer, actor=ev.commissioner)
    db.session.commit()
    first, second = panel.bidding_organisations(ev.need)
    client = signed_in(app, newcomer)
    base = f"/needs/{ev.need.id}/evaluation"
    mine = page_text(client.get(f"{base}/mine"))
    assert "Declare your interests" in mine and "/score" not in mine
    url = f"{base}/declarations"
    page = page_text(client.get(url))
    assert first.name in page and second.name in page
    # The details box is always shown (no conditional reveal: see templates/evaluation/panel/declare.html).
    assert page.count("Only if you have a conflict") == 2 and "govuk-radios__conditional" not in page

    def post(data):
        return client.post(url, data={"csrf_token": csrf_for(client, newcomer), **data})

    # Nothing answered: one error per organisation, by its radios.
    response = post({})
    assert response.status_code == 400
    assert error_summary(response) == [
        f"Say whether you have a conflict of interest with {first.name}",
        f"Say whether you have a conflict of interest with {second.name}",
    ]
    assert f'href="#org_{first.id}"' in page_text(response)
    # A conflict without details; a value that is not a choice.
    response = post({f"org_{first.id}": "yes", f"details_{first.id}": "   ", f"org_{second.id}": "maybe"})
    assert response.status_code == 400
    assert error_summary(response) == [
        f"Describe your conflict of interest with {first.name}",
        f"Say whether you have a conflict of interest with {second.name}",
    ]
    assert radio_checked(page_text(response), f"org_{first.id}", "yes")
    # Input kept: the answer to one organisation and the typed details of another.
    response = post({f"org_{first.id}": "no", f"org_{second.id}": "yes", f"details_{second.id}": ""})
    assert error_summary(response) == [f"Describe your conflict of interest with {second.name}"]
    assert radio_checked(page_text(response), f"org_{first.id}", "no")
    assert radio_checked(page_text(response), f"org_{second.id}", "yes")
    assert count(ConflictDeclaration, ConflictDeclaration.user_id == newcomer.id) == 0

    response = post({f"org_{first.id}": "no", f"org_{second.id}": "yes", f"details_{second.id}": CONFLICT_MARKER})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/mine")
    rows = panel.declarations(ev.need, newcomer)
    assert {(d.organisation_id, d.conflicted, d.details) for d in rows} == {
        (first.id, False, ""),
        (second.id, True, CONFLICT_MARKER),
    }
    assert count(AuditEvent, AuditEvent.action == "conflict.declared", AuditEvent.actor_id == newcomer.id) == 2
    # Shown read-only afterwards; the commissioner and the board read the details.
    page = page_text(client.get(url))
    assert "You have declared your interests for every bidder" in page and CONFLICT_MARKER in page
    assert f'name="org_{first.id}"' not in page
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    for reader in (ev.commissioner, board):
        assert CONFLICT_MARKER in page_text(signed_in(app, reader).get(base))
    # The evaluator now sees only the bid it may open.
    mine = page_text(client.get(f"{base}/mine"))
    second_bid = next(b for b in ev.bids if b.organisation_id == second.id)
    first_bid = next(b for b in ev.bids if b.organisation_id == first.id)
    assert f"/bids/{first_bid.id}/score" in mine and f"/bids/{second_bid.id}/score" not in mine
    assert "You declared a conflict" in mine


# The hub and closing moderation --------------------------------------------------------------------


def test_the_hub_shows_progress_and_moderation_state(app, db_session):
    ev = factories.make_evaluation()
    a, b = ev.evaluators
    parts = scoring.parts(ev.need)
    scoring.save_sheet(ev.bids[0], a, {p.key: (3, "Good.") for p in parts}, submit=True)
    scoring.save_sheet(ev.bids[0], b, {p.key: (2, "") for p in parts}, submit=False)
    db.session.flush()
    client = signed_in(app, ev.commissioner)
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation"))
    assert "Submitted" in page and "Draft saved" in page and "Not started" in page
    assert "Waiting for scores" in page
    assert f"/bids/{ev.bids[0].id}/moderate" in page
    assert "Close moderation of lot 1" in page
    assert f"/lots/{ev.lot.id}/ranking" in page and f"/lots/{ev.lot.id}/award" in page
    assert "Not decided yet" in page
    # The board sees it but cannot change it.
    board_page = page_text(
        signed_in(app, factories.make_area_staff(Role.BOARD_MEMBER)).get(f"/needs/{ev.need.id}/evaluation")
    )
    assert "Submitted" in board_page and "Close moderation" not in board_page and "/moderate" not in board_page


def test_closing_moderation_with_bids_not_agreed_is_refused_on_the_hub(app, db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev, agree=False)
    parts = scoring.parts(ev.need)
    moderation.agree_scores(ev.bids[0], {p.key: (3, "Agreed.") for p in parts}, actor=ev.commissioner)
    db.session.commit()
    client = signed_in(app, ev.commissioner)
    url = f"/needs/{ev.need.id}/evaluation/lots/{ev.lot.id}/close-moderation"
    response = client.post(url, data={"csrf_token": csrf_for(client, ev.commissioner)})
    assert response.status_code == 400
    name = ev.bids[1].organisation.name
    assert error_summary(response) == [f"Lot 1: Agree the scores of every bid first: {name}"]
    assert "govuk-form-group--error" in page_text(response)
    assert page_text(response).startswith("<!DOCTYPE html>") and "<title>Error:" in page_text(response)
    assert count(ModerationClosure) == 0
    # Without the CSRF token: refused, nothing written.
    assert client.post(url).status_code == 400
    assert count(ModerationClosure) == 0

    moderation.agree_scores(ev.bids[1], {p.key: (3, "Agreed.") for p in parts}, actor=ev.commissioner)
    db.session.commit()
    response = client.post(url, data={"csrf_token": csrf_for(client, ev.commissioner)})
    assert response.status_code == 302
    assert count(ModerationClosure, ModerationClosure.lot_id == ev.lot.id) == 1
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation"))
    assert "Moderation closed on" in page and "Close moderation of lot 1" not in page
    # Closing again: refused.
    response = client.post(url, data={"csrf_token": csrf_for(client, ev.commissioner)})
    assert response.status_code == 400
    assert error_summary(response) == ["Lot 1: Moderation of this lot is already closed"]


@pytest.mark.clock
def test_the_hub_shows_the_decision_summaries_and_standstill(app, db_session):
    from marketplace.needs.models import Procedure

    ev = factories.make_evaluation()
    ev.need.procedure = Procedure.CONTRACT  # a contract has a standstill; a grant does not
    factories.score_all(ev, {0: 3, 1: 4})
    low = ev.bids[0]
    low.low_flagged_at = utcnow()
    low.low_flag_reason = "Price is 40% below the median"
    db.session.flush()
    client = signed_in(app, ev.commissioner)
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation"))
    assert "Abnormally low" in page and f"/bids/{low.id}/abnormally-low" in page
    assert "Explanation not asked for yet" in page
    low.low_flagged_at = None
    db.session.flush()
    decision = award.decide(ev.lot, bid=ev.bids[1], reasons="Highest total", actor=ev.commissioner)
    db.session.flush()
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation"))
    from marketplace.timeutil import london

    assert f"Award to {ev.bids[1].organisation.name}" in page
    assert london(decision.summaries_sent_at) in page
    assert decision.standstill_ends_at is not None and london(decision.standstill_ends_at) in page
    assert f"/needs/{ev.need.id}/lots/{ev.lot.id}/contract" in page
