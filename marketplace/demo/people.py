"""The demo's people and organisations: one account per staff role for two delivery units
of one region (with the known authenticator key, and `demo_code`, which prints the code it
gives now), and the providers' owners with their organisations' profiles, from the small
charity bidding on today's needs to those of the past two years' contracts."""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..accounts import services as account_services
from ..accounts import two_factor
from ..accounts.models import Membership, Role, User
from ..extensions import db
from ..organisations.models import IncomeBand, LegalForm, Organisation
from ..reference.models import Area, ServiceCategory
from ..reference.services import load_reference
from ..timeutil import utcnow

REGION = "N57"  # Kent, Surrey & Sussex
PDUS = ("N57EKNT", "N57KECL")  # East Kent, West Kent

ORGANISATIONS: list[dict[str, Any]] = [
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


def refuse_in_production(refusal: str) -> None:
    if current_app.config.get("ENV_NAME") == "production" or not current_app.config.get("DEMO_DATA_ALLOWED"):
        raise DemoRefused(refusal)


def demo_two_factor(user: User) -> None:
    """Staff sign in with a second factor; the demo's is set up with the known key."""
    if user.two_factor_enabled:
        return
    user.totp_secret = DEMO_TOTP_SECRET
    user.two_factor_enabled_at = utcnow()
    audit.record("user.two_factor_enabled", user, after={"demo": True})


def demo_code(email: str, now: float | None = None) -> tuple[str, int]:
    """A code that signs a demo staff account in now, and for how many seconds it will:
    the current one, or the next if the current one has been used (a code works once)."""
    refuse_in_production("demo-code is refused in production: it would print sign-in codes.")
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
        if (
            m.role == role
            and m.organisation_id == getattr(organisation, "id", None)
            and m.area_id == getattr(area, "id", None)
        ):
            return
    membership = Membership(user=user, role=role, organisation=organisation, area=area)
    db.session.add(membership)
    db.session.flush()
    audit.record("membership.created", membership, after={"role": role.value, "demo": True})


def load_people(password: str) -> tuple[list[tuple[str, str]], dict, dict]:
    """The reference data, the staff and the providers with their organisations: their
    logins (email, who), and the delivery units and categories by code."""
    load_reference()
    admin = _user("admin@demo.test", "Ada Admin", password, admin=True)
    demo_two_factor(admin)
    codes = set(PDUS).union(*(spec["pdus"] for spec in ORGANISATIONS))
    pdus = {a.code: a for a in db.session.scalars(sa.select(Area).where(Area.code.in_(codes)))}
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    logins = [("admin@demo.test", "service admin: verifies organisations, invites area staff")]

    for email, name, role in STAFF:
        user = _user(email, name, password)
        demo_two_factor(user)
        for code in PDUS:
            _membership(user, role, area=pdus[code])
        logins.append((email, f"{role.label.lower()} for East Kent and West Kent"))

    for spec in ORGANISATIONS:
        user = _user(spec["email"], spec["person"], password)
        _membership(user, Role.OWNER, organisation=_organisation(spec, pdus, categories, admin))
        logins.append((spec["email"], f"owner of {spec['name']}, {spec['kind']}"))
    db.session.flush()
    # Lots in East Kent worth more than £25,000 need a board member's sign-off.
    if pdus["N57EKNT"].sign_off_threshold_pence is None:
        pdus["N57EKNT"].sign_off_threshold_pence = 2_500_000
        audit.record(
            "area.threshold_changed",
            pdus["N57EKNT"],
            actor=admin,
            after={"sign_off_threshold_pence": 2_500_000, "demo": True},
        )
    return logins, pdus, categories


def _organisation(spec: dict, pdus: dict, categories: dict, admin: User) -> Organisation:
    """The organisation of a spec of ORGANISATIONS, verified by the admin; made if missing."""
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
        audit.record(
            "organisation.updated",
            organisation,
            before={"policies": []},
            after={"policies": organisation.policies, "demo": True},
        )
    return organisation
