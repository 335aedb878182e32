"""Shared by the open data tests: validators for the OCDS 1.1.5 schemas (the files shipped in
marketplace/opendata/schema/, every $ref resolved from them, never fetched), and a need
walked through its whole life through the services."""

import json
from datetime import timedelta
from functools import cache
from pathlib import Path
from types import SimpleNamespace

import jsonschema
from referencing import Registry
from referencing.jsonschema import DRAFT4

import marketplace.opendata
from marketplace.accounts.models import Role
from marketplace.bids import closing
from marketplace.contracts import services as contracts
from marketplace.contracts import variations
from marketplace.delivery import decisions, drafts
from marketplace.evaluation.award import decide
from marketplace.evaluation.panel import assign_evaluator, bidding_organisations, declare_conflicts
from marketplace.extensions import db
from marketplace.needs import amendments
from marketplace.needs.publishing import publish_need
from marketplace.payments import services as payments
from marketplace.timeutil import london_date, utcnow

from .. import factories

SCHEMA_DIR = Path(marketplace.opendata.__file__).parent / "schema"


@cache
def _registry() -> Registry:
    """The schema files by their ids; a $ref to anything else fails (no retrieval)."""
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        schema = json.loads(path.read_text())
        resources.append((schema["id"], DRAFT4.create_resource(schema)))
    return Registry().with_resources(resources)


@cache
def validator(name: str) -> jsonschema.Draft4Validator:
    schema = json.loads((SCHEMA_DIR / f"{name}.json").read_text())
    return jsonschema.Draft4Validator(schema, registry=_registry(), format_checker=jsonschema.FormatChecker())


def assert_valid(name: str, document: dict) -> None:
    errors = sorted(validator(name).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def walk_a_need() -> SimpleNamespace:
    """A grant need of two lots walked through its life: published, two bids on lot 1, a
    correction, closed, evaluated, lot 1 awarded and lot 2 not, the contract made, the
    first milestone's report submitted and approved, the advance paid, and a variation
    accepted. `before_closing` holds the releases as they stood just before closing."""
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner, published=False, lots=(5_000_000, 2_000_000))
    publish_need(need, actor=commissioner)
    providers = [factories.make_provider(), factories.make_provider()]
    bids = [
        factories.make_bid(need, provider=p, price_pence=price)
        for p, price in zip(providers, (4_000_000, 4_500_000), strict=True)
    ]
    before = amendments.snapshot(need)
    need.summary = "Support for women on probation across East Kent."
    db.session.flush()
    amendments.amend_need(need, before=before, actor=commissioner, reason="Wording", correction=True)
    before_closing = [r.release for r in _releases()]
    factories.close_need(need)
    closing.check_at_closing(need)
    panel = [factories.make_area_staff(Role.EVALUATOR) for _ in range(2)]
    for evaluator in panel:
        assign_evaluator(need, evaluator, actor=commissioner)
        declare_conflicts(need, evaluator, {o.id: (False, "") for o in bidding_organisations(need)})
    ev = SimpleNamespace(need=need, lot=need.lots[0], commissioner=commissioner, evaluators=panel, bids=bids)
    factories.score_all(ev, {0: 4})
    decision = decide(need.lots[0], bid=bids[0], reasons="Best value.", actor=commissioner)
    decide(need.lots[1], bid=None, reasons="No bids came.", actor=commissioner)
    contract = _contract(decision, commissioner)
    report = drafts.start_report(next(m for m in contract.milestones if m.number == 1), providers[0])
    outcomes = {o.id: (3, 1, 0) for o in contract.outcomes}
    drafts.save_report(
        report,
        referred=10,
        started=8,
        completed=5,
        outcomes=outcomes,
        narrative="Weekly sessions.",
        case_study="",
        actor=providers[0],
    )
    drafts.submit_report(report, providers[0])
    decisions.approve_report(report, commissioner)
    finance = factories.make_area_staff(Role.FINANCE)
    advance = next(p for p in payments.payments_of(contract) if p.milestone.number == 0)
    payments.record_ledger_payment(advance, paid_on=london_date(utcnow()), reference="BACS-1", actor=finance)
    variation = variations.propose(
        contract,
        ends_on=contract.ends_on + timedelta(days=30),
        amounts={m.number: m.amount_pence for m in contract.milestones},
        due_dates={m.number: m.due_on for m in contract.milestones},
        reason="Three more months for the waiting list.",
        actor=commissioner,
    )
    variations.accept(variation, actor=providers[0])
    db.session.flush()
    people = [commissioner, finance, *providers, *panel]
    return SimpleNamespace(
        need=need, contract=contract, people=people, providers=providers, before_closing=before_closing
    )


def _contract(decision, commissioner):
    starts_on = london_date(utcnow()) - timedelta(days=1)
    ends_on = starts_on + timedelta(days=400)
    return contracts.create_contract(
        decision,
        starts_on=starts_on,
        ends_on=ends_on,
        schedule=[
            contracts.Line(line.number, line.title, line.amount_pence, min(line.due_on, ends_on))
            for line in contracts.proposed_schedule(decision, starts_on)
        ],
        outcome_ids=[o.id for o in decision.lot.need.outcomes],
        actor=commissioner,
    )


def _releases():
    import sqlalchemy as sa

    from marketplace.opendata.models import OcdsRelease

    return db.session.scalars(sa.select(OcdsRelease).order_by(OcdsRelease.date, OcdsRelease.id)).all()
