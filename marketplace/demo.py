"""Demo data for `make run`: one account per role, for two delivery units of one region,
and the demo commissioner's needs: open, closing soon, closed and a draft.

Idempotent: running it again finds what exists and adds only what is missing.
"""

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
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
    },
]

STAFF = [
    ("commissioner@demo.test", "Chloe Commissioner", Role.COMMISSIONER),
    ("evaluator@demo.test", "Evan Evaluator", Role.EVALUATOR),
    ("board@demo.test", "Bola Board", Role.BOARD_MEMBER),
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
                verified_at=utcnow(),
                verified_by_id=admin.id,
            )
            db.session.add(organisation)
            db.session.flush()
            audit.record("organisation.registered", organisation, after={"name": organisation.name, "demo": True})
        _membership(user, Role.OWNER, organisation=organisation)
        logins.append((spec["email"], f"owner of {spec['name']}, {spec['kind']}"))
    db.session.flush()
    _needs(pdus, categories)
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
        "area": "N57EKNT",
        "pdus": ("N57EKNT",),
        "category": "wellbeing",
        "outcomes": ("wb-access", "wb-improve"),
        "summary": "Weekly growing sessions on allotments in Canterbury and Ashford for people with mental health needs.",
        "cohort": "Adults on probation in East Kent with low-level mental health needs",
        "expected_people": 40,
        "duration_months": 12,
        "lots": [("Growing sessions", "Two sessions a week, with tools and transport.", 3_000_000, Reservation.VCSE)],
        "criteria": [("How will the sessions improve emotional wellbeing, and how will you show it?", 60, 400)],
        "conditions": ["constituted", "safeguarding"],
        "advance": 25,
        "milestones": [("Mid-point report", 35, 6), ("Final report", 40, 12)],
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
    if when == "closed":
        closes = today - timedelta(days=2)
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
            procedure="grant",
        )
        for title, description, value, reservation in spec["lots"]:
            need_services.save_lot(need, title=title, description=description, value_pence=value, reservation=reservation)
        for question, weight, word_limit in spec["criteria"]:
            need_services.save_criterion(need, question=question, weight=weight, word_limit=word_limit)
        need_services.set_weights(need, social_value_weight=20, price_weight=20)
        need_services.set_conditions(need, conditions=spec["conditions"], cost_floor_per_person_pence=None)
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
