"""The area's outcomes beside the nation's: for each service category, the rate of outcomes
achieved (achieved 1, partly 0.5, not 0, over everyone reported: outcomes.py) in the area
and across every area of England and Wales, for the same period (and category, when the
dashboard is asked for one). A rate from fewer than FEWER people is not shown, nor their
number, as on /what-works."""

from dataclasses import dataclass
from fractions import Fraction

from ...reference.cache import snapshot
from .outcomes import CategoryOutcomes, outcomes_by_category
from .scope import Period, Scope

FEWER = 10


@dataclass(frozen=True)
class AgainstNational:
    category: str
    area: CategoryOutcomes | None
    national: CategoryOutcomes

    @staticmethod
    def _shown(row: CategoryOutcomes | None) -> bool:
        return row is not None and row.people >= FEWER

    @property
    def area_people(self) -> int | None:
        """None when there are fewer than FEWER (or none)."""
        return self.area.people if self._shown(self.area) and self.area is not None else None

    @property
    def area_rate(self) -> Fraction | None:
        return self.area.rate if self._shown(self.area) and self.area is not None else None

    @property
    def national_people(self) -> int | None:
        return self.national.people if self._shown(self.national) else None

    @property
    def national_rate(self) -> Fraction | None:
        return self.national.rate if self._shown(self.national) else None


def national_scope(scope: Scope) -> Scope:
    """Every area of England and Wales (regions and delivery units), the same category."""
    found = snapshot()
    return Scope(area_ids=tuple(a.id for a in (*found.regions, *found.pdus)), category_id=scope.category_id)


def against_national(
    scope: Scope, period: Period, area_rows: list[CategoryOutcomes] | None = None
) -> list[AgainstNational]:
    """Each category with outcomes reported nationally in the period, the area's beside the
    nation's (`area_rows`: the area's outcomes_by_category, when already read)."""
    area = {r.category: r for r in (area_rows if area_rows is not None else outcomes_by_category(scope, period))}
    return [
        AgainstNational(row.category, area.get(row.category), row)
        for row in outcomes_by_category(national_scope(scope), period)
        if row.people
    ]
