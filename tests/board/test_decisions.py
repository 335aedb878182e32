"""The record of decisions: every material decision of the area's needs from the audit
trail, with who, when and why, linked to its object; filters; CSV; read-only."""

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.board import decisions
from marketplace.board.reporting.scope import Period, Scope
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import page_text, post_form, sign_in

pytestmark = pytest.mark.clock


@pytest.fixture
def made(db_session):
    return factories.make_contract()


def _period():
    today = london_date(utcnow())
    return Period(today - timedelta(days=30), today)


def test_the_record_holds_each_material_decision_with_its_need(made):
    scope = Scope(area_ids=(made.contract.need.area_id,))
    found = decisions.decisions(scope, _period())
    actions = [d.event.action for d in found]
    # Interests declared (2 evaluators x 2 bidders), moderation, award, the need ending, the contract.
    for action in (
        "conflict.declared",
        "scores.moderated",
        "moderation.closed",
        "award.decided",
        "need.awarded",
        "contract.created",
    ):
        assert action in actions, action
    assert all(d.need.id == made.contract.need_id for d in found)
    assert actions.count("conflict.declared") == 4
    award = next(d for d in found if d.event.action == "award.decided")
    assert award.event.reason == "Best value." and award.event.actor_id == made.commissioner.id
    # Filters: one kind; another area; a period before it all.
    assert {d.event.action for d in decisions.decisions(scope, _period(), "award")} == {"award.decided"}
    assert decisions.decisions(Scope(area_ids=(factories.area("N56ESXN").id,)), _period()) == []
    old = Period(_period().start - timedelta(days=400), _period().start - timedelta(days=370))
    assert decisions.decisions(scope, old) == []


def test_the_board_reads_the_record_follows_a_decision_and_downloads_it(client, made):
    area = factories.area("N57EKNT")
    sign_in(client, factories.make_area_staff(Role.BOARD_MEMBER).email)
    page = page_text(client.get(f"/areas/{area.id}/decisions"))
    assert "Award decided" in page and "Best value." in page and "Contract made" in page
    assert f'href="/contracts/{made.contract.id}"' in page and f'href="/needs/{made.contract.need_id}"' in page
    response = client.get(f"/areas/{area.id}/decisions.csv?kind=award")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["decision"], r["reason"], r["by"]) for r in rows] == [
        ("Award decided", "Best value.", made.commissioner.name)
    ]
    # Read-only: nothing to post.
    assert (
        post_form(client, f"/areas/{area.id}/decisions", {}, from_url=f"/areas/{area.id}/dashboard").status_code == 405
    )


@pytest.mark.parametrize(
    "query, message", [("kind=everything", "Choose a kind of decision"), ("from=2026-02-30", "Enter a real date")]
)
def test_bad_filters_are_explained(client, made, query, message):
    area = factories.area("N57EKNT")
    sign_in(client, factories.make_area_staff(Role.BOARD_MEMBER).email)
    response = client.get(f"/areas/{area.id}/decisions?{query}")
    assert response.status_code == 400 and message in page_text(response)
    assert client.get(f"/areas/{area.id}/decisions.csv?{query}").status_code == 400


@pytest.mark.parametrize(
    "role, code, status",
    [
        (Role.BOARD_MEMBER, "N57EKNT", 200),
        (Role.COMMISSIONER, "N57EKNT", 200),
        (Role.BOARD_MEMBER, "N56ESXN", 403),
        (Role.EVALUATOR, "N57EKNT", 403),
        (Role.FINANCE, "N57EKNT", 403),
    ],
)
def test_who_reads_the_record(client, made, role, code, status):
    area = factories.area("N57EKNT")
    sign_in(client, factories.make_area_staff(role, code).email)
    assert client.get(f"/areas/{area.id}/decisions").status_code == status
    assert client.get(f"/areas/{area.id}/decisions.csv").status_code == status


def test_a_partnership_rating_is_in_the_record_and_links_to_the_reviews(client, made):
    from marketplace.board import reviews

    board = factories.make_area_staff(Role.BOARD_MEMBER)
    year = Period.financial_year(london_date(utcnow())).start.year
    reviews.rate(made.contract, period=str(year), rating="good", comment="Ahead of plan.", actor=board)
    scope = Scope(area_ids=(made.contract.need.area_id,))
    [rated] = decisions.decisions(scope, _period(), "review")
    assert (rated.label, rated.event.reason, rated.need.id) == (
        "Partnership rated",
        "Ahead of plan.",
        made.contract.need_id,
    )
    sign_in(client, board.email)
    page = page_text(client.get(f"/areas/{made.contract.need.area_id}/decisions?kind=review"))
    assert "Partnership rated" in page and f'href="/contracts/{made.contract.id}/reviews"' in page


def test_a_long_record_is_paged(client, made):
    from marketplace import audit

    need = made.contract.need
    for n in range(60):
        audit.record("need.amended", need, actor=made.commissioner, reason=f"Amendment {n}")
    area = factories.area("N57EKNT")
    sign_in(client, factories.make_area_staff(Role.BOARD_MEMBER).email)
    first = page_text(client.get(f"/areas/{area.id}/decisions"))
    assert "Amendment 59" in first and "Amendment 0<" not in first
    assert f'href="/areas/{area.id}/decisions?' in first and "page=2" in first
    second = client.get(f"/areas/{area.id}/decisions?page=2")
    assert second.status_code == 200 and "Amendment 0<" in page_text(second)


@pytest.mark.parametrize(
    "reason", ['=HYPERLINK("http://x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)", "\t=1+1", "\r=1+1"]
)
def test_no_csv_cell_can_start_a_formula(client, made, reason):
    """CSV injection: a decision's reason (free text a commissioner typed) and a need's
    title must reach a spreadsheet as text, never as a formula."""
    from marketplace.audit import AuditEvent
    from marketplace.extensions import db

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "award.decided"))
    event.reason = reason
    made.contract.need.title = "=cmd|' /C calc'!A0"
    db.session.flush()
    area = factories.area("N57EKNT")
    sign_in(client, factories.make_area_staff(Role.BOARD_MEMBER).email)
    response = client.get(f"/areas/{area.id}/decisions.csv?kind=award")
    [row] = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    assert row["reason"] == "'" + reason.replace("|", "\\|")
    assert row["need"].startswith("'=")
    for cell in row.values():
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def _needs_of_events():
    from marketplace.audit.models import AuditEvent
    from marketplace.extensions import db

    return {(e.id, e.object_type): e.need_id for e in db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))}


def test_each_audit_event_records_the_need_its_object_belongs_to(made):
    """audit.record sets need_id from the object (a need, a bid, a contract...), through the
    lot, bid or contract it refers to when it has no need of its own; other events have none."""
    from marketplace.audit.needs import PATHS
    from marketplace.payments import services as payments

    [advance] = payments.payments_of(made.contract)
    payments.record_ledger_payment(
        advance,
        paid_on=london_date(utcnow()),
        reference="BACS-1",
        actor=factories.make_area_staff(Role.FINANCE),
    )
    found = _needs_of_events()
    kinds = {kind for _, kind in found}
    assert {"needs", "bids", "conflict_declarations", "moderation_closures", "award_decisions", "contracts"} <= kinds
    assert "payments" in kinds
    for (_, kind), need_id in found.items():
        assert need_id == (made.contract.need_id if kind in PATHS else None), kind


def test_events_inserted_without_their_need_are_given_it_by_fill_need_ids(made):
    """The data generators insert events in bulk; fill_need_ids gives each the need that
    audit.record would have."""
    from marketplace.audit.models import AuditEvent
    from marketplace.audit.needs import fill_need_ids
    from marketplace.extensions import db

    recorded = _needs_of_events()
    db.session.execute(sa.update(AuditEvent).values(need_id=None))
    fill_need_ids()
    db.session.expire_all()
    assert _needs_of_events() == recorded
    assert any(need_id is not None for need_id in recorded.values())
