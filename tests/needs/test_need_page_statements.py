"""A need's page loads what it shows in a fixed number of SQL statements, whatever the
number of its lots, areas, documents, questions and changes, for every kind of visitor."""

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.needs import amendments, documents, questions
from marketplace.reference.models import Area

from .. import factories
from ..helpers import StatementCount, page_text, sign_in

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
# The need and its area, region and category; its delivery units, outcomes, lots,
# questions to answer, milestones, documents, changes (with the lots each returned to
# reconfirmation) and published questions. Signed in: the user and their memberships,
# whether they follow the need; a provider: their organisation and their bids.
MOST_STATEMENTS = {"anonymous": 10, "commissioner": 13, "provider": 14}


def _small(commissioner):
    return factories.make_need(commissioner=commissioner, title="Small need")


def _big(commissioner, provider):
    """5 lots, 12 delivery units, 4 documents, 6 answered questions, 3 changes."""
    need = factories.make_need(
        commissioner=commissioner, title="Big need", lots=(1_000_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000)
    )
    units = db.session.scalars(
        sa.select(Area).where(Area.parent_id == need.area.parent_id).order_by(Area.code).limit(12)
    ).all()
    for number in range(1, 5):
        documents.store_document(need, filename=f"Part {number}.pdf", data=PDF, actor=commissioner)
    for number in range(1, 7):
        question = questions.ask_question(
            need, organisation=provider.organisations[0], actor=provider, text=f"Question {number}?"
        )
        questions.answer_question(question, actor=commissioner, answer=f"Answer {number}.", publish=True)
    for number in range(1, 4):
        before = amendments.snapshot(need)
        need.summary = f"Summary, version {number}."
        if number == 1:
            need.pdus = list(units)
        amendments.amend_need(need, before=before, actor=commissioner, reason=f"Change {number}")
    factories.make_bid(need, provider=provider, lot=need.lots[0])
    factories.make_bid(need, provider=provider, lot=need.lots[1])
    db.session.flush()
    return need


def _statements(client, need_id: int, title: str) -> StatementCount:
    db.session.expunge_all()  # as a request in production starts: nothing loaded
    with StatementCount() as sql:
        response = client.get(f"/needs/{need_id}")
    assert response.status_code == 200
    assert title in page_text(response)
    return sql


@pytest.mark.parametrize("visitor", ["anonymous", "provider", "commissioner"])
def test_a_need_page_loads_in_a_fixed_number_of_statements(app, client, visitor):
    app.config["CACHE_PAGE_PARTS"] = False  # with it on, what everyone sees is kept: below
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT", email="commissioner@example.org")
    provider = factories.make_provider(email="provider@example.org")
    small, big = [(n.id, n.title) for n in (_small(commissioner), _big(commissioner, provider))]
    if visitor != "anonymous":
        sign_in(client, f"{visitor}@example.org")
    client.get(f"/needs/{small[0]}")  # the reference data is read once per process
    few, many = _statements(client, *small), _statements(client, *big)
    assert many.count == few.count, "\n\n".join(many.statements)
    assert many.count <= MOST_STATEMENTS[visitor], "\n\n".join(many.statements)


# Kept (needs/kept_pages.py): not signed in, the stamp alone (nothing of the need is read); signed
# in, the need with its area, region and category and the stamp, in one, and who is looking (as
# above: user, memberships, follow; a provider also organisation, bids).
KEPT_STATEMENTS = {"anonymous": 1, "commissioner": 4, "provider": 6}


@pytest.mark.parametrize("visitor", ["anonymous", "provider", "commissioner"])
def test_a_need_page_with_what_everyone_sees_kept_loads_in_fewer_statements(client, visitor):
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT", email="commissioner@example.org")
    provider = factories.make_provider(email="provider@example.org")
    big = _big(commissioner, provider)
    db.session.commit()
    if visitor != "anonymous":
        sign_in(client, f"{visitor}@example.org")
    client.get(f"/needs/{big.id}")
    kept = _statements(client, big.id, "Big need")
    assert kept.count <= KEPT_STATEMENTS[visitor], "\n\n".join(kept.statements)
