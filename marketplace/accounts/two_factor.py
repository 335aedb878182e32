"""Two-factor authentication: time-based one-time codes (TOTP, RFC 6238) from an
authenticator app, and single-use recovery codes for when the app is lost.

Staff (admins, and anyone with a current role on an area) must use it and set it up at
their first sign-in; providers may turn it on and off. An admin resets it when someone
loses their phone and their recovery codes, which signs them out everywhere.

Rules:
- a code is accepted for its own 30-second step and one step either side (clocks drift);
- a code of a step at or before the last one accepted is refused, so a code cannot be used
  twice (the step is claimed by one UPDATE, so two requests racing with one code cannot
  both win);
- recovery codes are random, shown once, and only their argon2 hashes are kept; each works
  once;
- the secret is shown on the set-up page only: never in a page, an email, the audit trail
  or a log after that.

Functions take the acting user, record audit events and flush; the view commits.
"""

import base64
import hmac
import io
import secrets
import time
from typing import cast

import pyotp
import segno
import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.engine import CursorResult

from .. import audit
from ..extensions import db
from ..notifications import external_url, queue_email
from ..timeutil import utcnow
from .models import RecoveryCode, User, new_session_nonce
from .services import AccountError, _hasher, check_password, hash_password

ISSUER = "Local Partners"
DIGITS = 6
STEP_SECONDS = 30
RECOVERY_CODE_COUNT = 10
# Recovery codes: 12 characters with no look-alikes (0/o, 1/l/i), shown as xxxx-xxxx-xxxx.
# The first LOOKUP_LENGTH characters are kept in clear to find the one hash to check; the
# other eight (about 40 bits) are known only to the person.
RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
RECOVERY_LENGTH = 12
LOOKUP_LENGTH = 4


def new_secret() -> str:
    """A new random secret, base32 as authenticator apps expect it (160 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret, digits=DIGITS).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The otpauth:// URI as a QR code: an SVG in a data: URI, for an <img> (the
    Content-Security-Policy allows images from data:, and no inline style is needed)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(
        buffer, kind="svg", scale=5, border=4, dark="#0b0c0c", light="#ffffff", xmldecl=False
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def formatted_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_code(typed: str | None) -> str:
    """What someone typed as a code, without the spaces and dashes GOV.UK says to allow."""
    return "".join((typed or "").split()).replace("-", "")


def looks_like_code(code: str) -> bool:
    """Six digits 0-9 (not other scripts' digits, which str.isdigit() also accepts)."""
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def _step_of(secret: str, code: str, now: float | None) -> int | None:
    """The time step, within one either side of now, whose code is `code`; else None."""
    totp = pyotp.TOTP(secret, digits=DIGITS)
    step = step_now(now)
    for candidate in (step, step - 1, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def accept_code(user: User, code: str, *, now: float | None = None) -> bool:
    """Check a code from the user's app and, when right, use it up: its step becomes the
    last accepted, so neither it nor an earlier code works again. False when wrong or
    already used."""
    code = normalise_code(code)
    if not user.two_factor_enabled or not looks_like_code(code):
        return False
    assert user.totp_secret is not None  # two_factor_enabled checks it
    step = _step_of(user.totp_secret, code, now)
    if step is None:
        return False
    # One UPDATE claims the step: of two requests with the same code, one changes the row.
    # (Session.execute is typed to return a Result; for an UPDATE it is a CursorResult.)
    claimed = cast(
        CursorResult,
        db.session.execute(
            sa.update(User)
            .where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    db.session.refresh(user, ["totp_last_step"])
    return claimed == 1


def enable(user: User, secret: str, code: str, *, now: float | None = None) -> list[str]:
    """Turn two-factor authentication on with the secret the user's app now holds, once
    they have typed a right code from it. Returns the ten recovery codes, in clear, to
    show once; only their hashes are kept."""
    if user.two_factor_enabled:
        raise AccountError(_("Two-factor authentication is already turned on"))
    code = normalise_code(code)
    step = _step_of(secret, code, now) if looks_like_code(code) else None
    if step is None:
        raise AccountError(_("The code is not right. Check your authenticator app and try again"))
    user.totp_secret = secret
    user.two_factor_enabled_at = utcnow()
    user.totp_last_step = step  # the code used to set up cannot sign anyone in
    codes = _new_recovery_codes(user)
    audit.record("user.two_factor_enabled", user, actor=user, after={"recovery_codes": len(codes)})
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    _revoke_recovery_codes(user)
    codes = [
        "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH)) for _ in range(RECOVERY_CODE_COUNT)
    ]
    for code in codes:
        db.session.add(RecoveryCode(user_id=user.id, lookup=code[:LOOKUP_LENGTH], code_hash=hash_password(code)))
    db.session.flush()
    return [format_recovery_code(code) for code in codes]


def format_recovery_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _revoke_recovery_codes(user: User) -> None:
    db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None), RecoveryCode.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def recovery_codes_left(user: User) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None), RecoveryCode.revoked_at.is_(None))
    ).scalar_one()


def use_recovery_code(user: User, typed: str) -> bool:
    """Sign-in with a recovery code instead of the app's code: right and unused, it is
    used up (audited) and True; otherwise False."""
    code = normalise_code(typed).lower()
    if not user.two_factor_enabled or len(code) != RECOVERY_LENGTH or any(c not in RECOVERY_ALPHABET for c in code):
        return False
    candidates = db.session.scalars(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.lookup == code[:LOOKUP_LENGTH],
            RecoveryCode.used_at.is_(None),
            RecoveryCode.revoked_at.is_(None),
        )
    ).all()
    for candidate in candidates:
        try:
            _hasher.verify(candidate.code_hash, code)
        except (VerificationError, InvalidHashError):
            continue
        # Claimed by one UPDATE, so two requests with one code cannot both sign in.
        claimed = cast(
            CursorResult,
            db.session.execute(
                sa.update(RecoveryCode)
                .where(
                    RecoveryCode.id == candidate.id, RecoveryCode.used_at.is_(None), RecoveryCode.revoked_at.is_(None)
                )
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            ),
        ).rowcount
        if claimed != 1:
            return False
        audit.record(
            "user.recovery_code_used", user, actor=user, after={"recovery_codes_left": recovery_codes_left(user)}
        )
        return True
    return False


def _clear(user: User) -> None:
    user.totp_secret = None
    user.two_factor_enabled_at = None
    user.totp_last_step = None
    _revoke_recovery_codes(user)


def turn_off(user: User, password: str) -> None:
    """A provider turns two-factor authentication off, with their password. Staff cannot."""
    if user.two_factor_required:
        raise AccountError(_("You must use two-factor authentication because you are a member of staff"))
    if not user.two_factor_enabled:
        raise AccountError(_("Two-factor authentication is not turned on"))
    if not check_password(user, password):
        raise AccountError(_("Enter your correct password"))
    _clear(user)
    audit.record("user.two_factor_disabled", user, actor=user)
    queue_email(
        user.email,
        _l("Two-factor authentication is turned off"),
        "two_factor_turned_off",
        user=user,
        sign_in=external_url("accounts.sign_in"),
    )


def reset(user: User, *, actor: User, reason: str) -> None:
    """An admin resets someone's two-factor authentication (a lost phone, and lost recovery
    codes): the secret and the recovery codes go, every session of theirs ends, and they
    set it up again at their next sign-in (staff) or may turn it on again (providers).
    They are told by email, so a reset they did not ask for does not go unnoticed."""
    if actor.id == user.id:
        raise AccountError(_("You cannot reset your own two-factor authentication. Ask another admin"))
    if not user.two_factor_enabled:
        raise AccountError(_("%(email)s has not set up two-factor authentication", email=user.email))
    _clear(user)
    user.session_nonce = new_session_nonce()  # signs them out everywhere
    audit.record(
        "user.two_factor_reset",
        user,
        actor=actor,
        before={"two_factor": True},
        after={"two_factor": False},
        reason=reason,
    )
    queue_email(
        user.email,
        _l("Your two-factor authentication was reset"),
        "two_factor_reset",
        user=user,
        sign_in=external_url("accounts.sign_in"),
    )


def step_now(now: float | None = None) -> int:
    """The current time step: RFC 6238's 30-second window, counted from 1970."""
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_for_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS).generate_otp(step)
