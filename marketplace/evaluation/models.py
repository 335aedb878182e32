"""Evaluation and award of a closed need, lot by lot.

The panel (evaluators assigned by the commissioner) declares conflicts against every
bidding organisation, then scores each bid it may open, independently: one score sheet
per evaluator per bid, with a score of 0-4 and a justification per part (each quality
criterion, and social value). The commissioner agrees a score and rationale per part in
moderation (the sheets are kept as they were), closes moderation for the lot, resolves
abnormally low bids, and decides the award. A decision over the area's sign-off
threshold waits for a board member's approval. When a decision takes effect, every
bidder of the lot gets an assessment summary, frozen as it was sent.

States are derived from timestamps, never stored as text.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, enum_type
from ..timeutil import UTCDateTime, utcnow

# The part of a score sheet that is not a quality criterion (criteria are keyed by id).
SOCIAL_VALUE = "social_value"

SCORE_MEANINGS = {
    0: _l("No answer, or the answer does not address the question"),
    1: _l("Poor: major gaps or concerns"),
    2: _l("Acceptable: meets the need with some gaps"),
    3: _l("Good: meets the need well, with minor gaps"),
    4: _l("Excellent: meets the need fully, with evidence"),
}


class PanelMember(Model):
    """An evaluator assigned to a need by its commissioner. Removed, never deleted."""

    __tablename__ = "panel_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The parts a lived-experience adviser scores (part keys); None: every part (an evaluator).
    parts: Mapped[list | None] = mapped_column(sa.JSON(none_as_null=True))

    need = relationship("Need")
    user = relationship("User", foreign_keys=[user_id])

    @property
    def is_adviser(self) -> bool:
        return self.parts is not None

    __table_args__ = (
        sa.Index(
            "uq_panel_members_current",
            "need_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        ),
    )


class AdviserPlace(Model):
    """A lived-experience adviser invited by email to one need's panel: paid or not (the fee
    agreed, in pence, if any), and the parts they score. Accepting the invitation makes
    the panel place (`panel_member_id`); cancelled with the invitation, never deleted."""

    __tablename__ = "adviser_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitations.id"), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    paid: Mapped[bool]
    fee_pence: Mapped[int | None]
    parts: Mapped[list] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    panel_member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("panel_members.id"), unique=True)

    invitation = relationship("Invitation")
    panel_member: Mapped[PanelMember | None] = relationship()

    __table_args__ = (sa.CheckConstraint("fee_pence IS NULL OR (paid AND fee_pence > 0)", name="fee_when_paid"),)


class ConflictDeclaration(Model):
    """An evaluator's declaration about one bidding organisation: a conflict of interest
    (with details) or none. Written once; the record the board reads."""

    __tablename__ = "conflict_declarations"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    conflicted: Mapped[bool]
    details: Mapped[str] = mapped_column(sa.Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    organisation = relationship("Organisation")

    __table_args__ = (
        sa.UniqueConstraint("need_id", "user_id", "organisation_id", name="uq_conflict_declarations_once"),
        sa.CheckConstraint("NOT conflicted OR length(details) > 0", name="conflict_has_details"),
    )


class ScoreSheet(Model):
    """One evaluator's scores for one bid (the revision that counts). Saved as a draft,
    then submitted once; never changed after."""

    __tablename__ = "score_sheets"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"), index=True)
    revision_id: Mapped[int] = mapped_column(sa.ForeignKey("bid_revisions.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    scores: Mapped[list["Score"]] = relationship(back_populates="sheet", order_by="Score.id")

    __table_args__ = (sa.UniqueConstraint("bid_id", "user_id", name="uq_score_sheets_bid_user"),)

    def score_for(self, part: str) -> "Score | None":
        return next((s for s in self.scores if s.part == part), None)


class Score(Model):
    __tablename__ = "scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("score_sheets.id"), index=True)
    # A criterion's id as text, or SOCIAL_VALUE.
    part: Mapped[str] = mapped_column(sa.String(20))
    score: Mapped[int | None]
    justification: Mapped[str] = mapped_column(sa.Text, default="")

    sheet: Mapped[ScoreSheet] = relationship(back_populates="scores")

    __table_args__ = (
        sa.UniqueConstraint("sheet_id", "part", name="uq_scores_sheet_part"),
        sa.CheckConstraint("score IS NULL OR score BETWEEN 0 AND 4", name="score_range"),
    )


class AgreedScore(Model):
    """The score moderation agreed for one part of one bid, with its rationale. May be
    revised (audited, before and after) until moderation of the lot is closed."""

    __tablename__ = "agreed_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"), index=True)
    part: Mapped[str] = mapped_column(sa.String(20))
    score: Mapped[int]
    rationale: Mapped[str] = mapped_column(sa.Text)
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agreed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (
        sa.UniqueConstraint("bid_id", "part", name="uq_agreed_scores_bid_part"),
        sa.CheckConstraint("score BETWEEN 0 AND 4", name="score_range"),
        sa.CheckConstraint("length(rationale) > 0", name="rationale_given"),
    )


class ModerationClosure(Model):
    """Moderation of a lot is closed: no more scoring or agreeing; the ranking stands."""

    __tablename__ = "moderation_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), unique=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))


class LowBidOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return str({"accepted": _l("Explanation accepted"), "rejected": _l("Bid rejected")}[self.value])


class LowBidReview(Model):
    """An abnormally low bid's explanation: asked for by the commissioner, answered by the
    bidder within a window of at least 2 working days, then accepted or the bid rejected."""

    __tablename__ = "low_bid_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"), unique=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    request: Mapped[str] = mapped_column(sa.Text)
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime)
    response: Mapped[str | None] = mapped_column(sa.Text)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[LowBidOutcome | None] = mapped_column(enum_type(LowBidOutcome, 16))
    outcome_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    bid = relationship("Bid")

    __table_args__ = (
        sa.CheckConstraint("respond_by > requested_at", name="window_after_request"),
        sa.CheckConstraint("(response IS NULL) = (responded_at IS NULL)", name="response_dated"),
        sa.CheckConstraint(
            "(outcome IS NULL AND decided_at IS NULL AND outcome_reason IS NULL)"
            " OR (outcome IS NOT NULL AND decided_at IS NOT NULL AND outcome_reason IS NOT NULL)",
            name="decided_completely",
        ),
    )

    @property
    def is_decided(self) -> bool:
        return self.decided_at is not None


class AwardOutcome(enum.StrEnum):
    AWARD = "award"
    NOT_AWARDED = "not_awarded"

    @property
    def label(self) -> str:
        return str({"award": _l("Award"), "not_awarded": _l("Not awarded")}[self.value])


class AwardDecision(Model):
    """The decision on a lot: award to one bid, or not awarded, with reasons. Over the
    area's sign-off threshold an award waits for a board member; a refused decision stays
    in the record and the commissioner decides again. At most one decision per lot is not
    refused."""

    __tablename__ = "award_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), index=True)
    outcome: Mapped[AwardOutcome] = mapped_column(enum_type(AwardOutcome, 16))
    bid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bids.id"))
    reasons: Mapped[str] = mapped_column(sa.Text)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    needs_sign_off: Mapped[bool] = mapped_column(default=False)
    signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_off_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sign_off_comment: Mapped[str | None] = mapped_column(sa.Text)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refused_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    refusal_reason: Mapped[str | None] = mapped_column(sa.Text)
    # When the decision took effect and every bidder was sent its summary.
    summaries_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # No contract before this moment (None: no standstill, as for grants and 'not awarded').
    standstill_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lot = relationship("Lot")
    bid = relationship("Bid")
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    signed_off_by = relationship("User", foreign_keys=[signed_off_by_id])
    refused_by = relationship("User", foreign_keys=[refused_by_id])

    __table_args__ = (
        sa.CheckConstraint("(outcome = 'award') = (bid_id IS NOT NULL)", name="award_names_bid"),
        sa.CheckConstraint("signed_off_at IS NULL OR refused_at IS NULL", name="signed_off_or_refused"),
        sa.CheckConstraint(
            "needs_sign_off OR (signed_off_at IS NULL AND refused_at IS NULL)", name="sign_off_when_needed"
        ),
        sa.CheckConstraint("(refused_at IS NULL) = (refusal_reason IS NULL)", name="refused_with_reason"),
        sa.Index(
            "uq_award_decisions_current",
            "lot_id",
            unique=True,
            sqlite_where=sa.text("refused_at IS NULL"),
            postgresql_where=sa.text("refused_at IS NULL"),
        ),
        # The decisions waiting for a board member's sign-off, and the standstills ending
        # soon (the commissioner's to-do).
        sa.Index(
            "ix_award_decisions_waiting_sign_off",
            "lot_id",
            sqlite_where=sa.text("needs_sign_off IS true AND signed_off_at IS NULL AND refused_at IS NULL"),
            postgresql_where=sa.text("needs_sign_off IS true AND signed_off_at IS NULL AND refused_at IS NULL"),
        ),
        sa.Index("ix_award_decisions_standstill_ends_at", "standstill_ends_at"),
    )

    @property
    def is_waiting_for_sign_off(self) -> bool:
        return self.needs_sign_off and self.signed_off_at is None and self.refused_at is None

    @property
    def is_effective(self) -> bool:
        return self.refused_at is None and (not self.needs_sign_off or self.signed_off_at is not None)


class AssessmentSummary(Model):
    """What one bidder was told when a decision on its lot took effect: frozen as sent."""

    __tablename__ = "assessment_summaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("award_decisions.id"), index=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"), index=True)
    content: Mapped[dict] = mapped_column(sa.JSON)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)

    decision: Mapped[AwardDecision] = relationship()
    bid = relationship("Bid")

    __table_args__ = (sa.UniqueConstraint("decision_id", "bid_id", name="uq_assessment_summaries_decision_bid"),)
