"""Making a contract from an awarded lot, once standstill has ended.

The schedule is the advance (if any) and one line per milestone of the need's payment
profile, proposed from the winning bid's own breakdown of its price, with due dates
from the start date; the commissioner may adjust amounts and dates, but the lines must
sum exactly to the value, in pence.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, signals, waiting
from ..bids.lifecycle import counting_revision
from ..evaluation.award import effective_clause, standstill_over
from ..evaluation.models import AwardDecision, AwardOutcome
from ..evaluation.parties import party_users
from ..evaluation.timing import end_of_working_day
from ..extensions import db
from ..money import MAX_PENCE, format_pounds
from ..needs.models import Lot, Need, lock_need
from ..notifications import external_url, queue_email
from ..reference.models import DesiredOutcome
from ..refusals import Refusal
from ..signals import contracting_event
from ..timeutil import london, london_date, utcnow
from ..workdays import add_working_days
from .models import Contract, ContractMilestone, ContractParty, PartyRole


class ContractError(Refusal):
    """A refusal to make a contract, by its field (see refusals.py)."""


@dataclass
class Line:
    number: int
    title: str
    amount_pence: int | None
    due_on: date | None


@signals.contract_of.connect
def contract_for(decision: AwardDecision) -> Contract | None:
    return db.session.scalar(sa.select(Contract).where(Contract.decision_id == decision.id))


@signals.bid_outcomes.connect
def contracts_of_bids(bid_ids: tuple[int, ...]) -> dict[int, dict]:
    """For the provider's lists: the contract made from each bid that has one (one query)."""
    if not bid_ids:
        return {}
    rows = db.session.execute(sa.select(Contract.bid_id, Contract.id).where(Contract.bid_id.in_(bid_ids)))
    return {bid_id: {"contract_id": contract_id} for bid_id, contract_id in rows}


def proposed_schedule(decision: AwardDecision, starts_on: date) -> list[Line]:
    """The winning bid's breakdown of its price over the need's payment profile. A part
    the bidder priced at £0 is left out: a payment is never for nothing."""
    bid = decision.bid
    need = bid.need
    revision = counting_revision(bid)
    assert revision is not None  # an awarded bid was ranked on the revision that counts
    breakdown = {item["key"]: item["pence"] for item in revision.content.get("price_breakdown", [])}
    lines = []
    if need.advance_percent:
        lines.append(Line(0, "Advance", breakdown.get("advance"), starts_on))
    for milestone in need.milestones:
        lines.append(
            Line(
                milestone.number,
                milestone.title,
                breakdown.get(str(milestone.id)),
                starts_on + relativedelta(months=milestone.due_month),
            )
        )
    return [line for line in lines if line.amount_pence != 0]


def contract_problems(decision: AwardDecision, now: datetime) -> list[str]:
    """Why a contract cannot be made from this decision now (empty when it can)."""
    if decision.outcome != AwardOutcome.AWARD:
        return [_("This lot was not awarded")]
    if not decision.is_effective:
        return [_("The award has not taken effect: it is waiting for sign-off, or was not approved")]
    if contract_for(decision) is not None:
        return [_("A contract has already been made for this lot")]
    if not standstill_over(decision, now):
        return [
            _(
                "Standstill ends at %(time)s: the contract can be made after that",
                time=london(decision.standstill_ends_at),
            )
        ]
    return []


def not_ready(decision: AwardDecision | None, now: datetime) -> list[str]:
    """Why the lot's contract page has no form at all: the lot is not decided, not awarded,
    or its award has not taken effect (empty when the form shows)."""
    if decision is None:
        return [_("This lot has not been decided yet")]
    if decision.outcome != AwardOutcome.AWARD or not decision.is_effective:
        return contract_problems(decision, now)
    return []


# A standstill ending within this many working days is on the commissioner's to-do.
STANDSTILL_WARNING_WORKING_DAYS = 2


def _awarded_without_contract(area_ids, *, since, due=None) -> sa.Select:
    """The areas' awards that took effect and have no contract yet, as a waiting-work query
    (marketplace/waiting.py): by lot, of its need."""
    made = sa.select(Contract.id).where(Contract.decision_id == AwardDecision.id).exists()
    return (
        sa.select(
            *waiting.columns(item=Lot.id, parent=Lot.need_id, area=Need.area_id, since=since, due=due, title=Need.title)
        )
        .select_from(AwardDecision)
        .join(Lot, Lot.id == AwardDecision.lot_id)
        .join(Need, Need.id == Lot.need_id)
        .where(
            Need.area_id.in_(area_ids),
            AwardDecision.outcome == AwardOutcome.AWARD,
            effective_clause(),
            ~made,
        )
    )


def contracts_to_make(area_ids, now: datetime) -> sa.Select:
    """Awards whose contract can be made now (contract_problems finds none): in effect,
    standstill over (or none), no contract yet; waiting since standstill ended (or the
    award took effect)."""
    ended = AwardDecision.standstill_ends_at
    return _awarded_without_contract(area_ids, since=sa.func.coalesce(ended, AwardDecision.summaries_sent_at)).where(
        sa.or_(ended.is_(None), ended <= now)
    )


def standstills_ending(area_ids, now: datetime) -> sa.Select:
    """Awards whose standstill ends within STANDSTILL_WARNING_WORKING_DAYS working days: the
    contract can be made then. Due when the standstill ends."""
    cutoff = end_of_working_day(add_working_days(london_date(now), STANDSTILL_WARNING_WORKING_DAYS))
    ended = AwardDecision.standstill_ends_at
    return _awarded_without_contract(area_ids, since=AwardDecision.summaries_sent_at, due=ended).where(
        ended > now, ended <= cutoff
    )


def default_dates(need: Need, now: datetime) -> tuple[date, date]:
    """The next working day, and the need's duration after it (12 months if not given)."""
    starts_on = add_working_days(london_date(now), 1)
    return starts_on, starts_on + relativedelta(months=need.duration_months or 12)


def check_line(
    error: type[Refusal],
    number: int,
    title: str,
    amount_pence: int | None,
    due_on: date | None,
    starts_on: date,
    ends_on: date,
    *,
    fixed_pence: int | None = None,
) -> None:
    """One line of a payment schedule: an amount of more than £0 (and `fixed_pence` when the
    line's amount can no longer change), due between the start and end dates. Refused with
    `error` by the line's amount_<number> or due_<number> field."""
    title = title.lower()
    if amount_pence is None:
        raise error(_("Enter an amount for %(title)s", title=title), f"amount_{number}")
    if amount_pence <= 0 or amount_pence > MAX_PENCE:
        raise error(_("The amount for %(title)s must be more than £0", title=title), f"amount_{number}")
    if fixed_pence is not None and amount_pence != fixed_pence:
        raise error(
            _(
                "The amount for %(title)s cannot change: it has already become payable (%(amount)s)",
                title=title,
                amount=format_pounds(fixed_pence),
            ),
            f"amount_{number}",
        )
    if due_on is None:
        raise error(_("Enter a due date for %(title)s", title=title), f"due_{number}")
    if not starts_on <= due_on <= ends_on:
        raise error(
            _("The due date for %(title)s must be between the start and end dates", title=title), f"due_{number}"
        )


def _check_terms(
    need: Need, value: int, starts_on: date, ends_on: date, schedule: list[Line], outcome_ids: list[int]
) -> None:
    """Dates in order, every line of the schedule sound and summing exactly to the value,
    and at least one outcome, all of them the need's."""
    if ends_on <= starts_on:
        raise ContractError(_("The end date must be after the start date"), "ends_on")
    if starts_on.year < 2000 or ends_on.year > 2100:
        raise ContractError(_("Enter real dates"), "starts_on")
    if not schedule:
        raise ContractError(_("The schedule needs at least one payment"), "schedule")
    for line in schedule:
        check_line(ContractError, line.number, line.title, line.amount_pence, line.due_on, starts_on, ends_on)
    total = sum(line.amount_pence or 0 for line in schedule)  # each amount set: check_line refused a missing one
    if total != value:
        difference = value - total
        amounts = {
            "total": format_pounds(total),
            "value": format_pounds(value),
            "difference": format_pounds(abs(difference)),
        }
        raise ContractError(
            (
                _("The payments add up to %(total)s but the contract value is %(value)s: add %(difference)s", **amounts)
                if difference > 0
                else _(
                    "The payments add up to %(total)s but the contract value is %(value)s: take off %(difference)s",
                    **amounts,
                )
            ),
            "schedule",
        )
    if not outcome_ids:
        raise ContractError(_("Choose at least one outcome the provider will report"), "outcome_ids")
    if not set(outcome_ids) <= {o.id for o in need.outcomes}:
        raise ContractError(_("Choose outcomes from this need"), "outcome_ids")


def _parties(bid, content: dict) -> list[ContractParty]:
    """The lead and each partner named in the bid, with their shares of work and price."""
    lead = content["lead_share"]
    parties = [
        ContractParty(
            organisation_id=bid.organisation_id,
            role=PartyRole.LEAD,
            work_percent=lead["work_percent"],
            price_percent=lead["price_percent"],
        )
    ]
    for partner in content.get("partners", []):
        if partner.get("organisation_id"):
            parties.append(
                ContractParty(
                    organisation_id=partner["organisation_id"],
                    role=PartyRole.PARTNER,
                    work_percent=partner["work_percent"],
                    price_percent=partner["price_percent"],
                )
            )
    return parties


def create_contract(
    decision: AwardDecision,
    *,
    starts_on: date,
    ends_on: date,
    schedule: list[Line],
    outcome_ids: list[int],
    actor,
    now: datetime | None = None,
) -> Contract:
    now = now or utcnow()
    # Locked first (SELECT ... FOR UPDATE on PostgreSQL): the same contract made twice at
    # once (a double click) is made once, and the second finds it made.
    lock_need(decision.lot.need_id)
    problems = contract_problems(decision, now)
    if problems:
        raise ContractError(problems[0])
    bid = decision.bid
    need = bid.need
    revision = counting_revision(bid)
    assert revision is not None  # an awarded bid was ranked on the revision that counts
    value = revision.price_pence
    _check_terms(need, value, starts_on, ends_on, schedule, outcome_ids)

    contract = Contract(
        need_id=need.id,
        lot_id=bid.lot_id,
        bid_id=bid.id,
        decision_id=decision.id,
        organisation_id=bid.organisation_id,
        title=f"{need.title}: {bid.lot.title}",
        value_pence=value,
        expected_people=revision.people,
        starts_on=starts_on,
        ends_on=ends_on,
        created_at=now,
        created_by_id=actor.id,
    )
    db.session.add(contract)
    contract.parties.extend(_parties(bid, revision.content))
    for line in schedule:
        contract.milestones.append(
            ContractMilestone(number=line.number, title=line.title, amount_pence=line.amount_pence, due_on=line.due_on)
        )
    contract.outcomes = db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.id.in_(outcome_ids))).all()
    db.session.flush()
    from ..payments.services import schedule_advance

    schedule_advance(contract, actor=actor)
    audit.record(
        "contract.created",
        contract,
        actor=actor,
        after={
            "need_id": need.id,
            "lot": bid.lot.number,
            "bid_id": bid.id,
            "value_pence": value,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
            "schedule": [
                {"number": m.number, "pence": m.amount_pence, "due_on": m.due_on.isoformat()}
                for m in contract.milestones
            ],
        },
    )
    contracting_event.send(contract, kind="contract", at=now)
    _tell_parties(bid, contract)
    return contract


def _tell_parties(bid, contract: Contract) -> None:
    for user in party_users(bid):
        queue_email(
            user.email,
            _l("Your contract: %(title)s", title=contract.title),
            "contract_created",
            user=user,
            contract=contract,
            link=external_url("contracts.show", contract_id=contract.id),
        )


def contracts_of(user) -> Sequence[Contract]:
    """Contracts where one of the user's organisations is a party."""
    organisation_ids = [m.organisation_id for m in user.organisation_memberships()]
    if not organisation_ids:
        return []
    return db.session.scalars(
        sa.select(Contract)
        .join(ContractParty, ContractParty.contract_id == Contract.id)
        .where(ContractParty.organisation_id.in_(organisation_ids))
        .distinct()
        .order_by(Contract.id.desc())
    ).all()


def is_party(user, contract: Contract) -> bool:
    organisation_ids = {m.organisation_id for m in user.organisation_memberships()}
    return any(p.organisation_id in organisation_ids for p in contract.parties)


def timeline(contract: Contract) -> Sequence:
    """Every audit event of the contract, its reports, payments and variations, oldest
    first (the contract page's timeline)."""
    from ..audit.models import AuditEvent
    from ..delivery.models import OutcomeReport
    from ..payments.models import Payment
    from .models import ContractVariation

    report_ids = sa.select(OutcomeReport.id).where(OutcomeReport.contract_id == contract.id)
    payment_ids = sa.select(Payment.id).where(Payment.contract_id == contract.id)
    variation_ids = sa.select(ContractVariation.id).where(ContractVariation.contract_id == contract.id)
    return db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(AuditEvent.object_type == "contracts", AuditEvent.object_id == contract.id),
                sa.and_(AuditEvent.object_type == "outcome_reports", AuditEvent.object_id.in_(report_ids)),
                sa.and_(AuditEvent.object_type == "payments", AuditEvent.object_id.in_(payment_ids)),
                sa.and_(AuditEvent.object_type == "contract_variations", AuditEvent.object_id.in_(variation_ids)),
            )
        )
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
