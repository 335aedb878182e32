"""An OCDS release: one published step of a contracting process, stored as it was written
in the transaction of the step, and never regenerated (a release is immutable: a later
step writes a new one)."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import UTCDateTime, utcnow


class OcdsRelease(Model):
    __tablename__ = "ocds_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "{OCDS_PREFIX}-{need id}": the contracting process.
    ocid: Mapped[str] = mapped_column(sa.String(80))
    # The release's own id, unique within its ocid (e.g. "ocds-lp0000-12-award-3").
    release_id: Mapped[str] = mapped_column(sa.String(120))
    tags: Mapped[list[str]] = mapped_column(sa.JSON)
    # When the step happened (the release's `date`), UTC.
    date: Mapped[datetime] = mapped_column(UTCDateTime)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"))
    release: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("ocid", "release_id", name="uq_ocds_releases_ocid_release"),
        # Keyset paging, newest first: ORDER BY date DESC, id DESC.
        sa.Index("ix_ocds_releases_date_id", "date", "id"),
        # A record: every release of one process, in order.
        sa.Index("ix_ocds_releases_ocid_date", "ocid", "date", "id"),
        sa.Index("ix_ocds_releases_need_id", "need_id"),
    )

    def __repr__(self) -> str:
        return f"<OcdsRelease {self.release_id} {self.tags}>"
