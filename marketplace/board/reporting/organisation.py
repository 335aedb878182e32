"""An organisation's own figures, for its members: its bids (as lead and as a consortium
partner) and how they fared, the contracts it leads, what it was paid and how fast, and
the outcomes its approved reports recorded; by the same definitions as an area's.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ...contracts.models import Contract
from ...extensions import db
from ...needs.models import Need
from .competition import Success, counted, decided_in
from .outcomes import CategoryOutcomes, outcomes_of
from .scope import Period
from .timeliness import Timeliness, timeliness_of


@dataclass(frozen=True)
class OrganisationFigures:
    """What one provider organisation sees of itself, and nothing of anyone else: its own
    bids (as lead and as a consortium partner) and how they fared, the contracts it leads,
    what it was paid and how fast, and the outcomes its approved reports recorded."""

    bids_led: int
    bids_as_partner: int
    success: tuple[Success, ...]  # "lead", then "partner": its bids on lots decided in the period
    contracts_running: int
    contracts_value_pence: int
    paid_pence: int
    payments: Timeliness
    outcomes: tuple[CategoryOutcomes, ...]


def _own_bids(organisation_id: int):
    """The outer join from Bid to the organisation's partner row, and the clauses "it leads
    the bid" and "it is a current, confirmed partner in it". An organisation is a current
    partner at most once per lot (a unique index), so the join never repeats a bid."""
    from ...bids.models import Bid, BidPartner

    partner_row = sa.and_(
        BidPartner.bid_id == Bid.id,
        BidPartner.organisation_id == organisation_id,
        BidPartner.removed_at.is_(None),
        BidPartner.declined_at.is_(None),
        BidPartner.confirmed_at.is_not(None),
    )
    return partner_row, Bid.organisation_id == organisation_id, BidPartner.id.is_not(None)


def _total(clause):
    return sa.func.coalesce(sa.func.sum(sa.case((clause, 1), else_=0)), 0)


def _bid_figures(organisation_id: int, period: Period) -> tuple[int, int, tuple[Success, Success]]:
    """Its counted bids on needs published in the period, led and as a partner; and its
    counted bids on lots decided in the period, led and as a partner, with those won."""
    from ...bids.models import Bid, BidPartner
    from ...evaluation.models import AwardDecision, AwardOutcome

    partner_row, leads, partners = _own_bids(organisation_id)
    published = sa.and_(Need.published_at >= period.starts_at, Need.published_at < period.ends_before)
    led, as_partner = db.session.execute(
        sa.select(_total(leads), _total(partners))
        .select_from(Bid)
        .join(Need, Need.id == Bid.need_id)
        .outerjoin(BidPartner, partner_row)
        .where(published, counted(), sa.or_(leads, partners))
    ).one()
    won = sa.and_(AwardDecision.outcome == AwardOutcome.AWARD.value, AwardDecision.bid_id == Bid.id)
    lead_decided, lead_won, partner_decided, partner_won = db.session.execute(
        sa.select(_total(leads), _total(sa.and_(leads, won)), _total(partners), _total(sa.and_(partners, won)))
        .select_from(Bid)
        .join(AwardDecision, AwardDecision.lot_id == Bid.lot_id)
        .outerjoin(BidPartner, partner_row)
        .where(decided_in(period), counted(), sa.or_(leads, partners))
    ).one()
    success = (
        Success("lead", int(lead_decided), int(lead_won)),
        Success("partner", int(partner_decided), int(partner_won)),
    )
    return int(led), int(as_partner), success


def organisation_figures(organisation_id: int, period: Period, now: datetime) -> OrganisationFigures:
    """One organisation's figures for the period, by the same definitions as the area's:
    - bids that counted (submitted before closing, not withdrawn since) on needs published
      in the period, as in activity(), led by it or with it as a confirmed partner;
    - success: its counted bids on lots whose effective decision took effect in the
      period (as in success_rates()), and how many of those the decision awarded;
    - contracts it leads running at some time in the period, and their value;
    - payments to it (the lead is paid) as in timeliness(), with the pence paid;
    - outcomes from its contracts' reports approved in the period, as in
      outcomes_by_category().
    Every query is restricted to its own bids or contracts. Six aggregate queries and
    the outcomes' two."""
    led, as_partner, success = _bid_figures(organisation_id, period)
    running, value = db.session.execute(
        sa.select(sa.func.count(Contract.id), sa.func.coalesce(sa.func.sum(Contract.value_pence), 0)).where(
            Contract.organisation_id == organisation_id,
            Contract.starts_on <= period.end,
            Contract.ends_on >= period.start,
        )
    ).one()
    payments, paid_pence = timeliness_of(Contract.organisation_id == organisation_id, period, now)[None]
    return OrganisationFigures(
        bids_led=led,
        bids_as_partner=as_partner,
        success=success,
        contracts_running=int(running),
        contracts_value_pence=int(value),
        paid_pence=paid_pence,
        payments=payments,
        outcomes=tuple(outcomes_of(Contract.organisation_id == organisation_id, period)),
    )
