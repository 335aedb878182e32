"""A bid: one organisation's (or consortium's) offer for one lot of a need.

The bid row holds the working draft. Each submission writes an immutable BidRevision
with the content as JSON and its SHA-256 digest; the latest revision submitted before
closing is the one that counts. State is derived from timestamps, never stored as text.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from ..needs.models import StoredDocument
from ..timeutil import UTCDateTime, utcnow


class BidState(enum.StrEnum):
    """What the provider sees, in this order on its home page."""

    DRAFT = "draft"
    WAITING_FOR_PARTNERS = "waiting_for_partners"
    SUBMITTED = "submitted"
    NEEDS_RECONFIRMATION = "needs_reconfirmation"
    # After closing, on the provider's lists (bids/outcomes.py): submitted and waiting
    # for the outcome, then won or lost once the bidder has been sent its summary.
    EVALUATING = "evaluating"
    WON = "won"
    LOST = "lost"
    WITHDRAWN = "withdrawn"
    # Closed with no outcome for this bid: not submitted (or not reconfirmed) in time, or
    # the need was withdrawn or cancelled. (lifecycle.bid_state says CLOSED for every bid
    # after closing; the lists say which of the above.)
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "draft": _l("Draft"),
            "waiting_for_partners": _l("Waiting for partners"),
            "submitted": _l("Submitted"),
            "needs_reconfirmation": _l("Needs reconfirmation"),
            "evaluating": _l("Being evaluated"),
            "won": _l("Won"),
            "lost": _l("Lost"),
            "withdrawn": _l("Withdrawn"),
            "closed": _l("Closed"),
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "draft": "grey",
            "waiting_for_partners": "yellow",
            "submitted": "green",
            "needs_reconfirmation": "orange",
            "evaluating": "light-blue",
            "won": "green",
            "lost": "grey",
            "withdrawn": "red",
            "closed": "blue",
        }[self.value]


class Declaration(enum.StrEnum):
    ELIGIBLE = "eligible"
    NO_CONFLICT = "no_conflict"
    ACCURATE = "accurate"

    @property
    def label(self) -> str:
        return DECLARATION_LABELS[self]


DECLARATION_LABELS = {
    Declaration.ELIGIBLE: _l("We meet the conditions of participation of this need"),
    Declaration.NO_CONFLICT: _l(
        "We have no conflict of interest with the commissioning area or its staff, or we have described it below"
    ),
    Declaration.ACCURATE: _l("The information in this bid is accurate and complete"),
}


class Bid(Model):
    __tablename__ = "bids"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), index=True)
    # The lead organisation (the only bidder when alone).
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The draft. Answers by criterion id (as a string key, since JSON keys are strings).
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    price_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    # The price split over the need's payment profile: {"advance": pence, "<milestone id>": pence}.
    price_breakdown: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    people: Mapped[int | None]
    social_value: Mapped[str] = mapped_column(sa.Text, default="")
    local_pdu_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    # "None of these": no staff or premises in any delivery unit the need covers (an
    # answer, unlike an empty list, which is a question not yet answered).
    no_local_presence: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    declarations: Mapped[list] = mapped_column(sa.JSON, default=list)
    conflict_details: Mapped[str] = mapped_column(sa.Text, default="")
    # The lead's own share when in a consortium (percent); 100 when bidding alone.
    lead_work_percent: Mapped[int] = mapped_column(default=100)
    lead_price_percent: Mapped[int] = mapped_column(default=100)

    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    withdrawn_reason: Mapped[str | None] = mapped_column(sa.Text)

    # Set when the lot's bids are checked at closing (see closing.check_at_closing).
    low_flag_reason: Mapped[str | None] = mapped_column(sa.Text)
    low_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    need = relationship("Need")
    lot = relationship("Lot")
    organisation = relationship("Organisation")
    created_by = relationship("User", foreign_keys=[created_by_id])
    revisions: Mapped[list["BidRevision"]] = relationship(back_populates="bid", order_by="BidRevision.number")
    partners: Mapped[list["BidPartner"]] = relationship(back_populates="bid", order_by="BidPartner.id")
    documents: Mapped[list["BidDocument"]] = relationship(back_populates="bid", order_by="BidDocument.id")

    __table_args__ = (
        sa.UniqueConstraint("organisation_id", "lot_id", name="uq_bids_organisation_lot"),
        sa.CheckConstraint(
            "price_pence IS NULL OR (price_pence > 0 AND price_pence <= 100000000000)", name="price_sensible"
        ),
        sa.CheckConstraint("people IS NULL OR people > 0", name="people_positive"),
        sa.CheckConstraint("lead_work_percent BETWEEN 0 AND 100", name="lead_work_percent_range"),
        sa.CheckConstraint("lead_price_percent BETWEEN 0 AND 100", name="lead_price_percent_range"),
        sa.CheckConstraint("(withdrawn_at IS NULL) = (withdrawn_reason IS NULL)", name="withdrawn_with_reason"),
    )

    @property
    def current_partners(self) -> list["BidPartner"]:
        return [p for p in self.partners if p.removed_at is None]

    @property
    def current_documents(self) -> list["BidDocument"]:
        return [d for d in self.documents if d.removed_at is None]

    @property
    def latest_revision(self) -> "BidRevision | None":
        return self.revisions[-1] if self.revisions else None

    def __repr__(self) -> str:
        return f"<Bid {self.id} lot={self.lot_id} organisation={self.organisation_id}>"


class BidRevision(Model):
    """One submission: written once, never changed. `content` is exactly what was
    submitted and `digest` its SHA-256 (of the canonical JSON, see submission.digest_of)."""

    __tablename__ = "bid_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"), index=True)
    number: Mapped[int]
    content: Mapped[dict] = mapped_column(sa.JSON)
    digest: Mapped[str] = mapped_column(sa.String(64))
    # The time of submission: when the request reached our servers (stamped on arrival,
    # before it waited for a thread or the need's lock; see arrival.py). It is the time
    # that counts against the closing time.
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the revision was written, after that wait, inside the transaction holding the
    # need's lock: a moment after submitted_at, and so perhaps after the closing time.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    # The price, copied out of the content for the checks at closing.
    price_pence: Mapped[int] = mapped_column(sa.BigInteger)
    people: Mapped[int]

    bid: Mapped[Bid] = relationship(back_populates="revisions")
    submitted_by = relationship("User")

    __table_args__ = (
        sa.UniqueConstraint("bid_id", "number", name="uq_bid_revisions_bid_number"),
        # "Does this bid count?" (board.reporting.competition.counted) asks for a bid's revisions by time.
        sa.Index("ix_bid_revisions_bid_submitted", "bid_id", "submitted_at"),
        sa.CheckConstraint("price_pence > 0", name="price_positive"),
        sa.CheckConstraint("people > 0", name="people_positive"),
    )


class BidPartner(Model):
    """A consortium partner: a registered organisation, or one named and invited by email
    until it registers and accepts. Each confirms its own share of the work and the price."""

    __tablename__ = "bid_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"))
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    # For an organisation not yet on the portal: who was invited.
    invited_name: Mapped[str | None] = mapped_column(sa.String(200))
    invited_email: Mapped[str | None] = mapped_column(sa.String(254))
    invite_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    work_percent: Mapped[int]
    price_percent: Mapped[int]
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    bid: Mapped[Bid] = relationship(back_populates="partners")
    organisation = relationship("Organisation")

    __table_args__ = (
        sa.CheckConstraint("work_percent BETWEEN 1 AND 99", name="work_percent_range"),
        sa.CheckConstraint("price_percent BETWEEN 0 AND 99", name="price_percent_range"),
        sa.CheckConstraint(
            "organisation_id IS NOT NULL OR (invited_name IS NOT NULL AND invited_email IS NOT NULL)",
            name="partner_known",
        ),
        sa.CheckConstraint("confirmed_at IS NULL OR declined_at IS NULL", name="confirmed_or_declined"),
        # An organisation is a partner in at most one current bid per lot.
        sa.Index(
            "uq_bid_partners_lot_organisation",
            "lot_id",
            "organisation_id",
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL AND declined_at IS NULL AND organisation_id IS NOT NULL"),
            postgresql_where=sa.text("removed_at IS NULL AND declined_at IS NULL AND organisation_id IS NOT NULL"),
        ),
    )

    @property
    def name(self) -> str:
        return self.organisation.name if self.organisation is not None else (self.invited_name or "")

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def status(self) -> str:
        """'declined', 'confirmed', 'invited' (to join the portal) or 'waiting' (for confirmation)."""
        if self.declined_at:
            return "declined"
        if self.confirmed_at:
            return "confirmed"
        if self.organisation_id is None:
            return "invited"
        return "waiting"

    @property
    def status_label(self) -> str:
        return PARTNER_STATUS_LABELS[self.status]


PARTNER_STATUS_LABELS = {
    "declined": _l("Declined"),
    "confirmed": _l("Confirmed"),
    "invited": _l("Invited to join the portal"),
    "waiting": _l("Waiting for confirmation"),
}


class BidDocument(StoredDocument, Model):
    __tablename__ = "bid_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"), index=True)

    bid: Mapped[Bid] = relationship(back_populates="documents")


class StashedForm(Model):
    """What a user typed into a form when their session had timed out: kept for an hour
    under a random key held in their browser's session, and offered back (never saved
    on their behalf) once they have signed in again."""

    __tablename__ = "stashed_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    path: Mapped[str] = mapped_column(sa.String(500))
    data: Mapped[dict] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
