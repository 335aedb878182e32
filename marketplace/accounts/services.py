"""Accounts: registration, sign-in, email verification, password reset, invitations.

Functions take the acting user explicitly, record audit events, queue emails, and flush;
the view commits once.
"""

import contextlib
from typing import Any, TypeVar

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import audit, signals
from ..extensions import db
from ..i18n import current_language
from ..notifications import external_url, queue_email
from ..refusals import Refusal
from ..timeutil import utcnow
from . import tokens
from .models import Invitation, Membership, Role, User, new_session_nonce

_hasher = PasswordHasher()
T = TypeVar("T")


class AccountError(Refusal):
    """A rule of the accounts area was broken; the message is fit to show the user."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


# A hash to check against when no account has the email, so both paths take as long.
_DUMMY_HASH = _hasher.hash("no account has this email address")


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))


def authenticate(email: str, password: str) -> User | None:
    user = find_user(email)
    if user is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    return user if check_password(user, password) else None


def record_sign_in(user: User) -> None:
    user.last_signed_in_at = utcnow()


def email_taken(email: str) -> bool:
    return find_user(email) is not None


def create_user(email: str, name: str, password: str | None, *, verified: bool = False) -> User:
    """A new account, in the language of the page it was made on (registering in Welsh
    gets the confirmation email, and every later one, in Welsh)."""
    user = User(
        email=email.strip().lower(),
        name=name,
        password_hash=hash_password(password) if password else None,
        email_verified_at=utcnow() if verified else None,
        language=current_language(),
    )
    db.session.add(user)
    return user


def _send_link(to: str, subject: str, template: str, *, purpose: str, payload: dict, endpoint: str, **context) -> None:
    """Email `to` a signed link (a token for `purpose` carrying `payload`) to `endpoint`,
    kept private: the service team reads the email with the link masked."""
    token = tokens.make_token(purpose, payload)
    queue_email(to, subject, template, link=external_url(endpoint, token=token), private=("link",), **context)


def _read_link(purpose: str, token: str, max_age: str, model: type[T], key: str) -> tuple[dict[str, Any], T | None]:
    """The payload of a link's token for `purpose` (at most the `max_age` setting's seconds
    old), and the `model` row whose id it carries under `key` (None if there is none)."""
    payload = tokens.read_token(purpose, token, current_app.config[max_age])
    row = db.session.get(model, payload.get(key)) if isinstance(payload.get(key), int) else None
    return payload, row


def send_verification_email(user: User, *, then: str | None = None) -> None:
    """Email the link that confirms `user`'s address. `then` is a path on this site to go
    to once it is confirmed (the bid the person was starting when they registered): it
    travels in the signed token, so registering and a first bid share one confirmation."""
    payload: dict[str, Any] = {"u": user.id, "e": user.email}
    if then:
        payload["n"] = then
    _send_link(
        user.email,
        _l("Confirm your email address"),
        "verify_email",
        purpose="verify-email",
        payload=payload,
        endpoint="accounts.verify_email",
        user=user,
        hours=current_app.config["EMAIL_VERIFICATION_MAX_AGE"] // 3600,
    )


def tell_owner_of_registration(email: str) -> None:
    """Someone tried to register with an address that has an account: tell its owner,
    with the ways back in, rather than tell the person registering (GOV.UK pattern)."""
    user = find_user(email)
    assert user is not None  # called only when email_taken(email)
    queue_email(
        user.email,
        _l("You already have a Local Partners account"),
        "already_registered",
        user=user,
        sign_in=external_url("accounts.sign_in"),
        reset=external_url("accounts.forgot_password"),
    )


def verify_email(token: str) -> tuple[User, str | None]:
    """Confirm the address a verification link was sent to. Returns the user and the path
    the link says to go to next (unchecked: the view makes sure it is a path on this site)."""
    payload, user = _read_link("verify-email", token, "EMAIL_VERIFICATION_MAX_AGE", User, "u")
    if user is None or user.email != payload.get("e"):
        raise tokens.InvalidToken()
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
        audit.record("user.email_verified", user, actor=user)
    then = payload.get("n")
    return user, then if isinstance(then, str) else None


def request_password_reset(email: str) -> None:
    """Email a reset link if an account has this address; say nothing either way."""
    user = find_user(email)
    if user is None or not user.is_active:
        return
    _send_link(
        user.email,
        _l("Reset your password"),
        "reset_password",
        purpose="reset-password",
        payload={"u": user.id, "n": user.session_nonce},
        endpoint="accounts.reset_password",
        user=user,
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


def user_for_reset_token(token: str) -> User:
    payload, user = _read_link("reset-password", token, "PASSWORD_RESET_MAX_AGE", User, "u")
    # The nonce changes with the password, so a link works once.
    if user is None or not user.is_active or user.session_nonce != payload.get("n"):
        raise tokens.InvalidToken()
    return user


def set_password(user: User, password: str, *, actor: User) -> None:
    user.password_hash = hash_password(password)
    user.session_nonce = new_session_nonce()  # signs out every other session
    # The reset link reached this inbox, which proves the address as well.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record("user.password_changed", user, actor=actor)


# Invitations ----------------------------------------------------------------------------


def invite(
    *,
    email: str,
    role: Role,
    actor: User,
    organisation=None,
    area=None,
    again: bool = False,
    subject=None,
    template: str = "invitation",
    **context,
) -> Invitation:
    """Invite `email` to the organisation or area with `role`, by a signed link. `again`:
    someone who has the role already may be invited once more (a lived-experience adviser
    to another need's panel); `subject`, `template` and `context` make a particular email."""
    email = email.strip().lower()
    target = organisation if organisation is not None else area
    existing = find_user(email)
    if existing is not None and not again:
        current = [
            m
            for m in existing.active_memberships
            if (organisation is not None and m.organisation_id == organisation.id)
            or (area is not None and m.area_id == area.id and m.role == role)
        ]
        if current:
            raise AccountError(
                _(
                    "%(email)s is already a %(role)s of %(target)s",
                    email=email,
                    role=current[0].role.label.lower(),
                    target=_name(target),
                )
            )
    invitation = Invitation(email=email, role=role, organisation=organisation, area=area, invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        "invitation.created",
        invitation,
        actor=actor,
        after={"email": email, "role": role.value, "to": _name(target)},
    )
    _send_link(
        email,
        subject or _l("You've been invited to join %(target)s on Local Partners", target=_name(target)),
        template,
        purpose="invitation",
        payload={"i": invitation.id, "e": email},
        endpoint="accounts.accept_invitation",
        invitation=invitation,
        target_name=_name(target),
        inviter=actor,
        days=current_app.config["INVITATION_MAX_AGE"] // 86400,
        **context,
    )
    return invitation


def _name(target) -> str:
    return target.label if hasattr(target, "kind") else target.name


def invitation_for_token(token: str) -> Invitation:
    payload, invitation = _read_link("invitation", token, "INVITATION_MAX_AGE", Invitation, "i")
    if invitation is None or invitation.email != payload.get("e"):
        raise tokens.InvalidToken()
    return invitation


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    if not invitation.is_open:
        raise AccountError(_("This invitation has already been used or was cancelled"))
    if user.email != invitation.email:
        raise AccountError(
            _("This invitation is for %(email)s. Sign in with that email address.", email=invitation.email)
        )
    already = [
        m
        for m in user.active_memberships
        if (invitation.organisation_id and m.organisation_id == invitation.organisation_id)
        or (invitation.area_id and m.area_id == invitation.area_id and m.role == invitation.role)
    ]
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()  # the invitation reached this inbox
    if already:
        audit.record("invitation.accepted", invitation, actor=user, after={"membership_id": already[0].id})
        signals.invitation_accepted.send(invitation, user=user, membership=already[0])
        return already[0]
    membership = Membership(
        user=user,
        role=invitation.role,
        organisation_id=invitation.organisation_id,
        area_id=invitation.area_id,
        created_by_id=invitation.invited_by_id,
    )
    db.session.add(membership)
    db.session.flush()
    audit.record("invitation.accepted", invitation, actor=user, after={"membership_id": membership.id})
    audit.record(
        "membership.created",
        membership,
        actor=user,
        after={
            "role": membership.role.value,
            "organisation_id": membership.organisation_id,
            "area_id": membership.area_id,
        },
    )
    signals.invitation_accepted.send(invitation, user=user, membership=membership)
    return membership


def accept_invitation_as_new_user(invitation: Invitation, *, name: str, password: str) -> Membership:
    """Someone invited who has no account yet: their account, at the invited address
    (which the invitation proves), and the membership it offers."""
    user = create_user(invitation.email, name, password)
    db.session.flush()
    return accept_invitation(invitation, user)


def end_membership(membership: Membership, *, actor: User) -> None:
    if membership.ended_at is not None:
        return
    if membership.role == Role.OWNER:
        owners = [m for m in membership.organisation.active_memberships if m.role == Role.OWNER]
        if len(owners) <= 1:
            raise AccountError(_("An organisation must keep at least one owner. Make someone else an owner first."))
    membership.ended_at = utcnow()
    audit.record("membership.ended", membership, actor=actor, before={"role": membership.role.value})


def deactivate_user(user: User, *, actor: User, reason: str) -> None:
    """Close an account: the user can no longer sign in. Nothing is deleted."""
    if user.deactivated_at is not None:
        return
    user.deactivated_at = utcnow()
    user.session_nonce = new_session_nonce()  # signs them out everywhere
    audit.record("user.deactivated", user, actor=actor, reason=reason)


def reactivate_user(user: User, *, actor: User, reason: str) -> None:
    if user.deactivated_at is None:
        return
    user.deactivated_at = None
    audit.record("user.reactivated", user, actor=actor, reason=reason)


# Who to tell ---------------------------------------------------------------------------------


def members_of(organisation_ids) -> list[User]:
    """Active users with a current membership of any of the organisations, by id."""
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id.in_(organisation_ids),
                Membership.ended_at.is_(None),
                User.deactivated_at.is_(None),
            )
            .distinct()
            .order_by(User.id)
        ).all()
    )


def area_staff(role: Role, area, *, order_by=User.id) -> list[User]:
    """Active users with `role` on the area or on its region (a region's role covers its
    delivery units)."""
    area_ids = [area.id] + ([area.parent_id] if area.parent_id else [])
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.role == role,
                Membership.area_id.in_(area_ids),
                Membership.ended_at.is_(None),
                User.deactivated_at.is_(None),
            )
            .distinct()
            .order_by(order_by)
        ).all()
    )
