"""The demo commissioner's needs, one at each stage (open with a question answered,
closing soon, closed, being scored, in moderation, finished, a draft), each complete and
made through the need services, and `draft_need`, which HISTORY's needs are made with too."""

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..accounts import services as account_services
from ..extensions import db
from ..needs import drafting, following, proportion
from ..needs.models import Need, Question, QuestionVisibility, Reservation
from ..reference.models import DesiredOutcome
from ..signals import contracting_event
from ..timeutil import london_date, utcnow
from ..workdays import add_working_days
from .dated import at_noon, working_days_before

# Every need here is complete: the quality weights plus social value (20) and price (20)
# add up to 100, the advance plus the milestones add up to 100, and the questions' and
# social value's word limits fit the need's word budget (needs/proportion.py).
NEEDS: list[dict[str, Any]] = [
    {
        "title": "Women's centre support in East Kent",
        "when": "open",
        "area": "N57EKNT",
        "pdus": ("N57EKNT",),
        "category": "womens-services",
        "outcomes": ("wom-engage", "wom-safety", "wom-wellbeing"),
        "summary": "A safe, women-only space in Margate and Folkestone where women on probation can meet a key worker, "
        "get help with housing, money and health, and take part in peer support groups.",
        "cohort": "Women aged 18 and over on a community order, suspended sentence or licence in East Kent",
        "expected_people": 120,
        "duration_months": 24,
        "lots": [
            (
                "Key work and drop-in in Thanet",
                "Weekly drop-in sessions and a named key worker for each woman.",
                9_000_000,
                Reservation.VCSE,
            ),
            (
                "Peer support groups in Folkestone",
                "Fortnightly groups led by trained peer mentors.",
                4_500_000,
                Reservation.NONE,
            ),
        ],
        "criteria": [
            ("How will you reach and keep in touch with women who do not engage with services?", 35, 500),
            ("How will you work with probation practitioners and other local services?", 25, 300),
        ],
        "social_value_words": 300,  # 1,100 words of the 1,200 its largest lot (£90,000) allows
        "question": True,  # the charity's question, answered and published
        "conditions": ["constituted", "safeguarding", "insurance_by_start", "dbs"],
        "advance": 25,
        "milestones": [
            ("Service running, first women supported", 40, 6),
            ("End of the service and final report", 35, 24),
        ],
    },
    {
        "title": "Move-on accommodation support in West Kent",
        "when": "closing soon",
        "area": "N57KECL",
        "pdus": ("N57KECL",),
        "category": "accommodation",
        "outcomes": ("acc-secure", "acc-sustain"),
        "summary": "Help people leaving approved premises in Maidstone and Tonbridge to find and keep a tenancy.",
        "cohort": "Adults leaving approved premises in West Kent",
        "expected_people": 60,
        "duration_months": 12,
        "lots": [
            ("Tenancy support", "Finding a tenancy and support for the first six months.", 7_500_000, Reservation.LOCAL)
        ],
        "criteria": [("How will you help people keep their tenancy for six months or more?", 60, 500)],
        "conditions": ["constituted", "safeguarding", "data_protection"],
        "advance": 20,
        "milestones": [("Six months", 40, 6), ("End of the service", 40, 12)],
    },
    {
        "title": "Allotment and growing project in East Kent",
        "when": "closed",
        "procedure": "contract",  # let as a contract: its award has a standstill
        "area": "N57EKNT",
        "pdus": ("N57EKNT",),
        "category": "wellbeing",
        "outcomes": ("wb-access", "wb-improve"),
        "summary": "Weekly growing sessions on allotments in Canterbury and Ashford for people with mental health needs.",
        "cohort": "Adults on probation in East Kent with low-level mental health needs",
        "expected_people": 40,
        "duration_months": 12,
        "lots": [("Growing sessions", "Two sessions a week, with tools and transport.", 3_000_000, Reservation.NONE)],
        "criteria": [("How will the sessions improve emotional wellbeing, and how will you show it?", 60, 400)],
        "conditions": ["constituted", "safeguarding"],
        "advance": 25,
        "milestones": [("Mid-point report", 35, 6), ("Final report", 40, 12)],
    },
    {
        # In moderation: both bids scored by the panel, the first one's scores agreed.
        "title": "Through-the-gate mentoring in East Kent",
        "when": "closed earlier",
        "procedure": "contract",
        "area": "N57EKNT",
        "pdus": ("N57EKNT",),
        "category": "through-the-gate",
        "outcomes": ("ttg-met", "ttg-appointments"),
        "summary": "Mentors who meet people at the prison gate and go with them to their first appointments.",
        "cohort": "Adults released from HMP Elmley and HMP Swaleside to East Kent addresses",
        "expected_people": 30,
        "duration_months": 12,
        "lots": [
            (
                "Gate mentoring",
                "Meeting people at the gate and the first four weeks after release.",
                2_400_000,
                Reservation.NONE,
            )
        ],
        "criteria": [("How will you make sure nobody is released without someone to meet them?", 60, 400)],
        "social_value_words": 200,  # its lot is under £25,000: 600 words in all
        "conditions": ["constituted", "safeguarding", "dbs"],
        "advance": 20,
        "milestones": [("Six months", 40, 6), ("End of the service", 40, 12)],
    },
    {
        # Being scored: the evaluator has scored one bid of three, and the commissioner has
        # asked the CIC, whose price was flagged abnormally low, to explain it.
        "title": "Community groups and volunteering in Maidstone",
        "when": "being scored",
        "area": "N57KECL",
        "pdus": ("N57KECL",),
        "category": "inclusion",
        "outcomes": ("inc-community", "inc-volunteer"),
        "summary": "Weekly community groups and volunteering placements in Maidstone, with a mentor for the first "
        "month, so people on probation find somewhere to belong.",
        "cohort": "Adults on probation in Maidstone who are isolated or out of work",
        "expected_people": 45,
        "duration_months": 12,
        "lots": [
            (
                "Community groups and placements",
                "Two weekly groups and volunteering placements with local organisations.",
                3_600_000,
                Reservation.NONE,
            )
        ],
        "criteria": [("How will you help people take part in community life and keep coming?", 60, 400)],
        "conditions": ["constituted", "safeguarding"],
        "advance": 20,
        "milestones": [("Six months", 40, 6), ("End of the service", 40, 12)],
    },
    {
        # Finished: scored, moderated, awarded, standstill over and a contract made.
        "title": "Employment support in East Kent",
        "when": "finished",
        "procedure": "contract",
        "area": "N57EKNT",
        "pdus": ("N57EKNT",),
        "category": "ete",
        "outcomes": ("ete-skills", "ete-job"),
        "summary": "Help into training and work for people on probation in Canterbury and Thanet.",
        "cohort": "Adults on probation in East Kent who are out of work",
        "expected_people": 50,
        "duration_months": 12,
        "lots": [
            ("Training and job search", "Weekly job clubs and short accredited courses.", 2_000_000, Reservation.NONE)
        ],
        "criteria": [("How will you help people find work that lasts?", 60, 400)],
        "social_value_words": 200,  # its lot is under £25,000: 600 words in all
        "conditions": ["constituted", "safeguarding"],
        "advance": 25,
        "milestones": [
            ("First quarter", 20, 3),
            ("Second quarter", 20, 6),
            ("Third quarter", 20, 9),
            ("End of the service", 15, 12),
        ],
    },
    {
        "title": "Family contact and parenting support in West Kent",
        "when": "draft",
        "area": "N57KECL",
        "pdus": ("N57KECL",),
        "category": "family",
        "outcomes": (),
        "summary": "Parenting courses and supported family contact for parents on probation.",
        "cohort": "Parents on probation in West Kent",
        "expected_people": 50,
        "duration_months": 18,
        "lots": [("Parenting courses", "Eight-week courses in Maidstone and Sevenoaks.", 4_000_000, Reservation.NONE)],
        "criteria": [("How will you make the courses easy to attend for working parents?", 60, 300)],
        "conditions": ["constituted", "safeguarding", "dbs"],
        "advance": 10,
        "milestones": [("First courses delivered", 45, 6), ("End of the service", 45, 18)],
    },
    {
        # The small reserved lot: a grant under £25,000 on the short grant form (three
        # fixed questions of 200 words, social value part of the third).
        "title": "Peer mentoring for women leaving custody in Thanet",
        "when": "open",
        "area": "N57EKNT",
        "pdus": ("N57EKNT",),
        "category": "womens-services",
        "outcomes": ("wom-engage", "wom-wellbeing"),
        "summary": "A peer mentor, a woman who has been through it herself, for each woman released to Thanet: "
        "met at the gate, and weekly for her first three months.",
        "cohort": "Women released from custody to addresses in Thanet",
        "expected_people": 25,
        "duration_months": 12,
        "lots": [
            (
                "Peer mentoring in Thanet",
                "Recruiting, training and supporting volunteer peer mentors, and matching each woman with one.",
                1_800_000,
                Reservation.VCSE,
            )
        ],
        "short_form": True,
        "criteria": [],
        "conditions": ["constituted", "safeguarding", "dbs"],
        "advance": 25,
        "milestones": [("Mentors matched", 35, 3), ("End of the service", 40, 12)],
    },
]

DEMO_QUESTION = (
    "Can a lot 1 provider use volunteers as key workers, if they are trained and supervised by paid staff?",
    (
        "Yes. Trained volunteers can be key workers when a paid member of staff supervises them and they have "
        "had an enhanced DBS check. Say in your answer to question 1 how you will train and supervise them."
    ),
)


def _dates(when: str, now: datetime) -> tuple[datetime | None, datetime | None, datetime | None]:
    """(published_at, question_deadline, closes_at), set directly: publishing through the
    service would insist on 10 working days from today."""
    today = london_date(now)
    if when == "open":
        return now - timedelta(days=3), at_noon(add_working_days(today, 15)), at_noon(add_working_days(today, 20))
    # Question deadlines and closing times fall on working days, as the dates step insists.
    if when == "closing soon":
        return (
            at_noon(working_days_before(today, 15)),
            at_noon(add_working_days(today, 1)),
            at_noon(add_working_days(today, 2)),
        )
    if when in ("closed", "being scored", "closed earlier", "finished"):
        days_ago = {"closed": 2, "being scored": 5, "closed earlier": 7, "finished": 320}[when]
        closes = working_days_before(today - timedelta(days=days_ago - 1), 1)
        return at_noon(working_days_before(closes, 20)), at_noon(working_days_before(closes, 3)), at_noon(closes)
    return None, None, None


def add_needs(pdus: dict, categories: dict) -> None:
    commissioner = account_services.find_user("commissioner@demo.test")
    charity = account_services.find_user("charity@demo.test")
    now = utcnow()
    for spec in NEEDS:
        need = add_need(spec, pdus, categories, commissioner, now)
        if need is not None and spec.get("question"):
            _question_answered(need, charity, commissioner, now)
    db.session.flush()


def add_need(spec: dict, pdus: dict, categories: dict, commissioner, now: datetime) -> Need | None:
    """The need of a spec, at its stage (`when`), unless a need of its title exists."""
    if db.session.scalar(sa.select(Need.id).where(Need.title == spec["title"])) is not None:
        return None
    need = draft_need(spec, pdus, categories, commissioner)
    # The commissioner shows how many bids have come in (and nothing else) before closing.
    need.show_bid_count = spec["when"] != "draft"
    published, deadline, closes = _dates(spec["when"], now)
    need.question_deadline, need.closes_at = deadline, closes
    if published is not None:
        need.published_at = published
        audit.record(
            "need.published",
            need,
            actor=commissioner,
            before={"status": "draft"},
            after={"status": "open", "demo": True},
        )
        # Its OCDS release too, dated when it was published, as the service writes it.
        db.session.flush()
        contracting_event.send(need, kind="tender", at=published)
    db.session.flush()
    return need


def _question_answered(need, charity, commissioner, now: datetime) -> None:
    """The charity's question on the open need, answered and published; it follows the need."""
    question = Question(
        need_id=need.id,
        organisation_id=charity.organisations[0].id,
        asked_by_id=charity.id,
        text=DEMO_QUESTION[0],
        asked_at=now - timedelta(days=2),
        answer=DEMO_QUESTION[1],
        answered_at=now - timedelta(days=1),
        answered_by_id=commissioner.id,
        visibility=QuestionVisibility.PUBLISHED,
    )
    db.session.add(question)
    db.session.flush()
    audit.record("question.asked", question, actor=charity, after={"need_id": need.id, "demo": True})
    audit.record("question.answered", question, actor=commissioner, after={"visibility": "published", "demo": True})
    following.follow_need(need, actor=charity)


def draft_need(spec: dict, pdus: dict, categories: dict, commissioner):
    """A complete draft need from a spec of NEEDS (or one HISTORY makes), through the need services."""
    need = drafting.create_need(area=pdus[spec["area"]], title=spec["title"], actor=commissioner)
    outcomes = db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.code.in_(spec["outcomes"]))).all()
    drafting.update_about(
        need,
        title=spec["title"],
        summary=spec["summary"],
        pdus=[pdus[c] for c in spec["pdus"]],
        category=categories[spec["category"]],
        outcomes=outcomes,
        cohort=spec["cohort"],
        expected_people=spec["expected_people"],
        duration_months=spec["duration_months"],
        procedure=spec.get("procedure", "grant"),
    )
    # In Welsh too, for a need of an area in Wales.
    need.title_cy, need.summary_cy = spec.get("title_cy", ""), spec.get("summary_cy", "")
    for title, description, value, reservation in spec["lots"]:
        drafting.save_lot(need, title=title, description=description, value_pence=value, reservation=reservation)
    # The social value limit first: the questions must fit in what the word budget leaves.
    drafting.set_weights(
        need,
        social_value_weight=20,
        price_weight=20,
        social_value_word_limit=spec.get("social_value_words", proportion.SOCIAL_VALUE_WORDS_DEFAULT),
    )
    if spec.get("short_form"):
        drafting.set_short_form(need, True)  # its three fixed questions, 20% each
    for question, weight, word_limit in spec["criteria"]:
        drafting.save_criterion(need, question=question, weight=weight, word_limit=word_limit)
    drafting.set_conditions(need, conditions=spec["conditions"], cost_floor_per_person_pence=None)
    drafting.set_payment_profile(need, advance_percent=spec["advance"], milestones=spec["milestones"])
    return need
