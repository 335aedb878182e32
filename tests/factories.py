"""Plain functions that make rows with sensible defaults; each flushes, none commits."""

import itertools

import sqlalchemy as sa

from marketplace.accounts.models import Membership, Role, User
from marketplace.accounts.services import hash_password
from marketplace.extensions import db
from marketplace.organisations.models import IncomeBand, LegalForm, Organisation
from marketplace.reference.models import Area
from marketplace.timeutil import utcnow

from .helpers import PASSWORD

_counter = itertools.count(1)
_password_hash = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def area(code: str) -> Area:
    return db.session.scalar(sa.select(Area).where(Area.code == code))


def make_user(email: str | None = None, *, name: str = "Test User", verified: bool = True, admin: bool = False, **extra) -> User:
    n = next(_counter)
    user = User(
        email=(email or f"user{n}@example.org").lower(),
        name=name,
        password_hash=_hash(),
        email_verified_at=utcnow() if verified else None,
        is_admin=admin,
        **extra,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_organisation(name: str | None = None, *, legal_form=LegalForm.REGISTERED_CHARITY, verified: bool = True, verifier: User | None = None, **extra) -> Organisation:
    n = next(_counter)
    defaults = {
        "charity_number": f"{1000000 + n}" if legal_form in (LegalForm.REGISTERED_CHARITY, LegalForm.CIO) else None,
        "company_number": f"{n:08d}" if legal_form in (LegalForm.CIC, LegalForm.CLG, LegalForm.COMPANY_LIMITED_BY_SHARES) else None,
        "income_band": IncomeBand.SMALL,
        "contact_name": "Contact Person",
        "contact_email": f"contact{n}@example.org",
    }
    defaults.update(extra)
    organisation = Organisation(name=name or f"Organisation {n}", legal_form=legal_form, **defaults)
    if verified:
        verifier = verifier or make_user(admin=True)
        organisation.verified_at = utcnow()
        organisation.verified_by_id = verifier.id
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_provider(role: Role = Role.OWNER, organisation: Organisation | None = None, **user_kwargs) -> User:
    user = make_user(**user_kwargs)
    organisation = organisation or make_organisation()
    db.session.add(Membership(user=user, organisation=organisation, role=role))
    db.session.flush()
    return user


def make_area_staff(role: Role, code: str = "N57EKNT", **user_kwargs) -> User:
    user = make_user(**user_kwargs)
    db.session.add(Membership(user=user, area=area(code), role=role))
    db.session.flush()
    return user
