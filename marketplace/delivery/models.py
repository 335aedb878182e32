"""Outcome reports: for each milestone of a contract the provider reports people referred,
started and completed, how far each outcome of the contract was achieved for how many
people, a narrative, an optional anonymised case study and evidence files.

The report row holds the working draft. Each submission freezes what was sent in a
ReportSubmission, which the commissioner approves or returns with comments; a returned
report is changed and submitted again. State is derived from the submissions.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, enum_type
from ..needs.models import StoredDocument
from ..timeutil import UTCDateTime, utcnow


class ReportState(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"

    @property
    def label(self) -> str:
        return {
            "draft": _l("Draft"),
            "submitted": _l("Waiting for approval"),
            "returned": _l("Returned"),
            "approved": _l("Approved"),
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {"draft": "grey", "submitted": "blue", "returned": "orange", "approved": "green"}[self.value]


class OutcomeReport(Model):
    __tablename__ = "outcome_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("contract_milestones.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    referred: Mapped[int | None]
    started: Mapped[int | None]
    completed: Mapped[int | None]
    narrative: Mapped[str] = mapped_column(sa.Text, default="")
    case_study: Mapped[str] = mapped_column(sa.Text, default="")

    contract = relationship("Contract")
    milestone = relationship("ContractMilestone")
    outcomes: Mapped[list["ReportOutcome"]] = relationship(back_populates="report", order_by="ReportOutcome.id")
    submissions: Mapped[list["ReportSubmission"]] = relationship(
        back_populates="report", order_by="ReportSubmission.number"
    )
    documents: Mapped[list["ReportDocument"]] = relationship(back_populates="report", order_by="ReportDocument.id")

    __table_args__ = (
        sa.CheckConstraint("referred IS NULL OR referred >= 0", name="referred_not_negative"),
        sa.CheckConstraint("started IS NULL OR started >= 0", name="started_not_negative"),
        sa.CheckConstraint("completed IS NULL OR completed >= 0", name="completed_not_negative"),
        sa.CheckConstraint(
            "completed IS NULL OR started IS NULL OR completed <= started", name="completed_within_started"
        ),
    )

    @property
    def latest(self) -> "ReportSubmission | None":
        return self.submissions[-1] if self.submissions else None

    @property
    def state(self) -> ReportState:
        latest = self.latest
        if latest is None:
            return ReportState.DRAFT
        if latest.decision is None:
            return ReportState.SUBMITTED
        return ReportState.APPROVED if latest.decision == ReportDecision.APPROVED else ReportState.RETURNED

    @property
    def current_documents(self) -> list["ReportDocument"]:
        return [d for d in self.documents if d.removed_at is None]


class ReportOutcome(Model):
    """How far one outcome of the contract was achieved: people who achieved it (1), partly
    achieved it (0.5) and did not (0)."""

    __tablename__ = "report_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("outcome_reports.id"), index=True)
    outcome_id: Mapped[int] = mapped_column(sa.ForeignKey("desired_outcomes.id"))
    achieved: Mapped[int] = mapped_column(default=0)
    partly: Mapped[int] = mapped_column(default=0)
    not_achieved: Mapped[int] = mapped_column(default=0)

    report: Mapped[OutcomeReport] = relationship(back_populates="outcomes")
    outcome = relationship("DesiredOutcome")

    __table_args__ = (
        sa.UniqueConstraint("report_id", "outcome_id", name="uq_report_outcomes_outcome"),
        sa.CheckConstraint("achieved >= 0 AND partly >= 0 AND not_achieved >= 0", name="people_not_negative"),
    )


class ReportDecision(enum.StrEnum):
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {"approved": _l("Approved"), "returned": _l("Returned")}[self.value]


class ReportSubmission(Model):
    """What the provider sent, frozen, and the commissioner's decision on it."""

    __tablename__ = "report_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("outcome_reports.id"), index=True)
    number: Mapped[int]
    content: Mapped[dict] = mapped_column(sa.JSON)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decision: Mapped[ReportDecision | None] = mapped_column(enum_type(ReportDecision, 16))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    comments: Mapped[str | None] = mapped_column(sa.Text)

    report: Mapped[OutcomeReport] = relationship(back_populates="submissions")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    __table_args__ = (
        sa.UniqueConstraint("report_id", "number", name="uq_report_submissions_number"),
        sa.CheckConstraint("(decision IS NULL) = (decided_at IS NULL)", name="decided_with_time"),
        sa.CheckConstraint("decision != 'returned' OR length(comments) > 0", name="returned_with_comments"),
        # One approval per report: a milestone is paid once.
        sa.Index(
            "uq_report_submissions_approved",
            "report_id",
            unique=True,
            sqlite_where=sa.text("decision = 'approved'"),
            postgresql_where=sa.text("decision = 'approved'"),
        ),
        # The submissions waiting for the commissioner's decision (the to-do).
        sa.Index(
            "ix_report_submissions_undecided",
            "report_id",
            sqlite_where=sa.text("decision IS NULL"),
            postgresql_where=sa.text("decision IS NULL"),
        ),
    )


class ReportDocument(StoredDocument, Model):
    __tablename__ = "report_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("outcome_reports.id"), index=True)

    report: Mapped[OutcomeReport] = relationship(back_populates="documents")
