import enum
import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, enum_type
from ..notifications.models import EmailFrequency
from ..timeutil import UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What a membership lets its user do. The first two belong to an organisation,
    the others to a commissioning area. Admin is a flag on the user, not a role here."""

    OWNER = "owner"
    MEMBER = "member"
    COMMISSIONER = "commissioner"
    EVALUATOR = "evaluator"
    BOARD_MEMBER = "board_member"
    FINANCE = "finance"
    # A person with lived experience of probation, on one need's panel only (evaluation.advisers).
    ADVISER = "adviser"

    @property
    def label(self) -> LazyString:
        return ROLE_LABELS[self]

    @property
    def is_area_role(self) -> bool:
        return self in AREA_ROLES


ROLE_LABELS = {
    Role.OWNER: _l("Owner"),
    Role.MEMBER: _l("Member"),
    Role.COMMISSIONER: _l("Commissioner"),
    Role.EVALUATOR: _l("Evaluator"),
    Role.BOARD_MEMBER: _l("Board member"),
    Role.FINANCE: _l("Finance officer"),
    Role.ADVISER: _l("Lived-experience adviser"),
}
ORGANISATION_ROLES = frozenset({Role.OWNER, Role.MEMBER})
AREA_ROLES = frozenset({Role.COMMISSIONER, Role.EVALUATOR, Role.BOARD_MEMBER, Role.FINANCE, Role.ADVISER})


def new_session_nonce() -> str:
    return secrets.token_urlsafe(12)


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so the unique constraint is case-insensitive on every database.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Changes when the password changes, which signs the user out everywhere else.
    session_nonce: Mapped[str] = mapped_column(sa.String(32), default=new_session_nonce)
    # Two-factor authentication: a time-based one-time code (TOTP, RFC 6238) from an
    # authenticator app. The server must keep the secret to check codes; it is shown only
    # while it is set up, on that one page, never after. Both are set together, or neither.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The time step (30-second window) of the last code accepted: a code of that step or
    # an earlier one is refused, so a code seen over someone's shoulder cannot be replayed.
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    # Each email as it happens, or one a day with everything (deadlines within two
    # working days and sign-in links are always sent at once): /account/emails.
    email_frequency: Mapped[EmailFrequency] = mapped_column(
        enum_type(EmailFrequency, 16), default=EmailFrequency.IMMEDIATE, server_default=EmailFrequency.IMMEDIATE.value
    )

    # The language they read the service and their emails in: "en" or "cy" (i18n.py).
    language: Mapped[str] = mapped_column(sa.String(2), default="en", server_default="en")

    memberships: Mapped[list["Membership"]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id", order_by="Membership.id"
    )

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower_case"),)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_active(self) -> bool:
        return self.deactivated_at is None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def two_factor_enabled(self) -> bool:
        return self.two_factor_enabled_at is not None and self.totp_secret is not None

    @property
    def two_factor_required(self) -> bool:
        """Staff (admins, and anyone with a current role on an area) must use a second
        factor; providers may choose to."""
        return self.is_admin or bool(self.area_memberships())

    @property
    def second_factor_needed(self) -> bool:
        """Whether signing in takes a code after the password."""
        return self.two_factor_required or self.two_factor_enabled

    @property
    def active_memberships(self) -> list["Membership"]:
        return [m for m in self.memberships if m.ended_at is None]

    def organisation_memberships(self) -> list["Membership"]:
        return [m for m in self.active_memberships if m.organisation_id is not None]

    def area_memberships(self, role: Role | None = None) -> list["Membership"]:
        return [m for m in self.active_memberships if m.area_id is not None and (role is None or m.role == role)]

    @property
    def organisations(self):
        return [m.organisation for m in self.organisation_memberships()]

    def role_in(self, organisation) -> Role | None:
        for m in self.organisation_memberships():
            if m.organisation_id == organisation.id:
                return m.role
        return None

    def has_area_role(self, role: Role, area=None) -> bool:
        """A role on `area` itself or on its region (a regional commissioner covers its PDUs)."""
        return any(area is None or m.area.covers(area) for m in self.area_memberships(role))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class Membership(Model):
    """A user's place in an organisation (owner, member) or an area (commissioner, ...).

    Ended, never deleted, so the record of who could act when stays true.
    """

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, 20))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    organisation = relationship("Organisation", back_populates="memberships", foreign_keys=[organisation_id])
    area = relationship("Area")

    __table_args__ = (
        sa.CheckConstraint(
            "(role IN ('owner', 'member') AND organisation_id IS NOT NULL AND area_id IS NULL)"
            " OR (role IN ('commissioner', 'evaluator', 'board_member', 'finance', 'adviser')"
            " AND area_id IS NOT NULL AND organisation_id IS NULL)",
            name="role_matches_target",
        ),
        # One current membership per user and organisation, and per user, area and role.
        sa.Index(
            "uq_memberships_current_organisation",
            "user_id",
            "organisation_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL AND organisation_id IS NOT NULL"),
            postgresql_where=sa.text("ended_at IS NULL AND organisation_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_memberships_current_area_role",
            "user_id",
            "area_id",
            "role",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL AND area_id IS NOT NULL"),
            postgresql_where=sa.text("ended_at IS NULL AND area_id IS NOT NULL"),
        ),
    )

    @property
    def target(self):
        return self.organisation if self.organisation_id is not None else self.area

    def __repr__(self) -> str:
        return f"<Membership {self.user_id} {self.role} {self.organisation_id or self.area_id}>"


class Invitation(Model):
    """An invitation to join an organisation or an area, sent by email as a signed link."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, 20))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    area_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"))
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation = relationship("Organisation")
    area = relationship("Area")
    invited_by = relationship("User", foreign_keys=[invited_by_id])

    __table_args__ = (
        sa.CheckConstraint("(organisation_id IS NULL) <> (area_id IS NULL)", name="one_target"),
        sa.CheckConstraint("email = lower(email)", name="email_lower_case"),
    )

    @property
    def target(self):
        return self.organisation if self.organisation_id is not None else self.area

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None


class RecoveryCode(Model):
    """One of the ten single-use codes given at two-factor set-up, for signing in without
    the authenticator app. Only an argon2 hash of the code is kept, with its first
    characters (`lookup`) so that signing in checks one hash, not ten. Used or revoked
    (a new set, a reset), never deleted."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    lookup: Mapped[str] = mapped_column(sa.String(8))
    code_hash: Mapped[str] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.revoked_at is None
