"""The evaluation pages of routes_panel.py through HTTP: the permission table of every
endpoint (GET and POST) x every kind of user, with no bid content, score or conflict
detail shown to anyone who may not see it (the panel, the declarations, the hub and
closing moderation with their errors are in test_panel_forms.py).

Who may: commissioners and board members of the need's area see the evaluation; only
the commissioner changes it; evaluators on the panel declare, score the bids they may
open, and see the others' scores for a bid after submitting their own. Nobody else: not
providers (bidders included), not staff of other areas, not evaluators off the panel,
not admins.
"""

import pytest

import config
from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import drafting, submission
from marketplace.evaluation import panel, scoring
from marketplace.evaluation.models import (
    ModerationClosure,
    PanelMember,
)
from marketplace.extensions import db

from .. import factories
from ..helpers import count, page_text
from .pages import csrf_for, signed_in

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
        panel.assign_evaluator(need, member, actor=commissioner)
        answers = {o.id: (False, "") for o in panel.bidding_organisations(need)}
        if member is conflicted:
            answers[bid.organisation_id] = (True, CONFLICT_MARKER)
        panel.declare_conflicts(need, member, answers)
    parts = scoring.parts(need)
    scoring.save_sheet(bid, evaluator, {p.key: (3, JUSTIFICATION_MARKER) for p in parts}, submit=True)
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
    member_2 = panel.panel_member(need, evaluator_2)
    values = {"need_id": need.id, "bid_id": bid.id, "lot_id": bid.lot_id, "member_id": member_2.id}
    return {"need": need, "bid": bid, "other": other, "users": users, "values": values}


def _url(app, endpoint: str, values: dict) -> tuple[str, set[str]]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: values[k] for k in rule.arguments}), set(rule.methods) - {"HEAD", "OPTIONS"}


@pytest.mark.parametrize("endpoint", PANEL_ENDPOINTS)
def test_permission_table(app, db_session, endpoint):
    world = _world()
    url, methods = _url(app, endpoint, world["values"])
    failures = []
    for actor in ACTORS:
        user = world["users"][actor]
        for method in sorted(methods):
            client = signed_in(app, user)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf_for(client, user)})
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
    commissioner = signed_in(app, world["users"]["commissioner"])
    hub = page_text(commissioner.get(base))
    assert "Marked Charity" in hub and CONFLICT_MARKER in hub and "Ada Evaluator" in hub
    assert JUSTIFICATION_MARKER in page_text(commissioner.get(f"{base}/bids/{v['bid_id']}/scores"))
    assert ANSWER_MARKER in page_text(
        signed_in(app, world["users"]["evaluator_2"]).get(f"{base}/bids/{v['bid_id']}/score")
    )
    assert JUSTIFICATION_MARKER in page_text(
        signed_in(app, world["users"]["evaluator"]).get(f"{base}/bids/{v['bid_id']}/scores")
    )
    # The evaluator is sent from the hub to its own page.
    response = signed_in(app, world["users"]["evaluator"]).get(base)
    assert response.headers["Location"].endswith(f"{base}/mine")


def test_a_conflicted_evaluator_is_refused_the_bid_and_it_is_audited(app, db_session):
    world = _world()
    v = world["values"]
    client = signed_in(app, world["users"]["evaluator_conflicted"])
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
    commissioner = signed_in(app, world["users"]["commissioner"])
    evaluator = signed_in(app, world["users"]["evaluator_2"])
    base = f"/needs/{v['need_id']}/evaluation"
    foreign_lot = elsewhere.lot.id
    foreign_member = panel.panel_member(elsewhere.need, elsewhere.evaluators[0]).id
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
    other_commissioner = signed_in(app, elsewhere.commissioner)
    assert (
        other_commissioner.get(f"/needs/{elsewhere.need.id}/evaluation/bids/{v['bid_id']}/moderate").status_code == 404
    )
    token = csrf_for(commissioner, world["users"]["commissioner"])
    assert (
        commissioner.post(f"{base}/lots/{foreign_lot}/close-moderation", data={"csrf_token": token}).status_code == 404
    )
    assert commissioner.post(f"{base}/panel/{foreign_member}/remove", data={"csrf_token": token}).status_code == 404
    assert count(PanelMember, PanelMember.removed_at.is_not(None)) == 0
    assert count(ModerationClosure) == 0


def test_a_draft_need_is_not_found_and_an_open_one_is_refused(app, db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    draft = factories.make_need(commissioner=commissioner, published=False)
    open_need = factories.make_need(commissioner=commissioner)
    board = factories.make_area_staff(Role.BOARD_MEMBER)
    assert signed_in(app, board).get(f"/needs/{draft.id}/evaluation").status_code == 404
    assert signed_in(app, commissioner).get(f"/needs/{open_need.id}/evaluation").status_code == 403
    assert signed_in(app, commissioner).get(f"/needs/{open_need.id}/evaluation/panel").status_code == 403
