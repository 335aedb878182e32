"""A need: what an area wants commissioned, split into lots, and how bids will be judged."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..conditions import CONDITION_LABELS, Condition  # noqa: F401  (organisation profiles use it too)
from ..extensions import Model, db, enum_type
from ..i18n import Bilingual
from ..refusals import Refusal
from ..timeutil import UTCDateTime, utcnow
from .labels import NEED_STATUS, PROCEDURE, RESERVATION, amendment_effect


class NeedStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    AWARDED = "awarded"
    NOT_AWARDED = "not_awarded"

    @property
    def label(self) -> str:
        return NEED_STATUS[self.value]


class InvalidTransition(Exception):
    pass


class NeedError(Refusal):
    """A rule of needs was broken; the message is fit to show the user. `field`, when
    given, is the form field the message belongs by (e.g. "reason")."""


# The one map of allowed moves. OPEN -> CLOSED happens by the clock, with no action.
ALLOWED = {
    NeedStatus.DRAFT: {NeedStatus.OPEN, NeedStatus.CANCELLED},
    NeedStatus.OPEN: {NeedStatus.WITHDRAWN, NeedStatus.CANCELLED},
    NeedStatus.CLOSED: {NeedStatus.AWARDED, NeedStatus.NOT_AWARDED, NeedStatus.CANCELLED},
    NeedStatus.WITHDRAWN: set(),
    NeedStatus.CANCELLED: set(),
    NeedStatus.AWARDED: set(),
    NeedStatus.NOT_AWARDED: set(),
}
STAMPS = {
    NeedStatus.OPEN: "published_at",
    NeedStatus.WITHDRAWN: "withdrawn_at",
    NeedStatus.CANCELLED: "cancelled_at",
    NeedStatus.AWARDED: "awarded_at",
    NeedStatus.NOT_AWARDED: "not_awarded_at",
}


class Procedure(enum.StrEnum):
    GRANT = "grant"
    CONTRACT = "contract"

    @property
    def label(self) -> str:
        return PROCEDURE[self.value]


class Reservation(enum.StrEnum):
    NONE = "none"
    VCSE = "vcse"
    LOCAL = "local"

    @property
    def label(self) -> str:
        return RESERVATION[self.value]


def reservation_threshold_pence() -> int:
    """The value (config RESERVATION_THRESHOLD_PENCE) a lot must be below to be reserved."""
    return current_app.config["RESERVATION_THRESHOLD_PENCE"]


def may_be_reserved(value_pence: int) -> bool:
    """The one rule for reserving: a lot worth `value_pence` may be reserved for VCSE or
    local organisations only when its value is below the reservation threshold."""
    return value_pence < reservation_threshold_pence()


need_pdus = sa.Table(
    "need_pdus",
    db.metadata,
    sa.Column("need_id", sa.ForeignKey("needs.id"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("areas.id"), primary_key=True, index=True),
)

need_outcomes = sa.Table(
    "need_outcomes",
    db.metadata,
    sa.Column("need_id", sa.ForeignKey("needs.id"), primary_key=True),
    sa.Column("outcome_id", sa.ForeignKey("desired_outcomes.id"), primary_key=True),
)


class Need(Bilingual, Model):
    __tablename__ = "needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(150))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    # In Welsh, beside the English: a need of an area in Wales is published in both.
    title_cy: Mapped[str] = mapped_column(sa.String(150), default="", server_default="")
    summary_cy: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("service_categories.id"), index=True)
    cohort: Mapped[str] = mapped_column(sa.Text, default="")
    expected_people: Mapped[int | None]
    duration_months: Mapped[int | None]
    procedure: Mapped[Procedure | None] = mapped_column(enum_type(Procedure, 16))
    # Criteria weights other than the quality questions' own (percent).
    social_value_weight: Mapped[int | None]
    price_weight: Mapped[int | None]
    # The social value answer's word limit (proportion.py: within the need's word budget).
    social_value_word_limit: Mapped[int] = mapped_column(default=250)
    # The short grant form: three fixed questions, social value part of the third.
    short_form: Mapped[bool] = mapped_column(default=False)
    conditions: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    advance_percent: Mapped[int] = mapped_column(default=0)
    # Optional floor under which a bid's cost per person is flagged as abnormally low.
    cost_floor_per_person_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    show_bid_count: Mapped[bool] = mapped_column(default=False)
    question_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Sum of the lots, kept by the services for filtering by value at scale.
    value_pence: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(sa.Text)
    # When the bids were checked after closing (abnormally low flags); see bids.closing.
    bids_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    area = relationship("Area")
    category = relationship("ServiceCategory")
    created_by = relationship("User")
    pdus = relationship("Area", secondary=need_pdus, order_by="Area.name")
    outcomes = relationship("DesiredOutcome", secondary=need_outcomes, order_by="DesiredOutcome.code")
    lots: Mapped[list["Lot"]] = relationship(back_populates="need", order_by="Lot.number", cascade="all, delete-orphan")
    criteria: Mapped[list["Criterion"]] = relationship(
        back_populates="need", order_by="Criterion.number", cascade="all, delete-orphan"
    )
    milestones: Mapped[list["Milestone"]] = relationship(
        back_populates="need", order_by="Milestone.number", cascade="all, delete-orphan"
    )
    documents: Mapped[list["NeedDocument"]] = relationship(back_populates="need", order_by="NeedDocument.id")
    amendments: Mapped[list["Amendment"]] = relationship(back_populates="need", order_by="Amendment.id")
    questions: Mapped[list["Question"]] = relationship(back_populates="need", order_by="Question.id")

    __table_args__ = (
        sa.CheckConstraint("advance_percent BETWEEN 0 AND 25", name="advance_at_most_25"),
        sa.CheckConstraint("value_pence >= 0", name="value_not_negative"),
        sa.CheckConstraint("social_value_weight IS NULL OR social_value_weight >= 10", name="social_value_at_least_10"),
        sa.CheckConstraint("price_weight IS NULL OR price_weight BETWEEN 0 AND 40", name="price_at_most_40"),
        sa.CheckConstraint("social_value_word_limit BETWEEN 50 AND 500", name="social_value_word_limit_range"),
        sa.CheckConstraint("expected_people IS NULL OR expected_people > 0", name="people_positive"),
        sa.CheckConstraint("duration_months IS NULL OR duration_months BETWEEN 1 AND 120", name="duration_sensible"),
        sa.CheckConstraint(
            "published_at IS NULL OR (closes_at IS NOT NULL AND question_deadline IS NOT NULL"
            " AND question_deadline <= closes_at)",
            name="published_has_dates",
        ),
        sa.CheckConstraint(
            "(CASE WHEN withdrawn_at IS NULL THEN 0 ELSE 1 END + CASE WHEN cancelled_at IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN awarded_at IS NULL THEN 0 ELSE 1 END + CASE WHEN not_awarded_at IS NULL THEN 0 ELSE 1 END) <= 1",
            name="one_ending",
        ),
        sa.Index("ix_needs_open_closing", "closes_at", "published_at"),
        # An area's needs still in progress (draft, open or closed, not yet ended): the
        # commissioner's home and to-do read these among the area's many ended ones.
        sa.Index(
            "ix_needs_area_unended",
            "area_id",
            "closes_at",
            sqlite_where=sa.text(
                "withdrawn_at IS NULL AND cancelled_at IS NULL AND awarded_at IS NULL AND not_awarded_at IS NULL"
            ),
            postgresql_where=sa.text(
                "withdrawn_at IS NULL AND cancelled_at IS NULL AND awarded_at IS NULL AND not_awarded_at IS NULL"
            ),
        ),
    )

    def status_at(self, now: datetime) -> NeedStatus:
        if self.cancelled_at is not None:
            return NeedStatus.CANCELLED
        if self.withdrawn_at is not None:
            return NeedStatus.WITHDRAWN
        if self.awarded_at is not None:
            return NeedStatus.AWARDED
        if self.not_awarded_at is not None:
            return NeedStatus.NOT_AWARDED
        if self.published_at is None:
            return NeedStatus.DRAFT
        assert self.closes_at is not None  # published: ck_needs_published_has_dates requires it
        if now >= self.closes_at:
            return NeedStatus.CLOSED
        return NeedStatus.OPEN

    @property
    def status(self) -> NeedStatus:
        return self.status_at(utcnow())

    @classmethod
    def open_clause(cls, now: datetime):
        """SQL for 'open now': published, not ended, before the closing time."""
        return sa.and_(
            cls.published_at.is_not(None),
            cls.closes_at > now,
            cls.withdrawn_at.is_(None),
            cls.cancelled_at.is_(None),
        )

    @classmethod
    def closed_clause(cls, now: datetime):
        """SQL for 'closed now', as status_at decides it: published, the closing time
        passed, and not yet ended (withdrawn, cancelled, awarded or not awarded)."""
        return sa.and_(
            cls.published_at.is_not(None),
            cls.closes_at <= now,
            cls.withdrawn_at.is_(None),
            cls.cancelled_at.is_(None),
            cls.awarded_at.is_(None),
            cls.not_awarded_at.is_(None),
        )

    def transition_to(self, new: NeedStatus, *, at: datetime) -> NeedStatus:
        current = self.status_at(at)
        if new not in ALLOWED[current]:
            raise InvalidTransition(f"Cannot change need from '{current.value}' to '{new.value}'")
        setattr(self, STAMPS[new], at)
        return current

    @property
    def is_reserved(self) -> bool:
        return any(lot.reservation != Reservation.NONE for lot in self.lots)

    @property
    def quality_weight(self) -> int:
        return sum(c.weight for c in self.criteria)

    @property
    def total_weight(self) -> int:
        return self.quality_weight + (self.social_value_weight or 0) + (self.price_weight or 0)

    @property
    def condition_labels(self) -> list[str]:
        return [str(Condition(c).label) for c in self.conditions or [] if c in Condition._value2member_map_]

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.title!r}>"


class Lot(Model):
    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(150))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    value_pence: Mapped[int] = mapped_column(sa.BigInteger)
    reservation: Mapped[Reservation] = mapped_column(enum_type(Reservation, 16), default=Reservation.NONE)

    need: Mapped[Need] = relationship(back_populates="lots")

    __table_args__ = (
        sa.UniqueConstraint("need_id", "number", name="uq_lots_need_number"),
        sa.CheckConstraint("value_pence > 0 AND value_pence <= 100000000000", name="value_positive"),
    )

    @property
    def reservation_allowed(self) -> bool:
        """Open to all, or reserved with a value that may be (may_be_reserved)."""
        return self.reservation == Reservation.NONE or may_be_reserved(self.value_pence)


class Criterion(Model):
    """A quality question, with its weight (percent) and word limit."""

    __tablename__ = "criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    number: Mapped[int]
    question: Mapped[str] = mapped_column(sa.Text)
    weight: Mapped[int]
    word_limit: Mapped[int]

    need: Mapped[Need] = relationship(back_populates="criteria")

    __table_args__ = (
        sa.UniqueConstraint("need_id", "number", name="uq_criteria_need_number"),
        sa.CheckConstraint("weight BETWEEN 1 AND 90", name="weight_range"),
        sa.CheckConstraint("word_limit BETWEEN 50 AND 500", name="word_limit_range"),
    )


class Milestone(Model):
    """A payment milestone: a share of each lot's value, paid when its outcomes are reported."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(150))
    percent: Mapped[int]
    due_month: Mapped[int]

    need: Mapped[Need] = relationship(back_populates="milestones")

    __table_args__ = (
        sa.UniqueConstraint("need_id", "number", name="uq_milestones_need_number"),
        sa.CheckConstraint("percent BETWEEN 1 AND 100", name="percent_range"),
        sa.CheckConstraint("due_month BETWEEN 1 AND 120", name="due_month_range"),
    )


class StoredDocument:
    """The columns of an uploaded file kept by documents.uploads.save_upload: what it was
    called, what it is, its digest and where it is stored. Removed, never deleted."""

    filename: Mapped[str] = mapped_column(sa.String(200))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NeedDocument(StoredDocument, Model):
    __tablename__ = "need_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)

    need: Mapped[Need] = relationship(back_populates="documents")


amendment_lots = sa.Table(
    "amendment_lots",
    db.metadata,
    sa.Column("amendment_id", sa.ForeignKey("amendments.id"), primary_key=True),
    sa.Column("lot_id", sa.ForeignKey("lots.id"), primary_key=True, index=True),
)


class Amendment(Model):
    """A change to a published need: what changed, why, and whether closing moved.

    Which submitted bids it returns to reconfirmation (needs/changes.py): those on every
    lot (affects_all_lots), those on the lots it changed (lots), or none (a correction of
    wording, or a change no bid rests on). `material` is whether it returns any."""

    __tablename__ = "amendments"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    made_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    changes: Mapped[dict] = mapped_column(sa.JSON)
    material: Mapped[bool] = mapped_column(default=False)
    correction: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    affects_all_lots: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    closes_at_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at_after: Mapped[datetime | None] = mapped_column(UTCDateTime)

    need: Mapped[Need] = relationship(back_populates="amendments")
    lots: Mapped[list[Lot]] = relationship(secondary=amendment_lots, order_by="Lot.number")

    def affects(self, lot: Lot) -> bool:
        """Whether bids on this lot must be confirmed again after this change."""
        return self.affects_all_lots or lot in self.lots

    @property
    def effect(self) -> str:
        """What the change means for bids already submitted, in a sentence."""
        numbers = [lot.number for lot in self.lots]
        return amendment_effect(correction=self.correction, every_lot=self.affects_all_lots, numbers=numbers)


class Follow(Model):
    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    need = relationship("Need")

    __table_args__ = (
        sa.Index(
            "uq_follows_current",
            "user_id",
            "need_id",
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        ),
    )


class SavedSearch(Model):
    """Areas x categories a provider wants to hear about; a daily digest emails new needs."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    area_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    category_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class QuestionVisibility(enum.StrEnum):
    PUBLISHED = "published"
    PRIVATE = "private"


class Question(Model):
    """A clarification question, asked privately; the answer is published anonymised or
    given privately to the asker."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    asked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(sa.Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    visibility: Mapped[QuestionVisibility | None] = mapped_column(enum_type(QuestionVisibility, 16))

    need: Mapped[Need] = relationship(back_populates="questions")
    organisation = relationship("Organisation")
    asked_by = relationship("User", foreign_keys=[asked_by_id])

    __table_args__ = (
        sa.CheckConstraint(
            "(answered_at IS NULL AND answer IS NULL AND visibility IS NULL)"
            " OR (answered_at IS NOT NULL AND answer IS NOT NULL AND visibility IS NOT NULL)",
            name="answered_completely",
        ),
        # The questions waiting for an answer (the commissioner's to-do).
        sa.Index(
            "ix_questions_unanswered",
            "need_id",
            sqlite_where=sa.text("answered_at IS NULL"),
            postgresql_where=sa.text("answered_at IS NULL"),
        ),
    )


def lock_need(need_id: int) -> Need:
    """Read the need again, locked against a concurrent close-time change or submission
    (SELECT ... FOR UPDATE on PostgreSQL; SQLite writes one transaction at a time)."""
    return db.session.scalars(
        sa.select(Need).where(Need.id == need_id).with_for_update().execution_options(populate_existing=True)
    ).one()
