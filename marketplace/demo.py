"""Demo data for `make run`: one account per role, for two delivery units of one region,
the demo commissioner's needs (open, closing soon, closed and a draft) and the demo
providers' bids on them: a consortium of the charity and the CIC, a draft, and on the
closed need an abnormally low bid from the large company, flagged at closing.

Idempotent: running it again finds what exists and adds only what is missing.
"""

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from flask import current_app

from . import audit
from .accounts import services as account_services
from .accounts.models import Membership, Role, User
from .extensions import db
from .needs.models import Reservation
from .organisations.models import IncomeBand, LegalForm, Organisation
from .reference.models import Area, ServiceCategory
from .reference.services import load_reference
from .timeutil import LONDON, utcnow
from .workdays import add_working_days, is_working_day, london_date

REGION = "N57"  # Kent, Surrey & Sussex
PDUS = ("N57EKNT", "N57KECL")  # East Kent, West Kent

ORGANISATIONS = [
    {
        "email": "charity@demo.test",
        "kind": "a small registered charity",
        "person": "Amira Hassan",
        "name": "Thanet Women's Centre",
        "legal_form": LegalForm.REGISTERED_CHARITY,
        "charity_number": "1100001",
        "company_number": None,
        "income_band": IncomeBand.MICRO,
        "description": "A women's centre in Margate offering a safe space, key workers and peer support for women in contact with the justice system.",
        "postcode": "CT9 1AA",
        "pdus": ("N57EKNT",),
        "specialisms": ("womens-services", "wellbeing", "family"),
        "policies": ("constituted", "safeguarding", "insurance_by_start", "dbs", "data_protection"),
    },
    {
        "email": "cic@demo.test",
        "kind": "a community interest company",
        "person": "Tom Okafor",
        "name": "Green Shoots Growing CIC",
        "legal_form": LegalForm.CIC,
        "charity_number": None,
        "company_number": "12000001",
        "income_band": IncomeBand.SMALL,
        "description": "Allotment projects across Kent for people with mental health needs: growing food, skills and friendships.",
        "postcode": "ME14 1AA",
        "pdus": ("N57EKNT", "N57KECL"),
        "specialisms": ("wellbeing", "inclusion", "unpaid-work"),
        "policies": ("constituted", "safeguarding", "insurance_by_start", "data_protection"),
    },
    {
        "email": "bigco@demo.test",
        "kind": "a large private company",
        "person": "Richard Blake",
        "name": "Nationwide Justice Services Ltd",
        "legal_form": LegalForm.COMPANY_LIMITED_BY_SHARES,
        "charity_number": None,
        "company_number": "09000001",
        "income_band": IncomeBand.LARGE,
        "description": "A national provider of resettlement, employment and accommodation services.",
        "postcode": "EC1A 1BB",
        "pdus": PDUS,
        "specialisms": ("accommodation", "ete", "through-the-gate"),
        "policies": ("constituted", "safeguarding", "insurance_by_start", "dbs", "data_protection"),
    },
]

STAFF = [
    ("commissioner@demo.test", "Chloe Commissioner", Role.COMMISSIONER),
    ("evaluator@demo.test", "Evan Evaluator", Role.EVALUATOR),
    ("board@demo.test", "Bola Board", Role.BOARD_MEMBER),
    ("finance@demo.test", "Femi Finance", Role.FINANCE),
]


class DemoRefused(Exception):
    pass


def _user(email: str, name: str, password: str, *, admin: bool = False) -> User:
    user = account_services.find_user(email)
    if user is None:
        user = account_services.create_user(email, name, password, verified=True)
        user.is_admin = admin
        db.session.flush()
        audit.record("user.created", user, after={"email": email, "demo": True})
    return user


def _membership(user: User, role: Role, *, organisation=None, area=None) -> None:
    for m in user.active_memberships:
        if m.role == role and m.organisation_id == getattr(organisation, "id", None) and m.area_id == getattr(area, "id", None):
            return
    membership = Membership(user=user, role=role, organisation=organisation, area=area)
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.created", membership, after={"role": role.value, "demo": True})


def load_demo_data(password: str) -> list[tuple[str, str]]:
    if not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise DemoRefused("Demo data is refused in production: it would create accounts with a known password.")
    load_reference()
    admin = _user("admin@demo.test", "Ada Admin", password, admin=True)
    pdus = {a.code: a for a in db.session.scalars(sa.select(Area).where(Area.code.in_(PDUS)))}
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    logins = [("admin@demo.test", "service admin: verifies organisations, invites area staff")]

    for email, name, role in STAFF:
        user = _user(email, name, password)
        for code in PDUS:
            _membership(user, role, area=pdus[code])
        logins.append((email, f"{role.label.lower()} for East Kent and West Kent"))

    for spec in ORGANISATIONS:
        user = _user(spec["email"], spec["person"], password)
        organisation = db.session.scalar(sa.select(Organisation).where(Organisation.name == spec["name"]))
        if organisation is None:
            organisation = Organisation(
                name=spec["name"],
                legal_form=spec["legal_form"],
                charity_number=spec["charity_number"],
                company_number=spec["company_number"],
                income_band=spec["income_band"],
                description=spec["description"],
                contact_name=spec["person"],
                contact_email=spec["email"],
                postcode=spec["postcode"],
                pdus=[pdus[c] for c in spec["pdus"]],
                specialisms=[categories[c] for c in spec["specialisms"]],
                policies=list(spec["policies"]),
                verified_at=utcnow(),
                verified_by_id=admin.id,
            )
            db.session.add(organisation)
            db.session.flush()
            audit.record("organisation.registered", organisation, after={"name": organisation.name, "demo": True})
        elif not organisation.policies:  # made by an older demo, before profiles held policies
            organisation.policies = list(spec["policies"])
            audit.record("organisation.updated", organisation, before={"policies": []}, after={"policies": organisation.policies, "demo": True})
        _membership(user, Role.OWNER, organisation=organisation)
        logins.append((spec["email"], f"owner of {spec['name']}, {spec['kind']}"))
    db.session.flush()
    # Lots in East Kent worth more than £25,000 need a board member's sign-off.
    if pdus["N57EKNT"].sign_off_threshold_pence is None:
        pdus["N57EKNT"].sign_off_threshold_pence = 2_500_000
        audit.record("area.threshold_changed", pdus["N57EKNT"], actor=admin, after={"sign_off_threshold_pence": 2_500_000, "demo": True})
    _needs(pdus, categories)
    _bids()
    _evaluations()
    _delivery()
    return logins


# Needs -------------------------------------------------------------------------------

NOON = time(12, 0)

# Every need here is complete: the quality weights plus social value (20) and price (20)
# add up to 100, and the advance plus the milestones add up to 100.
NEEDS = [
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
            ("Key work and drop-in in Thanet", "Weekly drop-in sessions and a named key worker for each woman.", 9_000_000, Reservation.VCSE),
            ("Peer support groups in Folkestone", "Fortnightly groups led by trained peer mentors.", 4_500_000, Reservation.NONE),
        ],
        "criteria": [
            ("How will you reach and keep in touch with women who do not engage with services?", 35, 500),
            ("How will you work with probation practitioners and other local services?", 25, 300),
        ],
        "conditions": ["constituted", "safeguarding", "insurance_by_start", "dbs"],
        "advance": 25,
        "milestones": [("Service running, first women supported", 40, 6), ("End of the service and final report", 35, 24)],
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
        "lots": [("Tenancy support", "Finding a tenancy and support for the first six months.", 7_500_000, Reservation.LOCAL)],
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
        "lots": [("Gate mentoring", "Meeting people at the gate and the first four weeks after release.", 2_400_000, Reservation.NONE)],
        "criteria": [("How will you make sure nobody is released without someone to meet them?", 60, 400)],
        "conditions": ["constituted", "safeguarding", "dbs"],
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
        "lots": [("Training and job search", "Weekly job clubs and short accredited courses.", 2_000_000, Reservation.NONE)],
        "criteria": [("How will you help people find work that lasts?", 60, 400)],
        "conditions": ["constituted", "safeguarding"],
        "advance": 25,
        "milestones": [("First quarter", 20, 3), ("Second quarter", 20, 6), ("Third quarter", 20, 9), ("End of the service", 15, 12)],
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
]

DEMO_QUESTION = (
    "Can a lot 1 provider use volunteers as key workers, if they are trained and supervised by paid staff?",
    (
        "Yes. Trained volunteers can be key workers when a paid member of staff supervises them and they have "
        "had an enhanced DBS check. Say in your answer to question 1 how you will train and supervise them."
    ),
)


def _working_days_before(day: date, count: int) -> date:
    while count:
        day -= timedelta(days=1)
        if is_working_day(day):
            count -= 1
    return day


def _at_noon(day: date) -> datetime:
    return datetime.combine(day, NOON, tzinfo=LONDON)


def _dates(when: str, now: datetime) -> tuple[datetime | None, datetime | None, datetime | None]:
    """(published_at, question_deadline, closes_at), set directly: publishing through the
    service would insist on 10 working days from today."""
    today = london_date(now)
    if when == "open":
        return now - timedelta(days=3), _at_noon(add_working_days(today, 15)), _at_noon(add_working_days(today, 20))
    if when == "closing soon":
        return _at_noon(_working_days_before(today, 15)), _at_noon(today + timedelta(days=1)), _at_noon(today + timedelta(days=3))
    if when in ("closed", "closed earlier", "finished"):
        closes = today - timedelta(days={"closed": 2, "closed earlier": 7, "finished": 320}[when])
        return _at_noon(_working_days_before(closes, 20)), _at_noon(closes - timedelta(days=5)), _at_noon(closes)
    return None, None, None


def _needs(pdus: dict, categories: dict) -> None:
    from .needs import services as need_services
    from .needs.models import Need, Question, QuestionVisibility
    from .reference.models import DesiredOutcome

    commissioner = account_services.find_user("commissioner@demo.test")
    charity = account_services.find_user("charity@demo.test")
    now = utcnow()
    for spec in NEEDS:
        if db.session.scalar(sa.select(Need.id).where(Need.title == spec["title"])) is not None:
            continue
        area = pdus[spec["area"]]
        need = need_services.create_need(area=area, title=spec["title"], actor=commissioner)
        category = categories[spec["category"]]
        outcomes = db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.code.in_(spec["outcomes"]))).all()
        need_services.update_about(
            need,
            title=spec["title"],
            summary=spec["summary"],
            pdus=[pdus[c] for c in spec["pdus"]],
            category=category,
            outcomes=outcomes,
            cohort=spec["cohort"],
            expected_people=spec["expected_people"],
            duration_months=spec["duration_months"],
            procedure=spec.get("procedure", "grant"),
        )
        for title, description, value, reservation in spec["lots"]:
            need_services.save_lot(need, title=title, description=description, value_pence=value, reservation=reservation)
        for question, weight, word_limit in spec["criteria"]:
            need_services.save_criterion(need, question=question, weight=weight, word_limit=word_limit)
        need_services.set_weights(need, social_value_weight=20, price_weight=20)
        need_services.set_conditions(need, conditions=spec["conditions"], cost_floor_per_person_pence=None)
        # The commissioner shows how many bids have come in (and nothing else) before closing.
        need.show_bid_count = spec["when"] != "draft"
        need_services.set_payment_profile(need, advance_percent=spec["advance"], milestones=spec["milestones"])
        published, deadline, closes = _dates(spec["when"], now)
        need.question_deadline, need.closes_at = deadline, closes
        if published is not None:
            need.published_at = published
            audit.record("need.published", need, actor=commissioner, before={"status": "draft"}, after={"status": "open", "demo": True})
        db.session.flush()

        if spec["when"] == "open":
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
            need_services.follow_need(need, actor=charity)
    db.session.flush()


# Bids --------------------------------------------------------------------------------

OPEN_NEED = "Women's centre support in East Kent"
CLOSED_NEED = "Allotment and growing project in East Kent"
MODERATION_NEED = "Through-the-gate mentoring in East Kent"
FINISHED_NEED = "Employment support in East Kent"

# Every bid goes through the bid services, so it obeys their rules; bids on the closed
# need are made and submitted at times before it closed. The closing-soon need is left
# without bids, for people trying the portal to bid on.
BIDS = [
    {
        "need": OPEN_NEED,
        "lot": 1,
        "lead": "charity@demo.test",
        "partners": [("cic@demo.test", 30, 25)],
        "lead_share": (70, 75),
        "price": 8_850_000,
        "people": 80,
        "answers": (
            "Our key workers already run a weekly drop-in in Margate; we will open it to every woman referred by "
            "probation and phone, text or visit each one who misses a session the same day. Women with lived "
            "experience, trained as peer mentors, meet newcomers at the door. Green Shoots runs a weekly growing "
            "session on our allotment, which many women find easier to come to than an office.",
            "A named key worker for each woman agrees a plan with her probation practitioner in the first two weeks "
            "and joins three-way meetings every month. We share progress through the probation referral system and "
            "refer on to housing, debt advice and GP services we already work with in Thanet.",
        ),
        "social_value": "Two of the key worker posts are for women with lived experience of the justice system, "
        "paid the Real Living Wage, and every peer mentor is offered an accredited qualification.",
        "submit": True,
    },
    {
        "need": OPEN_NEED,
        "lot": 2,
        "lead": "bigco@demo.test",
        "price": 4_300_000,
        "people": 40,
        "answers": (
            "We will contact every referred woman within two working days and offer groups at two times of day.",
            "Our regional partnerships team meets probation managers monthly and reports on attendance.",
        ),
        "social_value": "One apprenticeship for a local young person.",
        "submit": True,
    },
    {
        "need": OPEN_NEED,
        "lot": 2,
        "lead": "cic@demo.test",
        "price": 4_200_000,
        "people": 40,
        "answers": ("Groups will meet at the allotment in Folkestone and finish with a shared meal.",),
        "submit": False,  # a draft: one answer, no social value or declarations yet
    },
    {
        "need": CLOSED_NEED,
        "lot": 1,
        "lead": "charity@demo.test",
        "price": 2_900_000,
        "people": 40,
        "answers": ("Each woman sets her own wellbeing goals with a key worker and we measure them with WEMWBS every three months.",),
        "social_value": "Produce from the allotment goes to the Margate food bank.",
        "submit": True,
    },
    {
        "need": CLOSED_NEED,
        "lot": 1,
        "lead": "cic@demo.test",
        "price": 2_750_000,
        "people": 40,
        "answers": ("Our growers have run these sessions for six years; we use WEMWBS at the start, middle and end.",),
        "social_value": "Two paid sessional posts for people who came to us through probation.",
        "submit": True,
    },
    {
        # Half the price of the others: flagged abnormally low when the need closed.
        "need": CLOSED_NEED,
        "lot": 1,
        "lead": "bigco@demo.test",
        "price": 1_400_000,
        "people": 40,
        "answers": ("We will deliver the sessions through our national wellbeing programme.",),
        "social_value": "A donation of tools to each allotment site.",
        "submit": True,
    },
    {
        "need": MODERATION_NEED,
        "lot": 1,
        "lead": "charity@demo.test",
        "price": 2_300_000,
        "people": 30,
        "answers": ("Two mentors are on call for every release day; if one is ill, our partner's volunteer driver goes instead.",),
        "social_value": "Mentors are people who have been through the gate themselves, paid the Real Living Wage.",
        "submit": True,
    },
    {
        "need": MODERATION_NEED,
        "lot": 1,
        "lead": "cic@demo.test",
        "price": 2_250_000,
        "people": 30,
        "answers": ("We will meet people at the gate when we are told of the release date in time.",),
        "social_value": "Fresh food parcels from our allotment for the first week.",
        "submit": True,
    },
    {
        "need": FINISHED_NEED,
        "lot": 1,
        "lead": "charity@demo.test",
        "price": 1_950_000,
        "people": 50,
        "answers": ("Job clubs in Margate and Canterbury, a named employment worker, and six months of in-work support.",),
        "social_value": "We recruit two trainees a year from the people we support.",
        "submit": True,
    },
    {
        "need": FINISHED_NEED,
        "lot": 1,
        "lead": "bigco@demo.test",
        "price": 1_800_000,
        "people": 50,
        "answers": ("Our national employability programme, delivered online with monthly meetings.",),
        "social_value": "An apprenticeship in our head office.",
        "submit": True,
    },
]


def _bids() -> None:
    from .bids import services as bid_services
    from .needs.models import Need

    now = utcnow()
    for index, spec in enumerate(BIDS):
        need = db.session.scalar(sa.select(Need).where(Need.title == spec["need"]))
        if need is None or need.published_at is None:
            continue
        lot = need.lots[spec["lot"] - 1]
        lead = account_services.find_user(spec["lead"])
        organisation = lead.organisations[0]
        if bid_services.bid_for(organisation.id, lot) is not None:
            continue
        if lot.reservation == Reservation.VCSE and not organisation.is_vcse:
            continue  # a need made by an older demo, when this lot was reserved
        if need.closes_at <= now:
            if need.bids_checked_at is not None:
                continue  # closed and checked before these bids existed: leave it be
            start = need.closes_at - timedelta(days=3)
        else:
            start = max(need.published_at + timedelta(hours=1), now - timedelta(days=1))
        start = min(start + timedelta(hours=2 * index), now - timedelta(hours=3))  # not all at once, all in the past
        if not bid_services.need_is_open(need, start):
            continue
        _demo_bid(bid_services, spec, lot, lead, organisation, start)
    for title in (CLOSED_NEED, MODERATION_NEED, FINISHED_NEED):
        closed = db.session.scalar(sa.select(Need).where(Need.title == title))
        if closed is not None:
            bid_services.check_at_closing(closed, now=now)
    db.session.flush()


# Evaluations ---------------------------------------------------------------------------------


def _evaluations() -> None:
    """The mentoring need in moderation and the employment need finished with a contract,
    both through the evaluation services at times after they closed. The allotment need is
    left for people trying the portal to evaluate from the start."""
    from .contracts import services as contract_services
    from .evaluation import services as evaluation
    from .needs.models import Need

    commissioner = account_services.find_user("commissioner@demo.test")
    evaluator = account_services.find_user("evaluator@demo.test")
    marks = {"charity@demo.test": 4, "cic@demo.test": 3, "bigco@demo.test": 2}
    for title in (MODERATION_NEED, FINISHED_NEED):
        need = db.session.scalar(sa.select(Need).where(Need.title == title))
        if need is None or need.closes_at is None or evaluation.panel(need) or evaluation.current_decision(need.lots[0]):
            continue
        lot = need.lots[0]
        at = need.closes_at + timedelta(days=1)
        if need.status_at(at).value != "closed":
            continue
        evaluation.assign_evaluator(need, evaluator, actor=commissioner, now=at)
        evaluation.declare_conflicts(
            need, evaluator, {o.id: (False, "") for o in evaluation.bidding_organisations(need)}, now=at
        )
        entries = evaluation.lot_bids(lot)
        for bid, _ in entries:
            mark = next(v for email, v in marks.items() if bid.organisation.contact_email == email)
            scores = {p.key: (mark, DEMO_JUSTIFICATIONS[mark]) for p in evaluation.parts(need)}
            evaluation.save_sheet(bid, evaluator, scores, submit=True, now=at + timedelta(hours=2))
            if title == FINISHED_NEED or bid is entries[0][0]:
                evaluation.agree_scores(bid, scores, actor=commissioner, now=at + timedelta(days=1))
        if title == MODERATION_NEED:
            continue
        evaluation.close_moderation(lot, actor=commissioner, now=at + timedelta(days=1, hours=1))
        winner = evaluation.ranking(lot)[0].bid
        decided = at + timedelta(days=2)
        decision = evaluation.decide(
            lot, bid=winner, reasons="The highest total score: the strongest plan for work that lasts, at a fair price.",
            actor=commissioner, now=decided,
        )
        made = decision.standstill_ends_at + timedelta(days=1)
        starts = london_date(made) + timedelta(days=1)
        contract_services.create_contract(
            decision, starts_on=starts, ends_on=starts + relativedelta(months=need.duration_months),
            schedule=contract_services.proposed_schedule(decision, starts), outcome_ids=[o.id for o in need.outcomes],
            actor=commissioner, now=made,
        )
    db.session.flush()


def _delivery() -> None:
    """The employment contract in delivery: the advance and the first quarter paid, the
    second quarter's report approved but its payment overdue, the third quarter's report
    waiting for approval. Through the delivery and payment services, at past times."""
    from .contracts.models import Contract
    from .delivery import services as delivery
    from .needs.models import Need
    from .payments import services as payments
    from .workdays import at_london_time

    need = db.session.scalar(sa.select(Need).where(Need.title == FINISHED_NEED))
    contract = db.session.scalar(sa.select(Contract).where(Contract.need_id == need.id)) if need else None
    if contract is None or delivery.report_for(contract.milestones[1]) is not None:
        return
    charity = account_services.find_user("charity@demo.test")
    commissioner = account_services.find_user("commissioner@demo.test")
    finance = account_services.find_user("finance@demo.test")
    today = london_date(utcnow())

    def at(day):
        return at_london_time(day, time(10, 0)).astimezone(UTC)

    # The advance, paid three days after the start.
    advance = payments.payment_for(contract.milestones[0])
    paid_on = contract.starts_on + timedelta(days=3)
    payments.record_ledger_payment(advance, paid_on=paid_on, reference="BACS-EK-0001", actor=finance, now=at(paid_on))
    plans = [
        # (milestone, report submitted this many days ago, approved days ago, paid days ago)
        (contract.milestones[1], 150, 147, 143),
        (contract.milestones[2], 20, 14, None),
        (contract.milestones[3], 2, None, None),
    ]
    outcomes = contract.outcomes
    for index, (milestone, submitted_ago, approved_ago, paid_ago) in enumerate(plans, start=1):
        when = at(today - timedelta(days=submitted_ago))
        report = delivery.start_report(milestone, charity, now=when - timedelta(days=2))
        started = 10 + 2 * index
        delivery.save_report(
            report, referred=started + 3, started=started, completed=started - 4,
            outcomes={o.id: (started // 2, started // 4, started - started // 2 - started // 4) for o in outcomes},
            narrative=DEMO_NARRATIVES[index - 1], case_study="", actor=charity, now=when - timedelta(days=1),
        )
        delivery.submit_report(report, charity, now=when)
        if approved_ago is not None:
            delivery.approve_report(report, commissioner, now=at(today - timedelta(days=approved_ago)))
        if paid_ago is not None:
            paid_day = today - timedelta(days=paid_ago)
            payments.record_ledger_payment(
                payments.payment_for(milestone), paid_on=paid_day, reference=f"BACS-EK-000{index + 1}", actor=finance, now=at(paid_day)
            )
    db.session.flush()


DEMO_NARRATIVES = (
    "Job clubs opened in Margate and Canterbury in the first month. Most people came through their probation "
    "practitioner; two came back with a friend.",
    "Six people started work this quarter, four of them in hospitality. We added an evening session for people on "
    "curfews that end at 7pm.",
    "Two employers now interview our members directly. Attendance dipped over the summer holidays and recovered in "
    "September.",
)


DEMO_JUSTIFICATIONS = {
    2: "Acceptable: a general programme, with little about how it works in East Kent.",
    3: "Good: a clear local plan, with some gaps in how progress is measured.",
    4: "Excellent: a detailed local plan with evidence from their current work.",
}


def _demo_bid(bid_services, spec: dict, lot, lead: User, organisation, start: datetime) -> None:
    need = lot.need
    bid = bid_services.start_bid(lot, organisation=organisation, actor=lead, now=start)
    answers = {c.id: text for c, text in zip(need.criteria, spec["answers"], strict=False)}
    bid_services.save_answers(bid, answers=answers, actor=lead, now=start)
    price = spec["price"]
    bid_services.save_price(
        bid, price_pence=price, breakdown=bid_services.suggested_breakdown(bid, price), people=spec["people"],
        actor=lead, now=start,
    )
    if not spec["submit"]:
        return
    bid_services.save_social_value(bid, text=spec["social_value"], actor=lead, now=start)
    bid_services.save_declarations(
        bid, declarations=["eligible", "no_conflict", "accurate"], conflict_details="", actor=lead, now=start
    )
    partners = []
    for email, work_percent, price_percent in spec.get("partners", []):
        member = account_services.find_user(email)
        partner, _ = bid_services.invite_partner(
            bid, organisation=member.organisations[0], work_percent=work_percent, price_percent=price_percent,
            actor=lead, now=start,
        )
        partners.append((partner, member))
    if partners:
        lead_work, lead_price = spec["lead_share"]
        bid_services.set_shares(
            bid, lead_work_percent=lead_work, lead_price_percent=lead_price,
            partner_shares={p.id: (p.work_percent, p.price_percent) for p, _ in partners}, actor=lead, now=start,
        )
        for partner, member in partners:
            bid_services.confirm_partner(partner, actor=member, now=start + timedelta(hours=2))
    bid_services.submit_bid(bid, actor=lead, now=start + timedelta(hours=3))
