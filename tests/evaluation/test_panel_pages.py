"""The evaluation pages of routes_panel.py through HTTP: the permission table of every
endpoint (GET and POST) x every kind of user, with no bid content, score or conflict
detail shown to anyone who may not see it; then the panel, the declarations, the hub and
closing moderation, with their errors (clear, by the field, input kept, 400, nothing
written).

Who may: commissioners and board members of the need's area see the evaluation; only
the commissioner changes it; evaluators on the panel declare, score the bids they may
open, and see the others' scores for a bid after submitting their own. Nobody else: not
providers (bidders included), not staff of other areas, not evaluators off the panel,
not admins.
"""

import re

import pytest
from flask_login.utils import _create_identifier

import config
from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import drafting, submission
from marketplace.evaluation import services as evaluation
from marketplace.evaluation.models import (
    ConflictDeclaration,
    ModerationClosure,
    PanelMember,
)
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count, csrf_token, error_summary, page_text

ANSWER_MARKER = "Answer-marker-7f3a: what only the panel and overseers read"
JUSTIFICATION_MARKER = "Justification-marker-2c9e: the first evaluator gave these reasons"
CONFLICT_MARKER = "Conflict-marker-4b1d: I was its trustee until last year"
OTHER_AREA = "N56ESXN"  # Essex North, another delivery unit

PANEL_ENDPOINTS = [
    "evaluation.overview",
    "evaluation.panel",
    "evaluation.remove_panel_member",
    "evaluation.declare",
    "evaluation.my_evaluation",
    "evaluation.score",
    "evaluation.scores",
    "evaluation.moderate",
    "evaluation.close_moderation",
    "evaluation.ranking",
]

# Commissioner last: its POSTs change the evaluation (it removes evaluator_2 from the panel).
ACTORS = [
    "anonymous",
    "provider",
    "bidder",
    "commissioner_elsewhere",
    "evaluator_off_panel",
    "evaluator_conflicted",
    "board_member",
    "board_elsewhere",
    "admin",
    "evaluator",  # submitted its scores for the bid
    "evaluator_2",  # on the panel, declared, has not scored the bid
    "commissioner",
]
OVERSEERS = {"commissioner", "board_member"}
PANEL = {"evaluator", "evaluator_2", "evaluator_conflicted"}
# Who may read the bid's answers: those who oversee it, and evaluators it may be opened by.
READS_ANSWERS = OVERSEERS | {"evaluator", "evaluator_2"}
# Who may read the first evaluator's justification: overseers, and itself (submitted).
READS_SCORES = OVERSEERS | {"evaluator"}
# Who may read the conflict's details: overseers, and the one who declared it.
READS_CONFLICTS = OVERSEERS | {"evaluator_conflicted"}


def _app_endpoints() -> set[str]:
    app = create_app(config.TestConfig())
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("evaluation.")}


def test_every_panel_endpoint_is_in_the_table():
    assert set(PANEL_ENDPOINTS) <= _app_endpoints()
    routes = create_app(config.TestConfig()).view_functions
    mine = {e for e in _app_endpoints() if routes[e].__module__.endswith("routes_panel")}
    assert mine == set(PANEL_ENDPOINTS), f"Add these to the table in {__file__}: {sorted(mine - set(PANEL_ENDPOINTS))}"


# Expected status by (actor, method). 302 for anonymous is the redirect to sign in. ---------


def _anon(actor):
    return 302 if actor == "anonymous" else None


def overview(actor, method):
    return _anon(actor) or (200 if actor in OVERSEERS else 302 if actor in PANEL else 403)


def manage_page(actor, method):
    """The panel page: an empty POST is an error by the field (400)."""
    return _anon(actor) or ((200 if method == "GET" else 400) if actor == "commissioner" else 403)


def remove_member(actor, method):
    return _anon(actor) or (302 if actor == "commissioner" else 403)


def take_part(actor, method):
    """Declarations (already all made: a POST shows the page again) and the evaluator's home."""
    return _anon(actor) or (200 if actor in PANEL else 403)


def score_page(actor, method):
    """Scoring the bid: the evaluator who submitted is sent to the scores; one who has
    not sees the form (an empty POST saves an empty draft); a conflicted one is refused."""
    if _anon(actor):
        return 302
    if actor == "evaluator":
        return 302
    if actor == "evaluator_2":
        return 200 if method == "GET" else 302
    return 403


def scores_page(actor, method):
    return _anon(actor) or (200 if actor in READS_SCORES else 403)


def moderate_page(actor, method):
    """An empty POST: not every evaluator has submitted, so it is refused (400)."""
    return _anon(actor) or ((200 if method == "GET" else 400) if actor == "commissioner" else 403)


def close_page(actor, method):
    """Closing with bids not moderated: refused on the overview (400)."""
    return _anon(actor) or (400 if actor == "commissioner" else 403)


def ranking_page(actor, method):
    return _anon(actor) or (200 if actor in OVERSEERS else 403)


TABLE = {
    "evaluation.overview": overview,
    "evaluation.panel": manage_page,
    "evaluation.remove_panel_member": remove_member,
    "evaluation.declare": take_part,
    "evaluation.my_evaluation": take_part,
    "evaluation.score": score_page,
    "evaluation.scores": scores_page,
    "evaluation.moderate": moderate_page,
    "evaluation.close_moderation": close_page,
    "evaluation.ranking": ranking_page,
}


# The world ----------------------------------------------------------------------------------


def _world() -> dict:
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner, lots=(5_000_000,))
    bidder = factories.make_provider(organisation=factories.make_organisation("Marked Charity"))
    bid = factories.make_bid(need, provider=bidder, price_pence=4_000_000, submit=False)
    drafting.save_answers(bid, answers={c.id: ANSWER_MARKER for c in need.criteria}, actor=bidder)
    submission.submit_bid(bid, actor=bidder)
    other = factories.make_bid(need, price_pence=4_500_000)
    factories.close_need(need)
    evaluator = factories.make_area_staff(Role.EVALUATOR, name="Ada Evaluator")
    evaluator_2 = factories.make_area_staff(Role.EVALUATOR, name="Bea Evaluator")
    conflicted = factories.make_area_staff(Role.EVALUATOR, name="Cy Conflicted")
    for member in (evaluator, evaluator_2, conflicted):
        evaluation.assign_evaluator(need, member, actor=commissioner)
        answers = {o.id: (False, "") for o in evaluation.bidding_organisations(need)}
        if member is conflicted:
            answers[bid.organisation_id] = (True, CONFLICT_MARKER)
        evaluation.declare_conflicts(need, member, answers)
    parts = evaluation.parts(need)
    evaluation.save_sheet(bid, evaluator, {p.key: (3, JUSTIFICATION_MARKER) for p in parts}, submit=True)
    users = {
        "anonymous": None,
        "provider": factories.make_provider(),
        "bidder": bidder,
        "commissioner": commissioner,
        "commissioner_elsewhere": factories.make_area_staff(Role.COMMISSIONER, OTHER_AREA),
        "evaluator": evaluator,
        "evaluator_2": evaluator_2,
        "evaluator_off_panel": factories.make_area_staff(Role.EVALUATOR),
        "evaluator_conflicted": conflicted,
        "board_member": factories.make_area_staff(Role.BOARD_MEMBER),
        "board_elsewhere": factories.make_area_staff(Role.BOARD_MEMBER, OTHER_AREA),
        "admin": factories.make_user(admin=True),
    }
    # Committed (a SAVEPOINT release: the test's transaction is still rolled back at the
    # end) so that a view rolling back a refused change keeps the world.
    db.session.commit()
    member_2 = evaluation.panel_member(need, evaluator_2)
    values = {"need_id": need.id, "bid_id": bid.id, "lot_id": bid.lot_id, "member_id": member_2.id}
    return {"need": need, "bid": bid, "other": other, "users": users, "values": values}


def _url(app, endpoint: str, values: dict) -> tuple[str, set[str]]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: values[k] for k in rule.arguments}), set(rule.methods) - {"HEAD", "OPTIONS"}


def _client(app, user):
    """A browser signed in as `user` (Flask-Login's session written directly, as in
    tests/bids/test_sealed.py: signing in through the page each time is slow on purpose)."""
    client = app.test_client()
    if user is not None:
        with app.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["two_factor_done"] = user.id  # and the code given, for staff
            session["_fresh"] = True
            session["_id"] = identifier
    return client


def _token(client, user) -> str:
    return csrf_token(client, "/sign-in" if user is None else "/")


@pytest.mark.parametrize("endpoint", PANEL_ENDPOINTS)
def test_permission_table(app, db_session, endpoint):
    world = _world()
    url, methods = _url(app, endpoint, world["values"])
    failures = []
    for actor in ACTORS:
        user = world["users"][actor]
        for method in sorted(methods):
            client = _client(app, user)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": _token(client, user)})
            expected = TABLE[endpoint](actor, method)
            if response.status_code != expected:
                failures.append(f"{actor} {method}: {response.status_code}, expected {expected}")
                continue
            text = page_text(response)
            if actor == "anonymous":
                assert "/sign-in" in response.headers["Location"], (endpoint, method)
            if ANSWER_MARKER in text and actor not in READS_ANSWERS:
                failures.append(f"{actor} {method}: the page shows the bid's answers")
            if JUSTIFICATION_MARKER in text and actor not in READS_SCORES:
                failures.append(f"{actor} {method}: the page shows another evaluator's scores")
            if CONFLICT_MARKER in text and actor not in READS_CONFLICTS:
                failures.append(f"{actor} {method}: the page shows a conflict's details")
    assert not failures, f"{endpoint}: " + "; ".join(failures)


def test_the_table_s_pages_show_what_they_should(app, db_session):
    """The 200s above are the real pages, so the leak checks mean something."""
    world = _world()
    v = world["values"]
    base = f"/needs/{v['need_id']}/evaluation"
    commissioner = _client(app, world["users"]["commissioner"])
    hub = page_text(commissioner.get(base))
    assert "Marked Charity" in hub and CONFLICT_MARKER in hub and "Ada Evaluator" in hub
    assert JUSTIFICATION_MARKER in page_text(commissioner.get(f"{base}/bids/{v['bid_id']}/scores"))
    assert ANSWER_MARKER in page_text(_client(app, world["users"]["evaluator_2"]).get(f"{base}/bids/{v['bid_id']}/score"))
    assert JUSTIFICATION_MARKER in page_text(_client(app, world["users"]["evaluator"]).get(f"{base}/bids/{v['bid_id']}/scores"))
    # The evaluator is sent from the hub to its own page.
    response = _client(app, world["users"]["evaluator"]).get(base)
    assert response.headers["Location"].endswith(f"{base}/mine")


def test_a_conflicted_evaluator_is_refused_the_bid_and_it_is_audited(app, db_session):
    world = _world()
    v = world["values"]
    client = _client(app, world["users"]["evaluator_conflicted"])
    before = count(AuditEvent, AuditEvent.action == "bid.evaluator_access_refused")
    response = client.get(f"/needs/{v['need_id']}/evaluation/bids/{v['bid_id']}/score")
    assert response.status_code == 403 and ANSWER_MARKER not in page_text(response)
    assert count(AuditEvent, AuditEvent.action == "bid.evaluator_access_refused") == before + 1
    # Its own page lists the conflict, without the bid's content.
    mine = page_text(client.get(f"/needs/{v['need_id']}/evaluation/mine"))
    assert "You declared a conflict" in mine and "Marked Charity" in mine and ANSWER_MARKER not in mine
    assert f"/bids/{v['bid_id']}/score" not in mine
    assert f"/bids/{world['other'].id}/score" in mine


def test_ids_that_are_not_the_need_s_are_not_found(app, db_session):
    world = _world()
    v = world["values"]
    elsewhere = factories.make_evaluation()
    commissioner = _client(app, world["users"]["commissioner"])
    evaluator = _client(app, world["users"]["evaluator_2"])
    base = f"/needs/{v['need_id']}/evaluation"
    foreign_lot = elsewhere.lot.id
    foreign_member = evaluation.panel_member(elsewhere.need, elsewhere.evaluators[0]).id
    db.session.commit()
    for client, url in [
        (commissioner, f"{base}/lots/{foreign_lot}/ranking"),
        (commissioner, f"{base}/lots/999999/ranking"),
        (commissioner, f"{base}/bids/999999/scores"),
        (commissioner, f"{base}/bids/999999/moderate"),
        (evaluator, f"{base}/bids/999999/score"),
        (commissioner, "/needs/999999/evaluation"),
    ]:
        assert client.get(url).status_code == 404, url
    # A bid of another need of the same area: the commissioner oversees both, still 404 here.
    other_commissioner = _client(app, elsewhere.commissioner)
    assert other_commissioner.get(f"/needs/{elsewhere.need.id}/evaluation/bids/{v['bid_id']}/moderate").status_code == 404
    token = _token(commissioner, world["users"]["commissioner"])
    assert commissioner.post(f"{base}/lots/{foreign_lot}/close-moderation", data={"csrf_token": token}).status_code == 404
    assert commissioner.post(f"{base}/panel/{foreign_member}/remove", data={"csrf_token": token}).status_code == 404
    assert count(PanelMember, PanelMember.removed_at.is_not(None)) == 0
    assert count(ModerationClosure) == 0


def test_a_draft_need_is_not_found_and_an_open_one_is_refused(app, db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    draft = factories.make_need(commissioner=commissioner, published=False)
    open_need = factories.make_need(commissioner=commissioner)
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    assert _client(app, board).get(f"/needs/{draft.id}/evaluation").status_code == 404
    assert _client(app, commissioner).get(f"/needs/{open_need.id}/evaluation").status_code == 403
    assert _client(app, commissioner).get(f"/needs/{open_need.id}/evaluation/panel").status_code == 403


# The panel -------------------------------------------------------------------------------------


def _radio_checked(html: str, name: str, value: str) -> bool:
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and f'value="{value}"' in tag:
            return "checked" in tag
    return False


def test_the_commissioner_adds_and_removes_evaluators(app, db_session):
    ev = factories.make_evaluation(evaluators=0)
    newcomer = factories.make_area_staff(Role.EVALUATOR, name="Newcomer Evaluator")
    elsewhere = factories.make_area_staff(Role.EVALUATOR, OTHER_AREA, name="Essex Evaluator")
    db.session.commit()
    client = _client(app, ev.commissioner)
    url = f"/needs/{ev.need.id}/evaluation/panel"
    page = page_text(client.get(url))
    assert "Newcomer Evaluator" in page and "Essex Evaluator" not in page

    members = count(PanelMember)
    for bad in ("", str(elsewhere.id), "999999", "abc", "1; drop table users"):
        response = client.post(url, data={"csrf_token": _token(client, ev.commissioner), "user_id": bad})
        assert response.status_code == 400, bad
        assert error_summary(response) == ["Select an evaluator of this area to add to the panel"], bad
        assert 'href="#user_id"' in page_text(response)
    assert count(PanelMember) == members

    response = client.post(url, data={"csrf_token": _token(client, ev.commissioner), "user_id": str(newcomer.id)})
    assert response.status_code == 302
    member = evaluation.panel_member(ev.need, newcomer)
    assert member is not None
    assert count(AuditEvent, AuditEvent.action == "panel.assigned") >= 1
    assert count(OutboxEmail, OutboxEmail.to == newcomer.email) == 1
    page = page_text(client.get(url))
    assert "Newcomer Evaluator" in page and newcomer.email in page

    response = client.post(f"{url}/{member.id}/remove", data={"csrf_token": _token(client, ev.commissioner)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PanelMember, member.id).removed_at is not None
    # Removing again is refused by the service, shown on the panel page.
    response = client.post(f"{url}/{member.id}/remove", data={"csrf_token": _token(client, ev.commissioner)})
    assert response.status_code == 400
    assert error_summary(response) == ["This evaluator has already been removed"]


# Declarations ------------------------------------------------------------------------------------


def test_declarations_errors_by_the_field_then_written_once(app, db_session):
    ev = factories.make_evaluation(evaluators=0)
    newcomer = factories.make_area_staff(Role.EVALUATOR)
    evaluation.assign_evaluator(ev.need, newcomer, actor=ev.commissioner)
    db.session.commit()
    first, second = evaluation.bidding_organisations(ev.need)
    client = _client(app, newcomer)
    base = f"/needs/{ev.need.id}/evaluation"
    mine = page_text(client.get(f"{base}/mine"))
    assert "Declare your interests" in mine and "/score" not in mine
    url = f"{base}/declarations"
    page = page_text(client.get(url))
    assert first.name in page and second.name in page
    # The details box is always shown (no conditional reveal: see templates/evaluation/panel/declare.html).
    assert page.count("Only if you have a conflict") == 2 and "govuk-radios__conditional" not in page

    def post(data):
        return client.post(url, data={"csrf_token": _token(client, newcomer), **data})

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
    assert _radio_checked(page_text(response), f"org_{first.id}", "yes")
    # Input kept: the answer to one organisation and the typed details of another.
    response = post({f"org_{first.id}": "no", f"org_{second.id}": "yes", f"details_{second.id}": ""})
    assert error_summary(response) == [f"Describe your conflict of interest with {second.name}"]
    assert _radio_checked(page_text(response), f"org_{first.id}", "no")
    assert _radio_checked(page_text(response), f"org_{second.id}", "yes")
    assert count(ConflictDeclaration, ConflictDeclaration.user_id == newcomer.id) == 0

    response = post({f"org_{first.id}": "no", f"org_{second.id}": "yes", f"details_{second.id}": CONFLICT_MARKER})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{base}/mine")
    rows = evaluation.declarations(ev.need, newcomer)
    assert {(d.organisation_id, d.conflicted, d.details) for d in rows} == {
        (first.id, False, ""), (second.id, True, CONFLICT_MARKER),
    }
    assert count(AuditEvent, AuditEvent.action == "conflict.declared", AuditEvent.actor_id == newcomer.id) == 2
    # Shown read-only afterwards; the commissioner and the board read the details.
    page = page_text(client.get(url))
    assert "You have declared your interests for every bidder" in page and CONFLICT_MARKER in page
    assert f'name="org_{first.id}"' not in page
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    for reader in (ev.commissioner, board):
        assert CONFLICT_MARKER in page_text(_client(app, reader).get(base))
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
    parts = evaluation.parts(ev.need)
    evaluation.save_sheet(ev.bids[0], a, {p.key: (3, "Good.") for p in parts}, submit=True)
    evaluation.save_sheet(ev.bids[0], b, {p.key: (2, "") for p in parts}, submit=False)
    db.session.flush()
    client = _client(app, ev.commissioner)
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation"))
    assert "Submitted" in page and "Draft saved" in page and "Not started" in page
    assert "Waiting for scores" in page
    assert f"/bids/{ev.bids[0].id}/moderate" in page
    assert "Close moderation of lot 1" in page
    assert f"/lots/{ev.lot.id}/ranking" in page and f"/lots/{ev.lot.id}/award" in page
    assert "Not decided yet" in page
    # The board sees it but cannot change it.
    board_page = page_text(_client(app, factories.make_area_staff(Role.BOARD_MEMBER)).get(f"/needs/{ev.need.id}/evaluation"))
    assert "Submitted" in board_page and "Close moderation" not in board_page and "/moderate" not in board_page


def test_closing_moderation_with_bids_not_agreed_is_refused_on_the_hub(app, db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev, agree=False)
    parts = evaluation.parts(ev.need)
    evaluation.agree_scores(ev.bids[0], {p.key: (3, "Agreed.") for p in parts}, actor=ev.commissioner)
    db.session.commit()
    client = _client(app, ev.commissioner)
    url = f"/needs/{ev.need.id}/evaluation/lots/{ev.lot.id}/close-moderation"
    response = client.post(url, data={"csrf_token": _token(client, ev.commissioner)})
    assert response.status_code == 400
    name = ev.bids[1].organisation.name
    assert error_summary(response) == [f"Lot 1: Agree the scores of every bid first: {name}"]
    assert "govuk-form-group--error" in page_text(response)
    assert page_text(response).startswith("<!DOCTYPE html>") and "<title>Error:" in page_text(response)
    assert count(ModerationClosure) == 0
    # Without the CSRF token: refused, nothing written.
    assert client.post(url).status_code == 400
    assert count(ModerationClosure) == 0

    evaluation.agree_scores(ev.bids[1], {p.key: (3, "Agreed.") for p in parts}, actor=ev.commissioner)
    db.session.commit()
    response = client.post(url, data={"csrf_token": _token(client, ev.commissioner)})
    assert response.status_code == 302
    assert count(ModerationClosure, ModerationClosure.lot_id == ev.lot.id) == 1
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation"))
    assert "Moderation closed on" in page and "Close moderation of lot 1" not in page
    # Closing again: refused.
    response = client.post(url, data={"csrf_token": _token(client, ev.commissioner)})
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
    client = _client(app, ev.commissioner)
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation"))
    assert "Abnormally low" in page and f"/bids/{low.id}/abnormally-low" in page
    assert "Explanation not asked for yet" in page
    low.low_flagged_at = None
    db.session.flush()
    decision = evaluation.decide(ev.lot, bid=ev.bids[1], reasons="Highest total", actor=ev.commissioner)
    db.session.flush()
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation"))
    from marketplace.timeutil import london

    assert f"Award to {ev.bids[1].organisation.name}" in page
    assert london(decision.summaries_sent_at) in page
    assert decision.standstill_ends_at is not None and london(decision.standstill_ends_at) in page
    assert f"/needs/{ev.need.id}/lots/{ev.lot.id}/contract" in page
