"""A contract: made once from an awarded lot after standstill. Its schedule (the advance,
if any, and the milestones) sums exactly to its value; services.create_contract checks
that in the transaction that writes it."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db, enum_type
from ..timeutil import UTCDateTime, utcnow

contract_outcomes = sa.Table(
    "contract_outcomes",
    db.metadata,
    sa.Column("contract_id", sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("outcome_id", sa.ForeignKey("desired_outcomes.id"), primary_key=True),
)


class Contract(Model):
    __tablename__ = "contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), unique=True)
    bid_id: Mapped[int] = mapped_column(sa.ForeignKey("bids.id"), unique=True)
    decision_id: Mapped[int] = mapped_column(sa.ForeignKey("award_decisions.id"), unique=True)
    # The lead organisation, which signs for the consortium.
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(310))
    value_pence: Mapped[int] = mapped_column(sa.BigInteger)
    expected_people: Mapped[int]
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    need = relationship("Need")
    lot = relationship("Lot")
    bid = relationship("Bid")
    organisation = relationship("Organisation")
    parties: Mapped[list["ContractParty"]] = relationship(back_populates="contract", order_by="ContractParty.id")
    milestones: Mapped[list["ContractMilestone"]] = relationship(
        back_populates="contract", order_by="ContractMilestone.number"
    )
    outcomes = relationship("DesiredOutcome", secondary=contract_outcomes, order_by="DesiredOutcome.code")

    __table_args__ = (
        sa.CheckConstraint("value_pence > 0 AND value_pence <= 100000000000", name="value_positive"),
        sa.CheckConstraint("expected_people > 0", name="people_positive"),
        sa.CheckConstraint("ends_on > starts_on", name="dates_in_order"),
    )


class PartyRole(enum.StrEnum):
    LEAD = "lead"
    PARTNER = "partner"

    @property
    def label(self) -> str:
        return {"lead": _l("Lead"), "partner": _l("Partner")}[self.value]


class ContractParty(Model):
    __tablename__ = "contract_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    role: Mapped[PartyRole] = mapped_column(enum_type(PartyRole, 16))
    work_percent: Mapped[int]
    price_percent: Mapped[int]

    contract: Mapped[Contract] = relationship(back_populates="parties")
    organisation = relationship("Organisation")

    __table_args__ = (
        sa.UniqueConstraint("contract_id", "organisation_id", name="uq_contract_parties_organisation"),
        sa.CheckConstraint("work_percent BETWEEN 0 AND 100", name="work_percent_range"),
        sa.CheckConstraint("price_percent BETWEEN 0 AND 100", name="price_percent_range"),
    )


class ContractMilestone(Model):
    """One line of the payment schedule: number 0 is the advance (paid at the start);
    1, 2, ... are milestones paid on approval of their outcome report."""

    __tablename__ = "contract_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    number: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(150))
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    due_on: Mapped[date] = mapped_column(sa.Date)

    contract: Mapped[Contract] = relationship(back_populates="milestones")

    __table_args__ = (
        sa.UniqueConstraint("contract_id", "number", name="uq_contract_milestones_number"),
        sa.CheckConstraint("amount_pence > 0", name="amount_positive"),
        sa.CheckConstraint("number >= 0", name="number_not_negative"),
    )

    @property
    def is_advance(self) -> bool:
        return self.number == 0

    @property
    def local_title(self) -> str:
        """The title in the page's language: the advance's, which the portal names itself
        (services.proposed_schedule), in Welsh on a Welsh page; a title from the need's
        payment profile as its commissioner wrote it."""
        return str(_l("Advance")) if self.is_advance and self.title == "Advance" else self.title


class ContractVariation(Model):
    """A change to a contract's end date, value or schedule, proposed by the commissioner
    with a reason; it takes effect only when the provider accepts it in the portal.

    `changes` holds what is proposed: {"ends_on": ISO date, "value_pence": int,
    "schedule": [{"number", "title", "amount_pence", "due_on"}]} (only what changes)."""

    __tablename__ = "contract_variations"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    changes: Mapped[dict] = mapped_column(sa.JSON)
    before: Mapped[dict] = mapped_column(sa.JSON)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proposed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)

    contract: Mapped[Contract] = relationship()
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])

    __table_args__ = (
        sa.CheckConstraint("accepted_at IS NULL OR declined_at IS NULL", name="accepted_or_declined"),
        sa.CheckConstraint("(declined_at IS NULL) = (decline_reason IS NULL)", name="declined_with_reason"),
        # One proposal waiting per contract.
        sa.Index(
            "uq_contract_variations_waiting",
            "contract_id",
            unique=True,
            sqlite_where=sa.text("accepted_at IS NULL AND declined_at IS NULL"),
            postgresql_where=sa.text("accepted_at IS NULL AND declined_at IS NULL"),
        ),
    )

    @property
    def is_waiting(self) -> bool:
        return self.accepted_at is None and self.declined_at is None
