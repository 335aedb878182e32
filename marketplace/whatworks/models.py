"""What /what-works adds up, kept per service category, London month approved (yyyymm) and
lead organisation of the contract, so that the page adds up a few kept rows instead of
every report in the country. Derived: kept by the flushes that change report decisions
(board/keeping.py; whatworks/kept.py defines them); `flask keep-board-figures` makes them
again from the reports."""

from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class WhatWorksPeople(Model):
    """Reports approved and the people they say started and completed."""

    __tablename__ = "what_works_people"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    approvals: Mapped[int]
    started: Mapped[int]
    completed: Mapped[int]


class WhatWorksOutcome(Model):
    """The outcome lines of the reports approved, per desired outcome: people who achieved
    it, partly achieved it and did not."""

    __tablename__ = "what_works_outcomes"

    category_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(primary_key=True)
    achieved: Mapped[int]
    partly: Mapped[int]
    not_achieved: Mapped[int]
