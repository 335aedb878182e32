"""Feedback from the people a contract supports: one short link per contract, and the
anonymous answers given through it.

Nothing here identifies a person: a response keeps the London day it was given (never a
time), the answers as codes, and any comment. A comment is held until the contract's
commissioner or the provider's owner publishes it (edited to take out personal details)
or declines to; the original is kept for audit and never shown. Who did what, and when,
is in the audit trail, not on the response. Nothing is deleted: a link is turned off.
"""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, enum_type
from ..timeutil import UTCDateTime, utcnow

# The characters of a short code: capitals and digits without those read as others
# (0 and O, 1 and I and L), so a code typed from a poster is typed right.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
COMMENT_CHARACTERS = 1000


class Helped(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"

    @property
    def label(self) -> LazyString:
        return {"yes": _l("Yes"), "partly": _l("A bit"), "no": _l("No")}[self.value]


class Recommend(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_SURE = "not_sure"

    @property
    def label(self) -> LazyString:
        return {"yes": _l("Yes"), "no": _l("No"), "not_sure": _l("Not sure")}[self.value]


class CommentState(enum.StrEnum):
    HELD = "held"
    PUBLISHED = "published"
    DECLINED = "declined"

    @property
    def label(self) -> LazyString:
        return {"held": _l("Waiting"), "published": _l("Published"), "declined": _l("Not published")}[self.value]


TREATED_LABELS = {
    5: _l("Very well"),
    4: _l("Well"),
    3: _l("OK"),
    2: _l("Badly"),
    1: _l("Very badly"),
}


class FeedbackLink(Model):
    """A contract's short link (/f/<code>), made once; turned off and on again, never removed."""

    __tablename__ = "feedback_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), unique=True)
    code: Mapped[str] = mapped_column(sa.String(CODE_LENGTH), unique=True)
    is_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The last time it was turned off or on, and by whom (each change is audited too).
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    contract = relationship("Contract")
    changed_by = relationship("User", foreign_keys=[changed_by_id])


class FeedbackResponse(Model):
    """One person's answers. The day only; no time, no address, nothing about the person."""

    __tablename__ = "feedback_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_links.id"), index=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    given_on: Mapped[date] = mapped_column(sa.Date)
    helped: Mapped[Helped] = mapped_column(enum_type(Helped, 16))
    treated: Mapped[int]
    recommend: Mapped[Recommend] = mapped_column(enum_type(Recommend, 16))
    # The comment as written: kept for audit, never shown.
    comment: Mapped[str | None] = mapped_column(sa.Text)
    comment_state: Mapped[CommentState | None] = mapped_column(enum_type(CommentState, 16))
    # The comment as published, personal details taken out: what boards read.
    published_comment: Mapped[str | None] = mapped_column(sa.Text)

    changes: Mapped[list["FeedbackChange"]] = relationship(
        back_populates="response", order_by="FeedbackChange.code", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("treated BETWEEN 1 AND 5", name="treated_range"),
        sa.CheckConstraint("(comment IS NULL) = (comment_state IS NULL)", name="comment_has_state"),
    )

    @property
    def change_codes(self) -> list[str]:
        return [c.code for c in self.changes]


class FeedbackChange(Model):
    """One tick of "what has changed for you", by its code (choices.py)."""

    __tablename__ = "feedback_changes"

    response_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_responses.id"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)

    response: Mapped[FeedbackResponse] = relationship(back_populates="changes")
