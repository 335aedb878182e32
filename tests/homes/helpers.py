"""Shared set-up for the home page tests: work waiting for a given provider, evaluator,
board member or finance officer, made through the services as people would make it."""

import html
import re
from datetime import timedelta
from types import SimpleNamespace

from marketplace.accounts.models import Role
from marketplace.bids import consortium
from marketplace.contracts import services as contracts
from marketplace.evaluation import low_bids, timing
from marketplace.evaluation.award import decide
from marketplace.evaluation.panel import assign_evaluator, bidding_organisations, declare_conflicts
from marketplace.extensions import db
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import page_text


def evaluation(provider, *, commissioner=None, evaluators=None, rival=True, declare=True, **need_kwargs):
    """A closed need with `provider`'s bid (and a rival's, cheaper unless rival=False) on
    its one lot, and a panel (new evaluators unless given) that has declared no conflicts
    when `declare`."""
    commissioner = commissioner or factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(commissioner=commissioner, **need_kwargs)
    bids = [factories.make_bid(need, provider=provider, price_pence=4_000_000)]
    others = [factories.make_provider()] if rival else []
    bids += [factories.make_bid(need, provider=p, price_pence=4_500_000) for p in others]
    factories.close_need(need)
    panel = evaluators or [factories.make_area_staff(Role.EVALUATOR)]
    for evaluator in panel:
        assign_evaluator(need, evaluator, actor=commissioner)
        if declare:
            declare_conflicts(need, evaluator, {o.id: (False, "") for o in bidding_organisations(need)})
    db.session.flush()
    return SimpleNamespace(
        need=need,
        lot=need.lots[0],
        commissioner=commissioner,
        evaluators=panel,
        bids=bids,
        providers=[provider, *others],
    )


def awarded(provider, **kwargs):
    """`provider`'s bid awarded (a grant: no standstill), its rival's lost."""
    ev = evaluation(provider, **kwargs)
    factories.score_all(ev, {0: 4})
    ev.decision = decide(ev.lot, bid=ev.bids[0], reasons="Best value.", actor=ev.commissioner)
    return ev


def contract_won(provider, *, starts_in_days: int = -1, **kwargs):
    """A contract made from `provider`'s winning bid, started yesterday by default (its
    advance payable). Returns the evaluation with `.contract`."""
    ev = awarded(provider, **kwargs)
    starts_on = london_date(utcnow()) + timedelta(days=starts_in_days)
    ends_on = starts_on + timedelta(days=400)
    ev.contract = contracts.create_contract(
        ev.decision,
        starts_on=starts_on,
        ends_on=ends_on,
        schedule=[
            contracts.Line(line.number, line.title, line.amount_pence, min(line.due_on, ends_on))
            for line in contracts.proposed_schedule(ev.decision, starts_on)
        ],
        outcome_ids=[o.id for o in ev.need.outcomes],
        actor=ev.commissioner,
    )
    db.session.flush()
    return ev


def explanation_asked(provider):
    """`provider`'s bid flagged as abnormally low, and its explanation asked for."""
    ev = evaluation(provider)
    bid = ev.bids[0]
    bid.low_flagged_at, bid.low_flag_reason = utcnow(), "At least 30% below the median of the other bids"
    ev.review = low_bids.request_explanation(
        bid,
        request="Explain how you pay staff.",
        respond_by=timing.earliest_respond_by(utcnow()),
        actor=ev.commissioner,
    )
    db.session.flush()
    return ev


def partner_invited(provider):
    """Another organisation's open bid in which `provider`'s organisation is invited as a
    partner (its share to confirm)."""
    need = factories.make_need()
    lead = factories.make_provider()
    bid = factories.make_bid(need, provider=lead, submit=False)
    place, _ = consortium.invite_partner(
        bid, organisation=provider.organisations[0], work_percent=30, price_percent=30, actor=lead
    )
    db.session.flush()
    return SimpleNamespace(need=need, bid=bid, place=place, lead=lead)


TASK = re.compile(r'<li class="govuk-task-list__item.*?</li>', re.S)


def tasks(response) -> list[str]:
    """The to-do list's rows, as text: title, hint and count."""
    rows = TASK.findall(page_text(response))
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))).strip() for row in rows]


def task_links(response) -> list[str]:
    return [re.search(r'href="([^"]+)"', row).group(1) for row in TASK.findall(page_text(response))]
