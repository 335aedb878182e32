"""Organisations: a new organisation's record, profile edits (audited only when something
changed), and verification by an admin. Functions take the actor explicitly, record audit
events and never commit.
"""

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import audit
from ..accounts import services as accounts
from ..accounts.models import Membership, Role, User
from ..conditions import Condition
from ..extensions import db
from ..reference.models import Area, AreaKind, ServiceCategory
from ..refusals import Refusal, written
from ..timeutil import utcnow
from .models import (
    SAFEGUARDING_WORDS,
    SOCIAL_VALUE_STATEMENT_WORDS,
    IncomeBand,
    LegalForm,
    Organisation,
)

PROFILE_FIELDS = (
    "name",
    "legal_form",
    "charity_number",
    "company_number",
    "income_band",
    "description",
    "contact_name",
    "contact_email",
    "contact_phone",
    "address",
    "postcode",
    "website",
    "social_value_statement",
    "safeguarding",
)

# The texts reused in every bid, with their nouns and word limits.
REUSED_TEXTS = {
    "social_value_statement": (_l("Your social value statement"), SOCIAL_VALUE_STATEMENT_WORDS),
    "safeguarding": (_l("Your safeguarding arrangements"), SAFEGUARDING_WORDS),
}


def snapshot(organisation: Organisation) -> dict:
    data = {f: getattr(organisation, f) for f in PROFILE_FIELDS}
    data = {k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}
    data["pdus"] = sorted(a.code for a in organisation.pdus)
    data["specialisms"] = sorted(c.code for c in organisation.specialisms)
    data["policies"] = sorted(organisation.policies or [])
    return data


def new_organisation(data: dict, *, contact_name: str, contact_email: str) -> Organisation:
    """A new, unverified organisation from the registration form's details (name,
    legal_form, charity_number, company_number, income_band), added to the session."""
    organisation = Organisation(
        name=data["name"],
        legal_form=LegalForm(data["legal_form"]),
        charity_number=data["charity_number"] or None,
        company_number=data["company_number"] or None,
        income_band=IncomeBand(data["income_band"]),
        contact_name=contact_name,
        contact_email=contact_email,
    )
    db.session.add(organisation)
    return organisation


def update_profile(organisation: Organisation, data: dict, *, actor) -> bool:
    """Apply a profile edit. Returns False (and records nothing) when nothing changed."""
    before = snapshot(organisation)
    for field in PROFILE_FIELDS:
        if field not in data and field in REUSED_TEXTS:
            continue  # (a caller that does not know these texts leaves them as they are)
        value = data[field]
        if field == "legal_form":
            value = LegalForm(value)
        elif field == "income_band":
            value = IncomeBand(value)
        elif field in ("charity_number", "company_number"):
            value = value or None
        elif field in REUSED_TEXTS:
            noun, words = REUSED_TEXTS[field]
            value = written(Refusal, value, field=field, noun=noun, limit=words)
        setattr(organisation, field, value)
    pdu_ids = [int(i) for i in data["pdus"]]
    category_ids = [int(i) for i in data["specialisms"]]
    organisation.pdus = list(db.session.scalars(sa.select(Area).where(Area.id.in_(pdu_ids), Area.kind == AreaKind.PDU)))
    organisation.specialisms = list(
        db.session.scalars(sa.select(ServiceCategory).where(ServiceCategory.id.in_(category_ids)))
    )
    if "policies" in data:
        known = [c.value for c in Condition]
        organisation.policies = [c for c in known if c in (data["policies"] or [])]
    after = snapshot(organisation)
    if before == after:
        return False
    changed = [k for k in after if before[k] != after[k]]
    audit.record(
        "organisation.updated",
        organisation,
        actor=actor,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return True


def verify_organisation(organisation: Organisation, *, actor) -> None:
    if organisation.verified_at is not None:
        return
    organisation.verified_at = utcnow()
    organisation.verified_by_id = actor.id
    audit.record("organisation.verified", organisation, actor=actor, after={"verified": True})


def register_organisation(data: dict, *, then: str | None = None) -> User | None:
    """A provider organisation and its first user, who owns it, from the registration
    form's `data` (the organisation's details as organisations.services.new_organisation
    takes them, and your_name, email, password). Sends the verification email. When the
    email has an account already nothing is made and the account's owner is told instead
    (returns None), so what the person registering sees never tells whether an address has
    an account. `then` is where the emailed link takes the person once their address is
    confirmed (see accounts.services.send_verification_email). Flushes, so a duplicate is
    refused here as well as at commit."""
    if accounts.email_taken(data["email"]):
        accounts.tell_owner_of_registration(data["email"])
        return None
    user = accounts.create_user(data["email"], data["your_name"], data["password"])
    organisation = new_organisation(data, contact_name=data["your_name"], contact_email=data["email"])
    db.session.flush()
    db.session.add(Membership(user=user, organisation=organisation, role=Role.OWNER))
    audit.record("user.registered", user, actor=user, after={"email": user.email})
    audit.record(
        "organisation.registered",
        organisation,
        actor=user,
        after={"name": organisation.name, "legal_form": organisation.legal_form.value},
    )
    accounts.send_verification_email(user, then=then)
    return user
