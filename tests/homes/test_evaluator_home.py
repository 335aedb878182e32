"""The evaluator's home: conflicts to declare on each panel, then bids to score, each
linking to where it is done and gone once done, oldest first; only the evaluator's own
panels; a fixed number of SQL statements whatever the number of panels and bids."""

from marketplace.accounts.models import Role
from marketplace.evaluation import panel, scoring
from marketplace.evaluation.panel import bidding_organisations, declare_conflicts
from marketplace.extensions import db

from .. import factories
from ..helpers import StatementCount, page_text, sign_in
from .helpers import evaluation, task_links, tasks


def _home(client, user):
    client._cookies.clear()
    sign_in(client, user.email)
    return client.get("/")


def _score(ev, evaluator, bid):
    parts = scoring.parts(ev.need)
    scoring.save_sheet(bid, evaluator, {p.key: (3, "Clear evidence.") for p in parts}, submit=True)


def test_declarations_come_first_then_the_bids_to_score_until_each_is_scored(client, db_session):
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    ev = evaluation(factories.make_provider(), evaluators=[evaluator], declare=False, title="Housing in Thanet")
    home = _home(client, evaluator)
    [task] = tasks(home)
    assert task.startswith("Declare your interests Housing in Thanet") and task.endswith("2 waiting")
    assert "Waiting since" in task
    assert task_links(home) == [f"/needs/{ev.need.id}/evaluation/declarations"]
    declare_conflicts(ev.need, evaluator, {o.id: (False, "") for o in bidding_organisations(ev.need)})
    home = _home(client, evaluator)
    [task] = tasks(home)
    assert task.startswith("Score bids Housing in Thanet") and task.endswith("2 waiting")
    assert task_links(home) == [f"/needs/{ev.need.id}/evaluation/mine"]
    _score(ev, evaluator, ev.bids[0])
    assert tasks(_home(client, evaluator))[0].endswith("1 waiting")
    _score(ev, evaluator, ev.bids[1])
    html = page_text(_home(client, evaluator))
    assert "Nothing is waiting for you" in html and "Housing in Thanet" in html  # still among the panels


def test_a_bid_the_evaluator_is_conflicted_with_is_not_to_score(client, db_session):
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    ev = evaluation(factories.make_provider(), evaluators=[evaluator], declare=False)
    conflicted = ev.bids[0].organisation_id
    declare_conflicts(
        ev.need,
        evaluator,
        {
            o.id: (o.id == conflicted, "I am a trustee." if o.id == conflicted else "")
            for o in bidding_organisations(ev.need)
        },
    )
    assert tasks(_home(client, evaluator))[0].endswith("1 waiting")


def test_panels_are_listed_oldest_first_and_only_the_evaluators_own(client, db_session):
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    other = factories.make_area_staff(Role.EVALUATOR)
    first = evaluation(factories.make_provider(), evaluators=[evaluator], declare=False, title="First need")
    second = evaluation(factories.make_provider(), evaluators=[evaluator, other], declare=False, title="Second need")
    first_member = panel.panel_member(first.need, evaluator)
    second_member = panel.panel_member(second.need, evaluator)
    first_member.assigned_at, second_member.assigned_at = second_member.assigned_at, first_member.assigned_at
    db.session.flush()
    rows = tasks(_home(client, evaluator))
    assert [r.split(" ")[3] for r in rows] == ["Second", "First"]
    assert [r.split(" ")[3] for r in tasks(_home(client, other))] == ["Second"]
    outsider = factories.make_area_staff(Role.EVALUATOR)
    html = page_text(_home(client, outsider))
    assert tasks(client.get("/")) == [] and "First need" not in html and "Second need" not in html


def test_a_removed_evaluator_has_nothing_to_do_on_that_panel(client, db_session):
    evaluator = factories.make_area_staff(Role.EVALUATOR)
    ev = evaluation(factories.make_provider(), evaluators=[evaluator], declare=False)
    panel.remove_evaluator(panel.panel_member(ev.need, evaluator), actor=ev.commissioner)
    assert tasks(_home(client, evaluator)) == []


def test_the_home_page_sends_the_same_number_of_statements_for_one_panel_or_five(client, db_session):
    counted = {}
    for n in (1, 5):
        evaluator = factories.make_area_staff(Role.EVALUATOR)
        for i in range(n):
            evaluation(factories.make_provider(), evaluators=[evaluator], declare=i % 2 == 1)
        _home(client, evaluator)
        db.session.expire_all()
        with StatementCount() as sql:
            response = client.get("/")
        assert len(tasks(response)) == n
        counted[n] = sql.count
    assert counted[1] == counted[5], counted
    assert counted[5] <= 12, counted  # a small fixed number (one more on PostgreSQL: homes.serial_plans)
