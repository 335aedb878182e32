"""Demo data for `make run`: one account per role, for two delivery units of one region.

Idempotent: running it again finds what exists and adds only what is missing.
"""

import sqlalchemy as sa
from flask import current_app

from . import audit
from .accounts import services as account_services
from .accounts.models import Membership, Role, User
from .extensions import db
from .organisations.models import IncomeBand, LegalForm, Organisation
from .reference.models import Area, ServiceCategory
from .reference.services import load_reference
from .timeutil import utcnow

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
    return logins
