"""Two financial years of history (HISTORY) for the board's dashboard: needs published, bid
for by providers of every size and type, evaluated, awarded, delivered, reported on and
paid, each step through the services at its own past time (and dated then in the audit
trail), with some payments late and two overdue now."""

from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from ..accounts import services as account_services
from ..bids import closing
from ..board.reporting.scope import Period
from ..contracts import services as contract_services
from ..delivery import decisions, drafts
from ..evaluation import award, moderation, panel, ranking, scoring
from ..extensions import db
from ..needs import dates as need_dates
from ..needs import publishing as need_publishing
from ..needs.models import Need, Reservation
from ..payments import services as payments
from ..reference.models import DesiredOutcome
from ..timeutil import london_date, utcnow
from ..workdays import add_working_days, is_working_day
from .bids import demo_bid
from .dated import at_noon, dated, morning, on
from .evaluation import DEMO_JUSTIFICATIONS
from .needs import draft_need


class Past(NamedTuple):
    """A need of the past two financial years, lived through the services at past times: the
    bidders' logins (before @demo.test), the first of them winning. Everything else follows
    from the day it was published (see _live_through). The CIC and the large company only
    ever lose: their home pages stay as people trying the portal know them."""

    day: int  # published this many days after 1 April of the demo's last financial year
    title: str
    area: str  # its delivery unit
    category: str
    summary: str
    lot: str
    pounds: int
    bidders: tuple[str, ...]
    procedure: str = "grant"
    months: int = 12
    # Days from becoming payable to paid, payment by payment (advance first; None: left
    # unpaid; payments beyond the list: 4 days).
    paid: tuple = ()
    results: tuple[int, int] = (50, 25)  # % of the people who started who achieved, partly achieved each outcome
    awarded: bool = True
    reservation: Reservation = Reservation.NONE
    partner: str | None = None  # the winner's consortium partner


HISTORY = [
    # Last financial year: six awards and one need not awarded.
    Past(
        20,
        "Money advice surgeries in Canterbury and Dover",
        "N57EKNT",
        "finance",
        "Weekly drop-in surgeries on benefits, debts and bank accounts for people on probation.",
        "Advice surgeries",
        18_000,
        ("charity", "horizon", "bigco"),
        paid=(3, 5, 4, 12),
        results=(55, 25),
    ),
    Past(
        35,
        "Supported lodgings in Folkestone and Dover",
        "N57EKNT",
        "accommodation",
        "Rooms with trained hosts and a support worker for people leaving prison without a home.",
        "Supported lodgings",
        60_000,
        ("swale", "bigco", "pathways"),
        procedure="contract",
        paid=(2, 6, 21, 5),
        results=(60, 20),
    ),
    Past(
        70,
        "Recovery community in Thanet and Ashford",
        "N57EKNT",
        "dependency",
        "Peer-led recovery groups alongside structured drug and alcohol treatment.",
        "Recovery groups",
        40_000,
        ("nhs", "cic", "charity"),
        paid=(4, 3, 8, 16),
        results=(45, 30),
    ),
    Past(
        100,
        "Construction skills academy in Maidstone",
        "N57KECL",
        "ete",
        "Site safety cards, work experience on local building sites and help into jobs.",
        "Skills academy",
        90_000,
        ("learning", "bigco", "horizon"),
        procedure="contract",
        paid=(5, 9, 2, 7),
        results=(50, 20),
    ),
    Past(
        150,
        "Community volunteering in Tonbridge",
        "N57KECL",
        "inclusion",
        "Volunteering placements with local groups, with a mentor for the first month.",
        "Volunteering placements",
        12_000,
        ("cafe", "cic", "pathways"),
        paid=(1, 3, 25, 4),
        results=(70, 15),
    ),
    Past(
        200,
        "Mental health drop-ins in Margate",
        "N57EKNT",
        "wellbeing",
        "Evening drop-ins with a mental health worker for people on probation.",
        "Drop-in sessions",
        30_000,
        ("horizon", "pathways"),
        procedure="contract",
        awarded=False,
    ),
    Past(
        240,
        "Positive activities for young adults in Dover",
        "N57EKNT",
        "lifestyle",
        "Sport, music and mentoring for 18 to 25 year olds on probation.",
        "Activities programme",
        22_000,
        ("horizon", "cic", "bigco", "swale"),
        paid=(3, 4, 6, 30),
        results=(50, 30),
    ),
    # This financial year: six awards, two payments left unpaid (overdue now).
    Past(
        375,
        "Community garden placements in Tonbridge",
        "N57KECL",
        "unpaid-work",
        "Unpaid work placements in community gardens, supervised by local growers.",
        "Garden placements",
        25_000,
        ("cafe", "cic", "bigco"),
        reservation=Reservation.LOCAL,
        paid=(2, None),
        results=(60, 25),
    ),
    Past(
        380,
        "Women's wellbeing groups in Ashford",
        "N57EKNT",
        "womens-services",
        "Weekly wellbeing groups and one-to-one support for women on probation in Ashford.",
        "Wellbeing groups",
        20_000,
        ("charity", "swale"),
        months=18,
        reservation=Reservation.VCSE,
        partner="pathways",
        paid=(2, 6, 3),
        results=(65, 20),
    ),
    Past(
        395,
        "Job coaching and work placements in Sittingbourne",
        "N57EKNT",
        "ete",
        "A job coach for each person and short placements with local employers.",
        "Job coaching",
        45_000,
        ("horizon", "cic", "bigco"),
        procedure="contract",
        paid=(4, None),
        results=(40, 30),
    ),
    Past(
        400,
        "Parenting courses in Maidstone and Tonbridge",
        "N57KECL",
        "family",
        "Eight-week parenting courses and supported contact for parents on probation.",
        "Parenting courses",
        30_000,
        ("learning", "cafe", "bigco"),
        months=18,
        paid=(6, 4),
    ),
    Past(
        420,
        "Release-day support from HMP Elmley",
        "N57EKNT",
        "through-the-gate",
        "Someone at the gate on release day, and help to reach housing and probation appointments.",
        "Release-day support",
        35_000,
        ("nhs", "bigco", "swale"),
        procedure="contract",
        paid=(3, 2),
        results=(55, 25),
    ),
    Past(
        430,
        "Tenancy sustainment in Sevenoaks",
        "N57KECL",
        "accommodation",
        "Support to keep a tenancy for people housed after prison or approved premises.",
        "Tenancy support",
        80_000,
        ("pathways", "bigco", "cic"),
        procedure="contract",
        months=24,
        paid=(14,),
        results=(55, 20),
    ),
]

# The payment profile by length of service: (advance %, milestones as (title, %, month)).
PROFILES = {
    12: (20, [("Three months", 25, 3), ("Six months", 25, 6), ("Final report", 30, 12)]),
    18: (20, [("Six months", 30, 6), ("Twelve months", 25, 12), ("Final report", 25, 18)]),
    24: (15, [("Six months", 25, 6), ("Twelve months", 20, 12), ("Eighteen months", 20, 18), ("Final report", 20, 24)]),
}
PRICES = (96, 93, 98, 90)  # each bidder's price, % of the lot's value, in the order of Past.bidders
MARKS = (4, 3, 2, 3)  # each bidder's agreed score, the same for every part (awarded: the winner's 4 ranks it first)
HISTORY_REACH = timedelta(days=200)


def history_years(today: date):
    """(last, this): the two financial years of HISTORY as board.reporting Periods. "This"
    year started at least HISTORY_REACH ago, so every award in HISTORY is in the past
    whenever the demo is loaded (today: 2025-26 and 2026-27)."""
    this = Period.financial_year(today - HISTORY_REACH)
    return Period.financial_year(this.start - timedelta(days=1)), this


def add_history(pdus: dict, categories: dict) -> None:
    """HISTORY through the services, at past times; a need already there is left as it is."""
    now = utcnow()
    last, _ = history_years(london_date(now))
    for past in HISTORY:
        if db.session.scalar(sa.select(Need.id).where(Need.title == past.title)) is None:
            _live_through(past, last.start + timedelta(days=past.day), pdus, categories, now)
    db.session.flush()


def _user(key: str):
    return account_services.find_user(f"{key}@demo.test")


def _outcome_line(started: int, results: tuple[int, int], index: int) -> tuple[int, int, int]:
    """(achieved, partly, not achieved) of the people who started, for the index-th outcome
    (each one a little harder than the one before)."""
    achieved = started * max(0, results[0] - 10 * index) // 100
    partly = started * results[1] // 100
    return achieved, partly, started - achieved - partly


def _live_through(past: Past, day: date, pdus: dict, categories: dict, now: datetime) -> None:
    """Publish the need, bid, evaluate, award, contract, report and pay, each step on its
    own past day; steps that would fall after `now` are left to happen."""
    commissioner = _user("commissioner")
    while not is_working_day(day):
        day += timedelta(days=1)
    need, closes = _publish(past, day, pdus, categories, commissioner)
    lot = need.lots[0]
    marks = _bid(past, lot, day)
    on(closes + timedelta(hours=1), closing.check_at_closing, need)
    close_day = london_date(closes)
    _evaluate(need, lot, marks, close_day, commissioner)
    decision = _decide(past, lot, close_day, commissioner)
    if decision is None:
        return
    # The contract: after standstill for a contract, a few days after the decision for a grant.
    effective = decision.standstill_ends_at or decision.summaries_sent_at
    made_day = add_working_days(london_date(effective), 1 if decision.standstill_ends_at else 2)
    starts = made_day + timedelta(days=7)
    contract = on(
        morning(made_day, 14),
        contract_services.create_contract,
        decision,
        starts_on=starts,
        ends_on=starts + relativedelta(months=past.months),
        schedule=contract_services.proposed_schedule(decision, starts),
        outcome_ids=[o.id for o in need.outcomes],
        actor=commissioner,
    )
    _deliver(past, need, contract, now)


def _publish(past: Past, day: date, pdus: dict, categories: dict, commissioner) -> tuple[Need, datetime]:
    """The need drafted, dated and published on `day`; it and its closing time."""
    category = categories[past.category]
    advance, milestones = PROFILES[past.months]
    spec = {
        "title": past.title,
        "area": past.area,
        "pdus": (past.area,),
        "category": past.category,
        "outcomes": db.session.scalars(
            sa.select(DesiredOutcome.code)
            .where(DesiredOutcome.category_id == category.id, DesiredOutcome.valid_to.is_(None))
            .order_by(DesiredOutcome.code)
            .limit(2)
        ).all(),
        "summary": past.summary,
        "cohort": f"Adults on probation in {pdus[past.area].name}",
        "expected_people": max(15, past.pounds // 1_000),
        "duration_months": past.months,
        "procedure": past.procedure,
        "lots": [(past.lot, past.summary, past.pounds * 100, past.reservation)],
        "criteria": [("How will you reach the people referred to you, and show what changed for them?", 60, 400)],
        "social_value_words": 200,  # 600 words in all: within every lot's word budget
        "conditions": ["constituted", "safeguarding"],
        "advance": advance,
        "milestones": milestones,
    }
    with dated(morning(day, 9)):
        need = draft_need(spec, pdus, categories, commissioner)
        need.show_bid_count = True
    closes = at_noon(add_working_days(day, 20))
    on(
        morning(day, 9),
        need_dates.set_dates,
        need,
        question_deadline=at_noon(add_working_days(day, 15)),
        closes_at=closes,
    )
    on(morning(day), need_publishing.publish_need, need, actor=commissioner)
    return need, closes


def _bid(past: Past, lot, day: date) -> dict[int, int]:
    """Each bidder's bid, a working day after the one before; the mark each will be agreed (by bid id)."""
    need = lot.need
    marks = {}
    for index, key in enumerate(past.bidders):
        lead = _user(key)
        organisation = lead.organisations[0]
        bid_spec = {
            "price": past.pounds * PRICES[index] // 100 * 100,
            "people": need.expected_people,
            "submit": True,
            "answers": (
                f"{organisation.description} We will run {past.lot.lower()} from a local venue, with a named "
                "worker for each person, and report what changed for them every quarter.",
            ),
            "social_value": f"{organisation.name} will offer two paid work placements to people on probation.",
        }
        if index == 0 and past.partner:
            bid_spec["partners"], bid_spec["lead_share"] = [(f"{past.partner}@demo.test", 30, 25)], (70, 75)
        start = morning(add_working_days(day, 5 + index), 11)
        with dated(start):
            bid = demo_bid(bid_spec, lot, lead, organisation, start)
        marks[bid.id] = MARKS[index] if past.awarded else MARKS[index + 1] - 1
    return marks


def _evaluate(need: Need, lot, marks: dict[int, int], close_day: date, commissioner) -> None:
    """The evaluator on the panel the day after closing and scoring; moderated two days later."""
    evaluator = _user("evaluator")
    evaluated = morning(add_working_days(close_day, 1))
    on(evaluated, panel.assign_evaluator, need, evaluator, actor=commissioner)
    on(
        evaluated,
        panel.declare_conflicts,
        need,
        evaluator,
        {o.id: (False, "") for o in panel.bidding_organisations(need)},
    )
    moderated = morning(add_working_days(close_day, 3))
    for bid, _ in scoring.lot_bids(lot):
        scores = {p.key: (marks[bid.id], DEMO_JUSTIFICATIONS[marks[bid.id]]) for p in scoring.parts(need)}
        on(evaluated + timedelta(hours=3), scoring.save_sheet, bid, evaluator, scores, submit=True)
        on(moderated, moderation.agree_scores, bid, scores, actor=commissioner)
    on(moderated + timedelta(hours=1), moderation.close_moderation, lot, actor=commissioner)


def _decide(past: Past, lot, close_day: date, commissioner):
    """The decision (signed off by the board when it must be); None when not awarded."""
    decided = morning(add_working_days(close_day, 4))
    if not past.awarded:
        on(
            decided,
            award.decide,
            lot,
            bid=None,
            actor=commissioner,
            reasons="No bid showed how it would reach people locally: we will talk to local providers and ask again.",
        )
        return None
    winner = ranking.ranking(lot)[0].bid
    assert winner.organisation.contact_email == f"{past.bidders[0]}@demo.test", past.title
    decision = on(
        decided,
        award.decide,
        lot,
        bid=winner,
        actor=commissioner,
        reasons=f"The highest total score: {winner.organisation.name} had the strongest plan for people here, at a fair price.",
    )
    if decision.needs_sign_off:
        on(
            morning(add_working_days(close_day, 6)),
            award.sign_off,
            decision,
            approve=True,
            actor=_user("board"),
            comment="Approved: the evaluation was thorough and the price is within the budget.",
        )
    return decision


def _deliver(past: Past, need: Need, contract, now: datetime) -> None:
    """Each milestone reported a few days after it falls due, approved within a week, and
    paid after the days in Past.paid; what would fall after `now` is left to happen."""
    delays = iter(past.paid)
    provider, commissioner, finance = _user(past.bidders[0]), _user("commissioner"), _user("finance")
    _pay(payments.payment_for(contract.milestones[0]), next(delays, 4), f"BACS-{need.id:03d}-0", finance, now)
    reporting = contract.milestones[1:]
    for milestone in reporting:
        submitted = morning(milestone.due_on + timedelta(days=3))
        approved = morning(add_working_days(london_date(submitted), 1 + milestone.number % 4))
        if submitted > now:
            break
        report = on(submitted - timedelta(days=1), drafts.start_report, milestone, provider)
        started = max(4, contract.expected_people // len(reporting))
        on(
            submitted - timedelta(days=1),
            drafts.save_report,
            report,
            referred=started + started // 5 + 1,
            started=started,
            completed=started * 3 // 4,
            outcomes={o.id: _outcome_line(started, past.results, i) for i, o in enumerate(contract.outcomes)},
            narrative=f"{milestone.title}: {started} people started with us and most stayed the course. Referrals came "
            "steadily from probation practitioners; we met each person within a week.",
            case_study="",
            actor=provider,
        )
        on(submitted, drafts.submit_report, report, provider)
        if approved > now:
            break
        on(approved, decisions.approve_report, report, commissioner)
        _pay(payments.payment_for(milestone), next(delays, 4), f"BACS-{need.id:03d}-{milestone.number}", finance, now)


def _pay(payment, delay: int | None, reference: str, finance, now: datetime) -> None:
    """Recorded paid `delay` days after it became payable (None: left unpaid), if that is past."""
    paid_on = london_date(payment.payable_at) + timedelta(days=delay) if delay is not None else None
    if paid_on is not None and morning(paid_on, 15) < now:
        on(
            morning(paid_on, 15),
            payments.record_ledger_payment,
            payment,
            paid_on=paid_on,
            reference=reference,
            actor=finance,
        )
