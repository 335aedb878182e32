"""The demo's contract in delivery: the employment contract's advance and first quarter
paid, the second quarter's report approved but its payment overdue, the third quarter's
report waiting for approval. Through the delivery and payment services, at past times."""

from datetime import timedelta

import sqlalchemy as sa

from ..accounts import services as account_services
from ..contracts.models import Contract
from ..delivery import decisions, drafts, reports
from ..extensions import db
from ..needs.models import Need
from ..payments import services as payments
from ..timeutil import london_date, utcnow
from .bids import FINISHED_NEED
from .dated import morning

DEMO_NARRATIVES = (
    "Job clubs opened in Margate and Canterbury in the first month. Most people came through their probation "
    "practitioner; two came back with a friend.",
    "Six people started work this quarter, four of them in hospitality. We added an evening session for people on "
    "curfews that end at 7pm.",
    "Two employers now interview our members directly. Attendance dipped over the summer holidays and recovered in "
    "September.",
)


def add_delivery() -> None:
    """The reports and payments of the employment contract, if it has none yet."""
    need = db.session.scalar(sa.select(Need).where(Need.title == FINISHED_NEED))
    contract = db.session.scalar(sa.select(Contract).where(Contract.need_id == need.id)) if need else None
    if contract is None or reports.report_for(contract.milestones[1]) is not None:
        return
    charity = account_services.find_user("charity@demo.test")
    commissioner = account_services.find_user("commissioner@demo.test")
    finance = account_services.find_user("finance@demo.test")
    today = london_date(utcnow())

    # The advance, paid three days after the start.
    advance = payments.payment_for(contract.milestones[0])
    assert advance is not None  # payable from the start
    paid_on = contract.starts_on + timedelta(days=3)
    payments.record_ledger_payment(
        advance, paid_on=paid_on, reference="BACS-EK-0001", actor=finance, now=morning(paid_on)
    )
    plans = [
        # (milestone, report submitted this many days ago, approved days ago, paid days ago)
        (contract.milestones[1], 150, 147, 143),
        (contract.milestones[2], 20, 14, None),
        (contract.milestones[3], 2, None, None),
    ]
    outcomes = contract.outcomes
    for index, (milestone, submitted_ago, approved_ago, paid_ago) in enumerate(plans, start=1):
        when = morning(today - timedelta(days=submitted_ago))
        report = drafts.start_report(milestone, charity, now=when - timedelta(days=2))
        started = 10 + 2 * index
        drafts.save_report(
            report,
            referred=started + 3,
            started=started,
            completed=started - 4,
            outcomes={o.id: (started // 2, started // 4, started - started // 2 - started // 4) for o in outcomes},
            narrative=DEMO_NARRATIVES[index - 1],
            case_study="",
            actor=charity,
            now=when - timedelta(days=1),
        )
        drafts.submit_report(report, charity, now=when)
        if approved_ago is not None:
            decisions.approve_report(report, commissioner, now=morning(today - timedelta(days=approved_ago)))
        if paid_ago is not None:
            paid_day = today - timedelta(days=paid_ago)
            payment = payments.payment_for(milestone)
            assert payment is not None  # payable once its report was approved
            payments.record_ledger_payment(
                payment, paid_on=paid_day, reference=f"BACS-EK-000{index + 1}", actor=finance, now=morning(paid_day)
            )
    db.session.flush()
