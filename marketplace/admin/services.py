"""What admins change about how the service decides: an area's sign-off threshold (awards
of a lot worth more need a board member's approval). Each change is refused when it
breaks a rule, recorded in the audit trail with the admin's reason, and flushed; the view
commits.
"""

from flask_babel import gettext as _

from .. import audit
from ..extensions import db
from ..refusals import Refusal


class AdminError(Refusal):
    """An admin's change broke a rule; the message is fit to show them."""


def set_sign_off_threshold(area, pence: int | None, *, actor, reason: str) -> None:
    """Set the area's own sign-off threshold in pence, or clear it (None) to use its
    region's, or the service default (evaluation.services.area_threshold)."""
    if pence is not None and pence <= 0:
        raise AdminError(_("The sign-off threshold must be more than £0"), "threshold")
    before = area.sign_off_threshold_pence
    area.sign_off_threshold_pence = pence
    audit.record(
        "area.threshold_changed",
        area,
        actor=actor,
        reason=reason,
        before={"sign_off_threshold_pence": before},
        after={"sign_off_threshold_pence": area.sign_off_threshold_pence},
    )
    db.session.flush()
