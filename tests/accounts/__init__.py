"""Accounts driven through HTTP: registration, sign-in and sign-out, and the links we email
(email verification, password reset, invitations).

A few small helpers shared by the test modules live here.
"""

import re
from urllib.parse import urlsplit

import sqlalchemy as sa
from markupsafe import escape

from marketplace.accounts.models import Invitation, Membership, User
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.notifications import OutboxEmail
from marketplace.organisations.models import Organisation

from ..helpers import count

# Every table an accounts page can write to.
WRITTEN = (User, Organisation, Membership, Invitation, OutboxEmail, AuditEvent)

LINK = re.compile(r"https?://\S+")


def rows() -> dict[str, int]:
    """How many rows each table an accounts page writes to holds: compare before and after."""
    return {model.__name__: count(model) for model in WRITTEN}


def emails_to(address: str) -> list[OutboxEmail]:
    return list(db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == address).order_by(OutboxEmail.id)))


def link_in(email: OutboxEmail) -> str:
    """The path of the one link in an email's body (the test client needs no host)."""
    links = LINK.findall(email.sendable_body)
    assert len(links) == 1, email.sendable_body
    parts = urlsplit(links[0])
    return parts.path + (f"?{parts.query}" if parts.query else "")


def audit_actions(*where) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(*where).order_by(AuditEvent.id)))


def tamper(token: str) -> str:
    """The same token with one character of its signature changed."""
    body, _, signature = token.rpartition(".")
    first = "B" if signature[0] != "B" else "C"
    return f"{body}.{first}{signature[1:]}"


def value_attribute(text: str) -> str:
    """How a text input shows `text` again: HTML-escaped inside value="..."."""
    return f'value="{escape(text)}"'
