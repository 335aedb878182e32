"""The figures of /what-works, from the kept rows (models.py): for a period of whole months,
by service category, the people started and completed and, for each desired outcome, the
achievement rate (achieved counts 1, partly 0.5, not achieved 0, over everyone reported for
that outcome) with its 95% Wilson interval; for all providers, by provider size (income
band) and type, and for each provider with FEWER or more people started. Small numbers are
hidden (suppression.py). Three statements, whatever the number of reports.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

import sqlalchemy as sa
from flask_babel import gettext as _

from ..board import keeping
from ..board.reporting.scope import organisation_type
from ..organisations.models import INCOME_BAND_LABELS, IncomeBand, Organisation, OrganisationType
from ..reference.cache import snapshot
from . import suppression
from .models import WhatWorksOutcome, WhatWorksPeople
from .suppression import FEWER, Counted
from .wilson import wilson_interval

TYPE_ORDER = (OrganisationType.VCSE, OrganisationType.PUBLIC, OrganisationType.PRIVATE)


def type_label(kind: str) -> str:
    return {"vcse": _("VCSE organisations"), "public": _("Public bodies"), "private": _("Private companies")}[kind]


@dataclass
class Line:
    """One desired outcome's lines: people who achieved it, partly, and did not."""

    achieved: int = 0
    partly: int = 0
    not_achieved: int = 0

    def add(self, other: "Line") -> None:
        self.achieved += other.achieved
        self.partly += other.partly
        self.not_achieved += other.not_achieved

    @property
    def people(self) -> int:
        return self.achieved + self.partly + self.not_achieved

    @property
    def score(self) -> Fraction:
        return self.achieved + Fraction(self.partly, 2)

    @property
    def rate(self) -> Fraction | None:
        return self.score / self.people if self.people else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(float(self.score), self.people)


@dataclass
class Row(Counted):
    """A row of a category's table: a group of providers (or all of them)."""

    key: str = ""
    label: str = ""
    lines: dict[int, Line] = field(default_factory=dict)

    def add(self, started: int, completed: int, lines: dict[int, Line]) -> None:
        self.values["started"] = self.value("started") + started
        self.values["completed"] = self.value("completed") + completed
        for outcome_id, line in lines.items():
            self.lines.setdefault(outcome_id, Line()).add(line)
            self.values[f"o{outcome_id}"] = self.lines[outcome_id].people

    def shown(self, column: str) -> bool:
        return column not in self.hidden

    def line(self, outcome_id: int) -> Line | None:
        """The outcome's lines, or None when they are hidden (or there are none)."""
        line = self.lines.get(outcome_id)
        return line if line is not None and self.shown(f"o{outcome_id}") else None


@dataclass
class Outcome:
    id: int
    text: str


@dataclass
class CategoryFigures:
    id: int
    name: str
    outcomes: list[Outcome]
    total: Row
    bands: list[Row]
    types: list[Row]
    providers: list[Row]  # with FEWER or more people started, then "other providers"

    @property
    def columns(self) -> list[str]:
        return ["started", "completed", *(f"o{o.id}" for o in self.outcomes)]

    def breakdowns(self) -> list[tuple[str, str, list[Row]]]:
        return [
            ("size", _("By provider size (yearly income)"), self.bands),
            ("type", _("By provider type"), self.types),
            ("provider", _("By provider"), self.providers),
        ]


def months_with_data() -> tuple[int, int] | None:
    """The first and last yyyymm with a report approved, or None."""
    [(first, last)] = keeping.read(
        sa.select(sa.func.min(WhatWorksPeople.month), sa.func.max(WhatWorksPeople.month)).where(
            WhatWorksPeople.approvals > 0
        )
    )
    return None if first is None else (int(first), int(last))


def _read(first: int, last: int):
    people = keeping.read(
        sa.select(
            WhatWorksPeople.category_id,
            Organisation.id,
            Organisation.name,
            Organisation.income_band,
            organisation_type(),
            sa.func.sum(WhatWorksPeople.started),
            sa.func.sum(WhatWorksPeople.completed),
        )
        .join(Organisation, Organisation.id == WhatWorksPeople.organisation_id)
        .where(WhatWorksPeople.month.between(first, last), WhatWorksPeople.category_id > 0)
        .group_by(
            WhatWorksPeople.category_id,
            Organisation.id,
            Organisation.name,
            Organisation.income_band,
            organisation_type(),
        )
        .having(sa.func.sum(WhatWorksPeople.approvals) > 0)
    )
    lines: dict[tuple[int, int], dict[int, Line]] = defaultdict(dict)
    for category_id, organisation_id, outcome_id, a, p, n in keeping.read(
        sa.select(
            WhatWorksOutcome.category_id,
            WhatWorksOutcome.organisation_id,
            WhatWorksOutcome.outcome_id,
            sa.func.sum(WhatWorksOutcome.achieved),
            sa.func.sum(WhatWorksOutcome.partly),
            sa.func.sum(WhatWorksOutcome.not_achieved),
        )
        .where(WhatWorksOutcome.month.between(first, last), WhatWorksOutcome.category_id > 0)
        .group_by(WhatWorksOutcome.category_id, WhatWorksOutcome.organisation_id, WhatWorksOutcome.outcome_id)
    ):
        lines[(category_id, organisation_id)][outcome_id] = Line(int(a or 0), int(p or 0), int(n or 0))
    return people, lines


def by_category(first: int, last: int) -> list[CategoryFigures]:
    """Every category with a report approved in the months first to last (yyyymm), its
    small numbers hidden."""
    people, lines = _read(first, last)
    grouped: dict[int, list] = defaultdict(list)
    for row in people:
        grouped[row[0]].append(row)
    found = []
    for category in snapshot().categories:
        if category.id in grouped:
            found.append(_category(category, grouped[category.id], lines))
    return found


def _category(category, rows, lines) -> CategoryFigures:
    total = Row({}, key="all", label=_("All providers"))
    bands = {band.value: Row({}, key=band.value, label=str(INCOME_BAND_LABELS[band])) for band in IncomeBand}
    types = {kind.value: Row({}, key=kind.value, label=type_label(kind.value)) for kind in TYPE_ORDER}
    providers: list[Row] = []
    others = Row({}, key="others", label=_("Other providers (fewer than %(n)s people started each)", n=FEWER))
    seen: set[int] = set()
    for _category_id, organisation_id, name, band, kind, started, completed in rows:
        own = lines.get((category.id, organisation_id), {})
        started, completed = int(started or 0), int(completed or 0)
        for row in (total, bands[IncomeBand(band).value], types[kind]):
            row.add(started, completed, own)
        if started >= FEWER:
            provider = Row({}, key=str(organisation_id), label=name)
            provider.add(started, completed, own)
            providers.append(provider)
        else:
            others.add(started, completed, own)
        seen |= set(own)
    providers.sort(key=lambda r: r.label.casefold())
    if others.values:
        providers.append(others)
    known = {o.id: o for o in category.outcomes}
    outcomes = [Outcome(i, known[i].local_text if i in known else str(i)) for i in sorted(seen, key=_by_code(known))]
    figures = CategoryFigures(
        category.id,
        category.local_name,
        outcomes,
        total,
        [r for r in bands.values() if r.values],
        [r for r in types.values() if r.values],
        providers,
    )
    everything = [total, *figures.bands, *figures.types, *figures.providers]
    for row in everything:
        for column in figures.columns:
            row.values.setdefault(column, 0)
    suppression.primary(everything)
    for _key, _label, parts in figures.breakdowns():
        suppression.secondary(total, parts, figures.columns)
    return figures


def _by_code(known):
    return lambda outcome_id: (known[outcome_id].code, known[outcome_id].version) if outcome_id in known else ("", 0)
