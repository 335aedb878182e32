"""Contract variations: the commissioner proposes a new end date, value or schedule with a
reason; the provider (its lead organisation) accepts it in the portal before it takes
effect, or declines it with a reason. One proposal waits at a time.

A schedule line that already has a payment (payable, being paid, paid, failed or
reversed) keeps its amount: money already due is never changed by a variation. The new
schedule still sums exactly to the new value, in pence.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, waiting
from ..extensions import db
from ..money import MAX_PENCE
from ..notifications import external_url, queue_email
from ..permissions import Action, can
from ..refusals import Refusal, written
from ..signals import contracting_event
from ..timeutil import utcnow
from .models import Contract, ContractVariation
from .services import check_line

REASON_WORD_LIMIT = 500


class VariationError(Refusal):
    """A refusal of a variation, by its field (see refusals.py)."""


def _reason(text: str, empty: str) -> str:
    """The reason given for proposing or declining, within the word limit."""
    return written(VariationError, text, field="reason", noun=_("The reason"), limit=REASON_WORD_LIMIT, empty=empty)


def waiting_variation(contract: Contract) -> ContractVariation | None:
    return db.session.scalar(
        sa.select(ContractVariation).where(
            ContractVariation.contract_id == contract.id,
            ContractVariation.accepted_at.is_(None),
            ContractVariation.declined_at.is_(None),
        )
    )


def awaiting_provider(area_ids) -> sa.Select:
    """The areas' variations waiting for the provider's answer, as a waiting-work query
    (marketplace/waiting.py): by variation, of its contract, waiting since proposed."""
    from ..needs.models import Need

    return (
        sa.select(
            *waiting.columns(
                item=ContractVariation.id,
                parent=ContractVariation.contract_id,
                area=Need.area_id,
                since=ContractVariation.proposed_at,
                title=Contract.title,
            )
        )
        .join(Contract, Contract.id == ContractVariation.contract_id)
        .join(Need, Need.id == Contract.need_id)
        .where(
            Need.area_id.in_(area_ids),
            ContractVariation.accepted_at.is_(None),
            ContractVariation.declined_at.is_(None),
        )
    )


def variations_of(contract: Contract) -> Sequence[ContractVariation]:
    return db.session.scalars(
        sa.select(ContractVariation).where(ContractVariation.contract_id == contract.id).order_by(ContractVariation.id)
    ).all()


def locked_lines(contract: Contract) -> set[int]:
    """Schedule lines (by number) that have a payment: their amounts cannot change."""
    from ..payments.services import payments_of

    return {p.milestone.number for p in payments_of(contract)}


def current_terms(contract: Contract) -> dict:
    return {
        "ends_on": contract.ends_on.isoformat(),
        "value_pence": contract.value_pence,
        "schedule": [
            {"number": m.number, "title": m.title, "amount_pence": m.amount_pence, "due_on": m.due_on.isoformat()}
            for m in contract.milestones
        ],
    }


def propose(
    contract: Contract,
    *,
    ends_on: date,
    amounts: dict[int, int | None],
    due_dates: dict[int, date | None],
    reason: str,
    actor,
    now: datetime | None = None,
) -> ContractVariation:
    """Propose new terms. `amounts` and `due_dates` are by schedule line number; the value
    becomes the sum of the amounts."""
    now = now or utcnow()
    if not can(actor, Action.VARY_CONTRACT, contract):
        raise VariationError(_("Only a commissioner of the area who is not a member of a party can vary this contract"))
    if waiting_variation(contract) is not None:
        raise VariationError(_("A variation of this contract is already waiting for the provider"))
    reason = _reason(reason, _("Enter the reason for the variation"))
    if ends_on <= contract.starts_on:
        raise VariationError(_("The end date must be after the contract's start date"), "ends_on")
    locked = locked_lines(contract)
    schedule: list[dict[str, Any]] = []
    for line in contract.milestones:
        amount, due_on = amounts.get(line.number), due_dates.get(line.number)
        check_line(
            VariationError,
            line.number,
            line.title,
            amount,
            due_on,
            contract.starts_on,
            ends_on,
            fixed_pence=line.amount_pence if line.number in locked else None,
        )
        assert amount is not None and due_on is not None  # check_line refused a missing one
        schedule.append(
            {"number": line.number, "title": line.title, "amount_pence": amount, "due_on": due_on.isoformat()}
        )
    value = sum(line["amount_pence"] for line in schedule)
    if value > MAX_PENCE:
        raise VariationError(_("The contract's value is too large"), "reason")
    proposed = {"ends_on": ends_on.isoformat(), "value_pence": value, "schedule": schedule}
    before = current_terms(contract)
    if proposed == before:
        raise VariationError(_("Change the end date, an amount or a due date: these are the current terms"), "ends_on")
    variation = ContractVariation(
        contract_id=contract.id,
        reason=reason,
        changes=proposed,
        before=before,
        proposed_at=now,
        proposed_by_id=actor.id,
    )
    db.session.add(variation)
    audit.record("contract.variation_proposed", variation, actor=actor, before=before, after=proposed, reason=reason)
    _tell_provider(contract, variation)
    return variation


def _tell_provider(contract: Contract, variation: ContractVariation) -> None:
    from ..accounts.services import members_of

    for user in members_of([contract.organisation_id]):
        queue_email(
            user.email,
            _l("A change to your contract needs your agreement: %(title)s", title=contract.title),
            "contract_variation",
            user=user,
            contract=contract,
            variation=variation,
            link=external_url("contracts.variation", contract_id=contract.id, variation_id=variation.id),
        )


def _may_answer(variation: ContractVariation, actor) -> None:
    """Only the provider answers (a member of the lead organisation), once."""
    if not variation.is_waiting:
        raise VariationError(_("This variation has already been answered"))
    if not can(actor, Action.ANSWER_VARIATION, variation):
        raise VariationError(_("Only members of the provider's lead organisation can answer this variation"))


def accept(variation: ContractVariation, *, actor, now: datetime | None = None) -> None:
    """The provider agrees: the new terms take effect (end date, value, schedule)."""
    now = now or utcnow()
    _may_answer(variation, actor)
    contract = variation.contract
    if variation.before != current_terms(contract):
        raise VariationError(
            _("The contract changed since this variation was proposed: the commissioner must propose it again")
        )
    changes = variation.changes
    by_number = {line["number"]: line for line in changes["schedule"]}
    locked = locked_lines(contract)
    for line in contract.milestones:
        new = by_number[line.number]
        if line.number in locked and new["amount_pence"] != line.amount_pence:
            raise VariationError(
                f"{line.title} has become payable since the variation was proposed: it cannot change now"
            )
        line.amount_pence = new["amount_pence"]
        line.due_on = date.fromisoformat(new["due_on"])
    contract.ends_on = date.fromisoformat(changes["ends_on"])
    contract.value_pence = changes["value_pence"]
    variation.accepted_at, variation.accepted_by_id = now, actor.id
    db.session.flush()
    audit.record(
        "contract.varied", contract, actor=actor, before=variation.before, after=changes, reason=variation.reason
    )
    contracting_event.send(variation, kind="contractAmendment", at=now)


def decline(variation: ContractVariation, *, reason: str, actor, now: datetime | None = None) -> None:
    now = now or utcnow()
    _may_answer(variation, actor)
    reason = _reason(reason, _("Enter why you do not agree to the variation"))
    variation.declined_at, variation.declined_by_id, variation.decline_reason = now, actor.id, reason
    audit.record("contract.variation_declined", variation, actor=actor, reason=reason)


def answer(
    variation: ContractVariation, *, accept_it: bool, reason: str | None, actor, now: datetime | None = None
) -> None:
    """The provider's answer from the variation's page: accept it, or decline it with the reason."""
    if accept_it:
        accept(variation, actor=actor, now=now)
    else:
        decline(variation, reason=reason or "", actor=actor, now=now)


def waiting_for_providers(organisation_ids) -> list[ContractVariation]:
    """Variations waiting for an answer on contracts these organisations lead, oldest
    first (one query; the provider's home)."""
    from sqlalchemy.orm import contains_eager

    if not organisation_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(ContractVariation)
            .join(Contract, Contract.id == ContractVariation.contract_id)
            .where(
                Contract.organisation_id.in_(organisation_ids),
                ContractVariation.accepted_at.is_(None),
                ContractVariation.declined_at.is_(None),
            )
            .options(contains_eager(ContractVariation.contract))
            .order_by(ContractVariation.proposed_at, ContractVariation.id)
        )
    )
