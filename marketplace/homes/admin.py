"""The service administrator's part of the home page."""

import sqlalchemy as sa

from ..extensions import db
from ..organisations.models import Organisation


def context(user) -> dict:
    if not user.is_admin:
        return {}
    waiting = db.session.scalar(
        sa.select(sa.func.count()).select_from(Organisation).where(Organisation.verified_at.is_(None))
    )
    return {"organisations_waiting": waiting}
