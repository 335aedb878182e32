"""generate-activity's delivery: each line of a contract's schedule, with the outcome
report of a milestone (approved, some returned once with comments first) and the payment
once payable (paid after various delays, or payable still, some overdue)."""

from datetime import UTC, datetime, time, timedelta

from ..timeutil import london_date
from ..workdays import at_london_time
from .bulk import Run
from .world import World

_NARRATIVE = "People were referred by probation practitioners and most stayed with the service."


def deliver_line(
    run: Run,
    world: World,
    contract_id: int,
    line: tuple,
    *,
    starts_on,
    expected: int,
    outcomes: list[int],
    milestones: int,
) -> None:
    """A line of the schedule (the advance is number 0): its report if it is a milestone due
    long enough ago, and its payment if it is payable by now."""
    number, title, amount, due = line
    milestone_id = run.new_id("milestone")
    run.rows["milestones"].append(
        {
            "id": milestone_id,
            "contract_id": contract_id,
            "number": number,
            "title": title,
            "amount_pence": amount,
            "due_on": due,
        }
    )
    payable_at: datetime | None
    if number == 0:
        payable_at = at_london_time(starts_on, time(0, 0)).astimezone(UTC)
        if payable_at > run.now:
            return
    else:
        payable_at = _report(
            run,
            world,
            contract_id,
            (milestone_id, number, title),
            due,
            share=number / max(1, milestones),
            expected=expected,
            outcomes=outcomes,
        )
        if payable_at is None:
            return
    _payment(run, contract_id, milestone_id, amount, payable_at)


def _report(run: Run, world: World, contract_id, milestone, due, *, share, expected, outcomes) -> datetime | None:
    """The milestone's outcome report and its submissions; when it was approved, if it has been."""
    rng, now = run.rng, run.now
    submitted = run.during(due + timedelta(days=rng.randint(0, 14)))
    if submitted > now - timedelta(days=1):
        return None
    started = max(1, int(expected * share * rng.uniform(0.7, 1.1)))
    completed = int(started * rng.uniform(0.5, 0.9))
    report_id = run.new_id("report")
    report_lines = _outcome_lines(run, report_id, outcomes, started)
    milestone_id, number, title = milestone
    body = {
        "report_id": report_id,
        "contract_id": contract_id,
        "milestone": {"id": milestone_id, "number": number, "title": title},
        "referred": int(started * 1.3),
        "started": started,
        "completed": completed,
        "outcomes": [
            {
                "outcome_id": line["outcome_id"],
                "code": world.outcome_rows[line["outcome_id"]].code,
                "text": world.outcome_rows[line["outcome_id"]].text,
                "achieved": line["achieved"],
                "partly": line["partly"],
                "not_achieved": line["not_achieved"],
            }
            for line in report_lines
        ],
        "narrative": _NARRATIVE,
        "case_study": "",
        "documents": [],
    }
    run.rows["reports"].append(
        {
            "id": report_id,
            "contract_id": contract_id,
            "milestone_id": milestone_id,
            "created_at": submitted - timedelta(days=10),
            "created_by_id": run.actor_id,
            "updated_at": submitted,
            "referred": body["referred"],
            "started": started,
            "completed": completed,
            "narrative": _NARRATIVE,
            "case_study": "",
        }
    )
    run.rows["lines"].extend(report_lines)
    return _submissions(run, report_id, body, submitted)


def _outcome_lines(run: Run, report_id: int, outcomes: list[int], started: int) -> list[dict]:
    report_lines = []
    for outcome_id in outcomes:
        achieved = int(started * run.rng.uniform(0.3, 0.6))
        partly = int(started * run.rng.uniform(0.05, 0.3))
        report_lines.append(
            {
                "id": run.new_id("line"),
                "report_id": report_id,
                "outcome_id": outcome_id,
                "achieved": achieved,
                "partly": partly,
                "not_achieved": max(0, started - achieved - partly),
            }
        )
    return report_lines


def _submissions(run: Run, report_id: int, body: dict, submitted: datetime) -> datetime | None:
    """The report sent (returned once with comments first, now and then) and approved, if by now."""
    rng, now, actor_id = run.rng, run.now, run.actor_id
    number_sent = 1
    if rng.random() < 0.1:  # returned once with comments, then sent again
        returned = submitted + timedelta(days=rng.randint(2, 6))
        run.rows["submissions"].append(
            {
                "id": run.new_id("submission"),
                "report_id": report_id,
                "number": 1,
                "content": body,
                "submitted_at": submitted,
                "submitted_by_id": actor_id,
                "decision": "returned",
                "decided_at": returned,
                "decided_by_id": actor_id,
                "comments": "Please say how many people completed the course.",
            }
        )
        submitted, number_sent = returned + timedelta(days=rng.randint(1, 5)), 2
    approved = submitted + timedelta(days=rng.randint(1, 8), hours=rng.randint(0, 5))
    approved_now = approved <= now
    run.rows["submissions"].append(
        {
            "id": run.new_id("submission"),
            "report_id": report_id,
            "number": number_sent,
            "content": body,
            "submitted_at": submitted,
            "submitted_by_id": actor_id,
            "decision": "approved" if approved_now else None,
            "decided_at": approved if approved_now else None,
            "decided_by_id": actor_id if approved_now else None,
            "comments": None,
        }
    )
    return approved if approved_now else None


def _payment(run: Run, contract_id: int, milestone_id: int, amount: int, payable_at: datetime) -> None:
    """Paid after 1 to 10 days mostly, later now and then, or not yet."""
    rng = run.rng
    roll = rng.random()
    delay = (
        rng.randint(1, 10)
        if roll < 0.58
        else rng.randint(11, 30)
        if roll < 0.83
        else rng.randint(31, 75)
        if roll < 0.94
        else None
    )
    paid_at = run.during(london_date(payable_at) + timedelta(days=delay)) if delay is not None else None
    if paid_at is not None and paid_at > run.now:
        paid_at = None
    payment_id = run.new_id("payment")
    paid_by = run.actor_id if paid_at else None
    run.rows["payments"].append(
        {
            "id": payment_id,
            "contract_id": contract_id,
            "milestone_id": milestone_id,
            "amount_pence": amount,
            "payable_at": payable_at,
            "status": "paid" if paid_at else "payable",
            "backend": "ledger" if paid_at else None,
            "attempt": 1,
            "requested_at": paid_at,
            "requested_by_id": paid_by,
            "paid_at": paid_at,
            "paid_on": london_date(paid_at) if paid_at else None,
            "reference": f"BACS-{payment_id:08d}" if paid_at else None,
            "stripe_transfer_id": None,
            "failed_at": None,
            "failure_message": None,
            "reversed_at": None,
            "updated_at": paid_at or payable_at,
        }
    )
    if paid_at:
        run.event(
            "payment.paid",
            "payments",
            payment_id,
            paid_at,
            before={"status": "payable"},
            after={
                "status": "paid",
                "backend": "ledger",
                "paid_on": london_date(paid_at).isoformat(),
                "reference": f"BACS-{payment_id:08d}",
                "amount_pence": amount,
                "days_taken": (london_date(paid_at) - london_date(payable_at)).days,
            },
        )
