"""Demo data for `make run`: one account per role, for two delivery units of one region,
the demo commissioner's needs (open, closing soon, closed and a draft) and the demo
providers' bids on them: a consortium of the charity and the CIC, a draft, and on the
closed need an abnormally low bid from the large company, flagged at closing.

Behind them, two financial years of history (HISTORY) for the board's dashboard: needs
published, bid for by providers of every size and type, evaluated, awarded, delivered,
reported on and paid, each step through the services at its own past time (and dated then
in the audit trail), with some payments late and two overdue now.

Idempotent: running it again finds what exists and adds only what is missing.
"""

from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

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
from .timeutil import LONDON, london_date, utcnow
from .workdays import add_working_days, is_working_day

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
    # Providers of the past two years' contracts (see HISTORY): two of each size band, all
    # three types, some with staff or premises in East Kent or West Kent and some without.
    {
        "email": "cafe@demo.test",
        "kind": "a volunteer-run community group",
        "person": "Grace Mensah",
        "name": "Sevenoaks Recovery Cafe",
        "legal_form": LegalForm.COMMUNITY_GROUP,
        "charity_number": None,
        "company_number": None,
        "income_band": IncomeBand.MICRO,
        "description": "A volunteer-run cafe in Sevenoaks where people in recovery cook, serve and find their feet.",
        "postcode": "TN13 1AA",
        "pdus": ("N57KECL",),
        "specialisms": ("dependency", "inclusion", "unpaid-work"),
        "policies": ("constituted", "safeguarding", "data_protection"),
    },
    {
        "email": "pathways@demo.test",
        "kind": "a charitable incorporated organisation in East Sussex",
        "person": "Priya Nair",
        "name": "Sussex Pathways CIO",
        "legal_form": LegalForm.CIO,
        "charity_number": "1190001",
        "company_number": None,
        "income_band": IncomeBand.SMALL,
        "description": "Housing and tenancy support across Sussex, now working in Kent too.",
        "postcode": "BN21 1AA",
        "pdus": ("N57SUS",),
        "specialisms": ("accommodation", "wellbeing", "womens-services"),
        "policies": ("constituted", "safeguarding", "insurance_by_start", "dbs", "data_protection"),
    },
    {
        "email": "swale@demo.test",
        "kind": "a medium-sized community benefit society",
        "person": "Daniel Price",
        "name": "Swale Housing Co-operative",
        "legal_form": LegalForm.COMMUNITY_BENEFIT_SOCIETY,
        "charity_number": None,
        "company_number": None,
        "income_band": IncomeBand.MEDIUM,
        "description": "A housing co-operative in Sittingbourne and Sheerness offering supported lodgings and move-on homes.",
        "postcode": "ME10 1AA",
        "pdus": ("N57EKNT",),
        "specialisms": ("accommodation", "through-the-gate", "lifestyle"),
        "policies": ("constituted", "safeguarding", "insurance_by_start", "dbs", "data_protection"),
    },
    {
        "email": "horizon@demo.test",
        "kind": "a medium-sized private company in London",
        "person": "Hannah Cole",
        "name": "Horizon Outcomes Ltd",
        "legal_form": LegalForm.COMPANY_LIMITED_BY_SHARES,
        "charity_number": None,
        "company_number": "11000001",
        "income_band": IncomeBand.MEDIUM,
        "description": "Employment and money advice programmes, delivered from London with local venues.",
        "postcode": "SE1 7AA",
        "pdus": ("LDNLAW",),
        "specialisms": ("ete", "finance", "wellbeing"),
        "policies": ("constituted", "safeguarding", "insurance_by_start", "data_protection"),
    },
    {
        "email": "learning@demo.test",
        "kind": "a council's adult learning service",
        "person": "Martin Shaw",
        "name": "Kent Adult Learning Service",
        "legal_form": LegalForm.PUBLIC_BODY,
        "charity_number": None,
        "company_number": None,
        "income_band": IncomeBand.MEDIUM,
        "description": "The county's adult education service: courses in Maidstone, Tonbridge and Tunbridge Wells.",
        "postcode": "ME15 6AA",
        "pdus": ("N57KECL",),
        "specialisms": ("ete", "family", "inclusion"),
        "policies": ("constituted", "safeguarding", "insurance_by_start", "dbs", "data_protection"),
    },
    {
        "email": "nhs@demo.test",
        "kind": "an NHS trust",
        "person": "Oluwaseun Adeyemi",
        "name": "Kent Community Health Partnership NHS Trust",
        "legal_form": LegalForm.PUBLIC_BODY,
        "charity_number": None,
        "company_number": None,
        "income_band": IncomeBand.LARGE,
        "description": "Community health services across Kent, including drug and alcohol recovery and liaison at court.",
        "postcode": "ME16 9AA",
        "pdus": PDUS,
        "specialisms": ("dependency", "wellbeing", "through-the-gate"),
        "policies": ("constituted", "safeguarding", "insurance_by_start", "dbs", "data_protection"),
    },
]

STAFF = [
    ("commissioner@demo.test", "Chloe Commissioner", Role.COMMISSIONER),
    ("evaluator@demo.test", "Evan Evaluator", Role.EVALUATOR),
    ("board@demo.test", "Bola Board", Role.BOARD_MEMBER),
    ("finance@demo.test", "Femi Finance", Role.FINANCE),
]


# The authenticator key of every demo staff account (admin, commissioner, evaluator, board
# member, finance officer), so `make run` stays a two-minute try: staff sign in with a
# password and a code, and `flask --app wsgi demo-code EMAIL` prints the code (or add this
# key to an authenticator app). Base32, as apps expect. Demo data only: never in production.
DEMO_TOTP_SECRET = "LOCALPARTNERSDEMOSTAFFTOTPKEY234"


class DemoRefused(Exception):
    pass


def _demo_two_factor(user: User) -> None:
    """Staff sign in with a second factor; the demo's is set up with the known key."""
    if user.two_factor_enabled:
        return
    user.totp_secret = DEMO_TOTP_SECRET
    user.two_factor_enabled_at = utcnow()
    audit.record("user.two_factor_enabled", user, after={"demo": True})


def demo_code(email: str, now: float | None = None) -> tuple[str, int]:
    """A code that signs a demo staff account in now, and for how many seconds it will:
    the current one, or the next if the current one has been used (a code works once)."""
    from .accounts import two_factor

    user = account_services.find_user(email)
    if user is None or not user.two_factor_enabled or user.totp_secret != DEMO_TOTP_SECRET:
        raise DemoRefused(f"{email} is not a demo account with the demo authenticator key, so it has no demo code.")
    now = datetime.now(UTC).timestamp() if now is None else now
    step = two_factor.step_now(now)
    if user.totp_last_step is not None and user.totp_last_step >= step:
        step = user.totp_last_step + 1
    if step > two_factor.step_now(now) + 1:
        raise DemoRefused(f"The last codes of {email} have been used. Try again in {30 - int(now) % 30} seconds.")
    # Accepted while the clock is within one step of it.
    return two_factor.code_for_step(DEMO_TOTP_SECRET, step), int((step + 2) * two_factor.STEP_SECONDS - now)


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
    _demo_two_factor(admin)
    codes = set(PDUS).union(*(spec["pdus"] for spec in ORGANISATIONS))
    pdus = {a.code: a for a in db.session.scalars(sa.select(Area).where(Area.code.in_(codes)))}
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    logins = [("admin@demo.test", "service admin: verifies organisations, invites area staff")]

    for email, name, role in STAFF:
        user = _user(email, name, password)
        _demo_two_factor(user)
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
    _history(pdus, categories)
    _reviews()
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
    # Question deadlines and closing times fall on working days, as the dates step insists.
    if when == "closing soon":
        return _at_noon(_working_days_before(today, 15)), _at_noon(add_working_days(today, 1)), _at_noon(add_working_days(today, 2))
    if when in ("closed", "closed earlier", "finished"):
        days_ago = {"closed": 2, "closed earlier": 7, "finished": 320}[when]
        closes = _working_days_before(today - timedelta(days=days_ago - 1), 1)
        return _at_noon(_working_days_before(closes, 20)), _at_noon(_working_days_before(closes, 3)), _at_noon(closes)
    return None, None, None


def _needs(pdus: dict, categories: dict) -> None:
    from .needs import services as need_services
    from .needs.models import Need, Question, QuestionVisibility

    commissioner = account_services.find_user("commissioner@demo.test")
    charity = account_services.find_user("charity@demo.test")
    now = utcnow()
    for spec in NEEDS:
        if db.session.scalar(sa.select(Need.id).where(Need.title == spec["title"])) is not None:
            continue
        need = _draft_need(spec, pdus, categories, commissioner)
        # The commissioner shows how many bids have come in (and nothing else) before closing.
        need.show_bid_count = spec["when"] != "draft"
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


def _draft_need(spec: dict, pdus: dict, categories: dict, commissioner):
    """A complete draft need from a spec of NEEDS (or one HISTORY makes), through the need services."""
    from .needs import services as need_services
    from .reference.models import DesiredOutcome

    need = need_services.create_need(area=pdus[spec["area"]], title=spec["title"], actor=commissioner)
    outcomes = db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.code.in_(spec["outcomes"]))).all()
    need_services.update_about(
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
    for title, description, value, reservation in spec["lots"]:
        need_services.save_lot(need, title=title, description=description, value_pence=value, reservation=reservation)
    for question, weight, word_limit in spec["criteria"]:
        need_services.save_criterion(need, question=question, weight=weight, word_limit=word_limit)
    need_services.set_weights(need, social_value_weight=20, price_weight=20)
    need_services.set_conditions(need, conditions=spec["conditions"], cost_floor_per_person_pence=None)
    need_services.set_payment_profile(need, advance_percent=spec["advance"], milestones=spec["milestones"])
    return need


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
    1: "Weak: little evidence that the approach would reach people here.",
    2: "Acceptable: a general programme, with little about how it works in East Kent.",
    3: "Good: a clear local plan, with some gaps in how progress is measured.",
    4: "Excellent: a detailed local plan with evidence from their current work.",
}


def _demo_bid(bid_services, spec: dict, lot, lead: User, organisation, start: datetime):
    need = lot.need
    bid = bid_services.start_bid(lot, organisation=organisation, actor=lead, now=start)
    answers = {c.id: text for c, text in zip(need.criteria, spec["answers"], strict=False)}
    bid_services.save_answers(bid, answers=answers, actor=lead, now=start)
    price = spec["price"]
    bid_services.save_price(
        bid, price_pence=price, breakdown=bid_services.suggested_breakdown(bid, price), people=spec["people"],
        actor=lead, now=start,
    )
    if not bid.local_pdu_ids:  # no staff or premises where the need is: say so
        bid_services.save_local_presence(bid, pdu_ids=[], none=True, actor=lead, now=start)
    if not spec["submit"]:
        return bid
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
    revision = bid_services.submit_bid(bid, actor=lead, now=start + timedelta(hours=3))
    revision.recorded_at = revision.submitted_at  # written when it is dated, not today
    return bid


# History: two financial years of needs awarded and delivered --------------------------------


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
    Past(20, "Money advice surgeries in Canterbury and Dover", "N57EKNT", "finance",
         "Weekly drop-in surgeries on benefits, debts and bank accounts for people on probation.", "Advice surgeries",
         18_000, ("charity", "horizon", "bigco"), paid=(3, 5, 4, 12), results=(55, 25)),
    Past(35, "Supported lodgings in Folkestone and Dover", "N57EKNT", "accommodation",
         "Rooms with trained hosts and a support worker for people leaving prison without a home.", "Supported lodgings",
         60_000, ("swale", "bigco", "pathways"), procedure="contract", paid=(2, 6, 21, 5), results=(60, 20)),
    Past(70, "Recovery community in Thanet and Ashford", "N57EKNT", "dependency",
         "Peer-led recovery groups alongside structured drug and alcohol treatment.", "Recovery groups",
         40_000, ("nhs", "cic", "charity"), paid=(4, 3, 8, 16), results=(45, 30)),
    Past(100, "Construction skills academy in Maidstone", "N57KECL", "ete",
         "Site safety cards, work experience on local building sites and help into jobs.", "Skills academy",
         90_000, ("learning", "bigco", "horizon"), procedure="contract", paid=(5, 9, 2, 7), results=(50, 20)),
    Past(150, "Community volunteering in Tonbridge", "N57KECL", "inclusion",
         "Volunteering placements with local groups, with a mentor for the first month.", "Volunteering placements",
         12_000, ("cafe", "cic", "pathways"), paid=(1, 3, 25, 4), results=(70, 15)),
    Past(200, "Mental health drop-ins in Margate", "N57EKNT", "wellbeing",
         "Evening drop-ins with a mental health worker for people on probation.", "Drop-in sessions",
         30_000, ("horizon", "pathways"), procedure="contract", awarded=False),
    Past(240, "Positive activities for young adults in Dover", "N57EKNT", "lifestyle",
         "Sport, music and mentoring for 18 to 25 year olds on probation.", "Activities programme",
         22_000, ("horizon", "cic", "bigco", "swale"), paid=(3, 4, 6, 30), results=(50, 30)),
    # This financial year: six awards, two payments left unpaid (overdue now).
    Past(375, "Community garden placements in Tonbridge", "N57KECL", "unpaid-work",
         "Unpaid work placements in community gardens, supervised by local growers.", "Garden placements",
         25_000, ("cafe", "cic", "bigco"), reservation=Reservation.LOCAL, paid=(2, None), results=(60, 25)),
    Past(380, "Women's wellbeing groups in Ashford", "N57EKNT", "womens-services",
         "Weekly wellbeing groups and one-to-one support for women on probation in Ashford.", "Wellbeing groups",
         20_000, ("charity", "swale"), months=18, reservation=Reservation.VCSE, partner="pathways", paid=(2, 6, 3),
         results=(65, 20)),
    Past(395, "Job coaching and work placements in Sittingbourne", "N57EKNT", "ete",
         "A job coach for each person and short placements with local employers.", "Job coaching",
         45_000, ("horizon", "cic", "bigco"), procedure="contract", paid=(4, None), results=(40, 30)),
    Past(400, "Parenting courses in Maidstone and Tonbridge", "N57KECL", "family",
         "Eight-week parenting courses and supported contact for parents on probation.", "Parenting courses",
         30_000, ("learning", "cafe", "bigco"), months=18, paid=(6, 4)),
    Past(420, "Release-day support from HMP Elmley", "N57EKNT", "through-the-gate",
         "Someone at the gate on release day, and help to reach housing and probation appointments.", "Release-day support",
         35_000, ("nhs", "bigco", "swale"), procedure="contract", paid=(3, 2), results=(55, 25)),
    Past(430, "Tenancy sustainment in Sevenoaks", "N57KECL", "accommodation",
         "Support to keep a tenancy for people housed after prison or approved premises.", "Tenancy support",
         80_000, ("pathways", "bigco", "cic"), procedure="contract", months=24, paid=(14,), results=(55, 20)),
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
    from .board.reporting.scope import Period

    this = Period.financial_year(today - HISTORY_REACH)
    return Period.financial_year(this.start - timedelta(days=1)), this


@contextmanager
def _dated(when: datetime):
    """What the services write inside happened at `when`: the audit events they record (the
    record of decisions reads them by date), the rows they create and the emails they queue
    (sent then, so neither printed nor sent again now). Stamped as the rows are inserted."""
    from .audit.models import AuditEvent
    from .notifications.models import OutboxEmail

    session = db.session()
    session.flush()
    echo = current_app.config.get("MAIL_ECHO")
    current_app.config["MAIL_ECHO"] = False  # development prints new emails: these are old

    def stamp(session, flush_context, instances):
        for obj in session.new:
            if isinstance(obj, AuditEvent):
                obj.occurred_at = when
            elif isinstance(obj, OutboxEmail):
                obj.created_at = obj.sent_at = when
            elif getattr(obj, "created_at", False) is None:
                obj.created_at = when

    sa.event.listen(session, "before_flush", stamp)
    try:
        yield when
        session.flush()
    finally:
        sa.event.remove(session, "before_flush", stamp)
        current_app.config["MAIL_ECHO"] = echo


def _on(when: datetime, service, *args, **kwargs):
    """Call a service at a past time, dated then."""
    with _dated(when):
        return service(*args, now=when, **kwargs)


def _history(pdus: dict, categories: dict) -> None:
    """HISTORY through the services, at past times; a need already there is left as it is."""
    from .needs.models import Need

    now = utcnow()
    last, _ = history_years(london_date(now))
    for past in HISTORY:
        if db.session.scalar(sa.select(Need.id).where(Need.title == past.title)) is None:
            _live_through(past, last.start + timedelta(days=past.day), pdus, categories, now)
    db.session.flush()


def _morning(day: date, hour: int = 10) -> datetime:
    from .workdays import at_london_time

    return at_london_time(day, time(hour, 0)).astimezone(UTC)


def _outcome_line(started: int, results: tuple[int, int], index: int) -> tuple[int, int, int]:
    """(achieved, partly, not achieved) of the people who started, for the index-th outcome
    (each one a little harder than the one before)."""
    achieved = started * max(0, results[0] - 10 * index) // 100
    partly = started * results[1] // 100
    return achieved, partly, started - achieved - partly


def _live_through(past: Past, day: date, pdus: dict, categories: dict, now: datetime) -> None:
    """Publish the need, bid, evaluate, award, contract, report and pay, each step on its
    own past day; steps that would fall after `now` are left to happen."""
    from .bids import services as bid_services
    from .contracts import services as contract_services
    from .delivery import services as delivery
    from .evaluation import services as evaluation
    from .needs import services as need_services
    from .payments import services as payments
    from .reference.models import DesiredOutcome

    def user(key):
        return account_services.find_user(f"{key}@demo.test")

    commissioner, evaluator, board, finance = (user(k) for k in ("commissioner", "evaluator", "board", "finance"))
    while not is_working_day(day):
        day += timedelta(days=1)
    category = categories[past.category]
    advance, milestones = PROFILES[past.months]
    spec = {
        "title": past.title, "area": past.area, "pdus": (past.area,), "category": past.category,
        "outcomes": db.session.scalars(
            sa.select(DesiredOutcome.code).where(DesiredOutcome.category_id == category.id, DesiredOutcome.valid_to.is_(None))
            .order_by(DesiredOutcome.code).limit(2)
        ).all(),
        "summary": past.summary, "cohort": f"Adults on probation in {pdus[past.area].name}",
        "expected_people": max(15, past.pounds // 1_000), "duration_months": past.months, "procedure": past.procedure,
        "lots": [(past.lot, past.summary, past.pounds * 100, past.reservation)],
        "criteria": [("How will you reach the people referred to you, and show what changed for them?", 60, 400)],
        "conditions": ["constituted", "safeguarding"], "advance": advance, "milestones": milestones,
    }
    with _dated(_morning(day, 9)):
        need = _draft_need(spec, pdus, categories, commissioner)
        need.show_bid_count = True
    closes = _at_noon(add_working_days(day, 20))
    _on(_morning(day, 9), need_services.set_dates, need, question_deadline=_at_noon(add_working_days(day, 15)), closes_at=closes)
    _on(_morning(day), need_services.publish_need, need, actor=commissioner)

    lot = need.lots[0]
    marks = {}
    for index, key in enumerate(past.bidders):
        lead = user(key)
        organisation = lead.organisations[0]
        bid_spec = {
            "price": past.pounds * PRICES[index] // 100 * 100, "people": need.expected_people, "submit": True,
            "answers": (f"{organisation.description} We will run {past.lot.lower()} from a local venue, with a named "
                        "worker for each person, and report what changed for them every quarter.",),
            "social_value": f"{organisation.name} will offer two paid work placements to people on probation.",
        }
        if index == 0 and past.partner:
            bid_spec["partners"], bid_spec["lead_share"] = [(f"{past.partner}@demo.test", 30, 25)], (70, 75)
        start = _morning(add_working_days(day, 5 + index), 11)
        with _dated(start):
            bid = _demo_bid(bid_services, bid_spec, lot, lead, organisation, start)
        marks[bid.id] = MARKS[index] if past.awarded else MARKS[index + 1] - 1
    _on(closes + timedelta(hours=1), bid_services.check_at_closing, need)

    close_day = london_date(closes)
    evaluated = _morning(add_working_days(close_day, 1))
    _on(evaluated, evaluation.assign_evaluator, need, evaluator, actor=commissioner)
    _on(evaluated, evaluation.declare_conflicts, need, evaluator, {o.id: (False, "") for o in evaluation.bidding_organisations(need)})
    moderated = _morning(add_working_days(close_day, 3))
    for bid, _ in evaluation.lot_bids(lot):
        scores = {p.key: (marks[bid.id], DEMO_JUSTIFICATIONS[marks[bid.id]]) for p in evaluation.parts(need)}
        _on(evaluated + timedelta(hours=3), evaluation.save_sheet, bid, evaluator, scores, submit=True)
        _on(moderated, evaluation.agree_scores, bid, scores, actor=commissioner)
    _on(moderated + timedelta(hours=1), evaluation.close_moderation, lot, actor=commissioner)
    decided = _morning(add_working_days(close_day, 4))
    if not past.awarded:
        _on(decided, evaluation.decide, lot, bid=None, actor=commissioner,
            reasons="No bid showed how it would reach people locally: we will talk to local providers and ask again.")
        return
    winner = evaluation.ranking(lot)[0].bid
    assert winner.organisation.contact_email == f"{past.bidders[0]}@demo.test", past.title
    decision = _on(decided, evaluation.decide, lot, bid=winner, actor=commissioner,
                   reasons=f"The highest total score: {winner.organisation.name} had the strongest plan for people here, at a fair price.")
    if decision.needs_sign_off:
        _on(_morning(add_working_days(close_day, 6)), evaluation.sign_off, decision, approve=True, actor=board,
            comment="Approved: the evaluation was thorough and the price is within the budget.")

    # The contract: after standstill for a contract, a few days after the decision for a grant.
    effective = decision.standstill_ends_at or decision.summaries_sent_at
    made_day = add_working_days(london_date(effective), 1 if decision.standstill_ends_at else 2)
    starts = made_day + timedelta(days=7)
    contract = _on(
        _morning(made_day, 14), contract_services.create_contract, decision, starts_on=starts,
        ends_on=starts + relativedelta(months=past.months), schedule=contract_services.proposed_schedule(decision, starts),
        outcome_ids=[o.id for o in need.outcomes], actor=commissioner,
    )

    # Delivery: each milestone reported a few days after it falls due, approved within a
    # week, and paid after the days in Past.paid.
    delays = iter(past.paid)
    provider = user(past.bidders[0])

    def pay(payment, number):
        delay = next(delays, 4)
        paid_on = london_date(payment.payable_at) + timedelta(days=delay) if delay is not None else None
        if paid_on is not None and _morning(paid_on, 15) < now:
            _on(_morning(paid_on, 15), payments.record_ledger_payment, payment, paid_on=paid_on,
                reference=f"BACS-{need.id:03d}-{number}", actor=finance)

    pay(payments.payment_for(contract.milestones[0]), 0)
    reporting = contract.milestones[1:]
    for milestone in reporting:
        submitted = _morning(milestone.due_on + timedelta(days=3))
        approved = _morning(add_working_days(london_date(submitted), 1 + milestone.number % 4))
        if submitted > now:
            break
        report = _on(submitted - timedelta(days=1), delivery.start_report, milestone, provider)
        started = max(4, contract.expected_people // len(reporting))
        _on(submitted - timedelta(days=1), delivery.save_report, report,
            referred=started + started // 5 + 1, started=started, completed=started * 3 // 4,
            outcomes={o.id: _outcome_line(started, past.results, i) for i, o in enumerate(contract.outcomes)},
            narrative=f"{milestone.title}: {started} people started with us and most stayed the course. Referrals came "
            "steadily from probation practitioners; we met each person within a week.",
            case_study="", actor=provider)
        _on(submitted, delivery.submit_report, report, provider)
        if approved > now:
            break
        _on(approved, delivery.approve_report, report, commissioner)
        pay(payments.payment_for(milestone), milestone.number)


# Partnership reviews --------------------------------------------------------------------

DEMO_RATINGS = [
    ("good", "Outcomes on or ahead of plan, reports on time and clear. Keep the evening sessions."),
    ("approaching_target", "Close to the outcomes agreed; referrals were slow to start. The plan to recover them is credible."),
    ("good", "Strong local links and people stay engaged. The case studies show real change."),
    ("requires_improvement", "Two reports came in late and completions are well below plan. We expect a recovery plan."),
    ("inadequate", "Well short of the people supported and the outcomes agreed, with little explanation. At risk."),
]


def _reviews() -> None:
    """The board's ratings of last year's partnerships, given in the April after it (the
    current year is left for the demo board member to rate), and one provider's answer."""
    from .board import reviews
    from .contracts.models import Contract
    from .needs.models import Need

    now = utcnow()
    last, _ = history_years(london_date(now))
    when = _morning(last.end + timedelta(days=20))
    if when > now:
        return
    board = account_services.find_user("board@demo.test")
    contracts = db.session.scalars(
        sa.select(Contract).join(Need, Need.id == Contract.need_id)
        .where(Need.title.in_([past.title for past in HISTORY]), Contract.starts_on <= last.end)
        .order_by(Contract.id)
    ).all()
    for index, contract in enumerate(contracts):
        if str(last.start.year) not in {d.key for d in reviews.due(contract, london_date(when))}:
            continue
        rating, comment = DEMO_RATINGS[index % len(DEMO_RATINGS)]
        review = _on(when, reviews.rate, contract, period=str(last.start.year), rating=rating, comment=comment, actor=board)
        if rating == "requires_improvement":
            members = account_services.members_of([contract.organisation_id])
            if members:
                _on(when + timedelta(days=6), reviews.respond, review,
                    text="Agreed. We have recruited a second key worker and moved reporting to the first week of each quarter.",
                    actor=members[0])
    db.session.flush()
