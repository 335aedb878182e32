"""A provider's part of the home page: for the organisations the user belongs to, what
waits for them (reconfirm a bid after a change to the need, confirm a consortium share,
explain a low price, report a milestone, answer a contract variation, answer a
partnership rating), their bids by state (won bids linking to their contracts), their
contracts and the payments on their way.

Everything is read for the user's own organisations only, in a fixed number of queries
whatever the number of items: a provider never sees another organisation's work."""

from datetime import UTC, date, datetime, time

from flask import url_for
from flask_babel import gettext as _

from ..bids import consortium, outcomes
from ..bids.models import BidState
from ..board import reviews
from ..contracts import services as contract_services
from ..contracts import variations
from ..delivery import reports
from ..evaluation import low_bids
from ..payments import services as payments
from ..timeutil import london_date, utcnow
from ..workdays import at_london_time
from . import Task, in_order


def end_of(day: date) -> datetime:
    """The last minute of a London day, in UTC: when something due that day is late."""
    return at_london_time(day, time(23, 59, 59)).astimezone(UTC)


def _lot(bid) -> str:
    return _("%(need)s, lot %(number)s", need=bid.need.local_title, number=bid.lot.number)


def _bid_tasks(listed: list[outcomes.ListedBid], partner_places) -> list[Task]:
    """Reconfirm the bids a change to the need returned; confirm consortium shares."""
    tasks = []
    stale = [e.bid for e in listed if e.state == BidState.NEEDS_RECONFIRMATION and e.led]
    if stale:
        one = len(stale) == 1
        tasks.append(
            Task(
                _("Reconfirm your bid after a change to the need")
                if one
                else _("Reconfirm bids after changes to needs"),
                len(stale),
                url_for("bids.show_bid", bid_id=stale[0].id)
                if one
                else url_for("bids.my_bids", _anchor="state-needs_reconfirmation"),
                due=min(b.need.closes_at for b in stale),
                hint=_lot(stale[0]) if one else _("Each must be confirmed again before its need closes"),
            )
        )
    for place in partner_places:
        tasks.append(
            Task(
                _("Confirm or decline your share of a consortium bid"),
                1,
                url_for("bids.partner_share", bid_id=place.bid_id),
                oldest=place.invited_at,
                due=place.bid.need.closes_at,
                hint=_("%(lot)s, led by %(lead)s", lot=_lot(place.bid), lead=place.bid.organisation.name),
            )
        )
    return tasks


def _delivery_tasks(organisation_ids, now: datetime) -> list[Task]:
    """Explain a low price, report milestones, answer variations and ratings."""
    tasks = [
        Task(
            _("Explain your bid's price"),
            1,
            url_for("evaluation.explain", bid_id=review.bid_id),
            oldest=review.requested_at,
            due=review.respond_by,
            hint=_("%(lot)s: the commissioner asks why the price is low", lot=_lot(review.bid)),
        )
        for review in low_bids.explanations_waiting(organisation_ids, now)
    ]
    for due in reports.reports_due(organisation_ids, london_date(now)):
        milestone = due.milestone
        url = url_for("delivery.report", contract_id=milestone.contract_id, milestone_id=milestone.id)
        title = _("Change and resend your report") if due.returned else _("Report on a milestone")
        hint = f"{milestone.contract.title}: {milestone.title}"
        tasks.append(Task(title, 1, url, due=end_of(milestone.due_on), hint=hint))
    tasks += [
        Task(
            _("Answer a change to your contract"),
            1,
            url_for("contracts.variation", contract_id=v.contract_id, variation_id=v.id),
            oldest=v.proposed_at,
            hint=_("%(contract)s: accept or decline the variation", contract=v.contract.title),
        )
        for v in variations.waiting_for_providers(organisation_ids)
    ]
    tasks += [
        Task(
            _("Answer the board's rating of your partnership"),
            1,
            url_for("board.contract_reviews", contract_id=review.contract_id),
            oldest=review.rated_at,
            hint=_(
                "%(contract)s: rated %(rating)s (%(period)s)",
                contract=review.contract.title,
                rating=review.rating.label.lower(),
                period=review.period_label,
            ),
        )
        for review in reviews.unanswered_by_providers(organisation_ids)
    ]
    return tasks


def context(user) -> dict:
    organisations = user.organisations
    if not organisations:
        return {"organisations": [], "bid_groups": [], "contracts": [], "provider_tasks": [], "payments_coming": []}
    now = utcnow()
    organisation_ids = [o.id for o in organisations]
    listed = outcomes.listed_bids(user, now)
    tasks = _bid_tasks(listed, consortium.shares_to_confirm(organisation_ids, now))
    tasks += _delivery_tasks(organisation_ids, now)
    return {
        "organisations": organisations,
        "provider_tasks": in_order(tasks),
        "bid_groups": outcomes.by_state(listed),
        "contracts": contract_services.contracts_of(user),
        # (payment, payable already): the advance of a contract not started yet is coming
        "payments_coming": [(p, p.payable_at <= now) for p in payments.on_their_way(organisation_ids)],
    }
