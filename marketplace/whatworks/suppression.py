"""Small numbers, hidden so that no one can be picked out of the figures.

Primary suppression: a cell counting fewer than FEWER people is not shown (the page says
"fewer than 10"), and neither is the rate or interval worked out from it.

Secondary suppression: the rows of a breakdown (provider size, provider type, providers)
add up to the category's total, which is shown, so a single hidden cell in a column could
be worked out as the total less the other rows. Where a column of a breakdown has exactly
one hidden cell that counts anyone, the smallest other cell that counts anyone is withheld
too (the page says "withheld"), leaving only the sum of two cells to be worked out. The
providers' breakdown has a row for the providers without a row of their own ("other
providers"), so the same rule covers them.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

FEWER = 10

PRIMARY = "fewer"
SECONDARY = "withheld"


@dataclass
class Counted:
    """A row of counts by column; `hidden` says which are not shown, and why."""

    values: dict[str, int]
    hidden: dict[str, str] = field(default_factory=dict)

    def value(self, column: str) -> int:
        return self.values.get(column, 0)


def primary(rows: Iterable[Counted]) -> None:
    for row in rows:
        for column, value in row.values.items():
            if value < FEWER:
                row.hidden[column] = PRIMARY


def secondary(total: Counted, parts: Sequence[Counted], columns: Iterable[str]) -> None:
    """Withhold a second cell where one hidden cell of a column could be worked out."""
    for column in columns:
        if column in total.hidden:
            continue  # the total is not shown: there is nothing to take the others from
        hidden = [r for r in parts if column in r.hidden and r.value(column) > 0]
        if len(hidden) != 1:
            continue
        shown = [r for r in parts if column not in r.hidden and r.value(column) > 0]
        if shown:
            min(shown, key=lambda r: r.value(column)).hidden[column] = SECONDARY
