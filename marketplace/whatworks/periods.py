"""The periods /what-works offers: each financial year (April to March) from the first with
a report approved to the latest, newest first, and all time. By default the latest year with
data (this year when there is none)."""

from dataclasses import dataclass

from flask_babel import gettext as _

from ..timeutil import london_date, utcnow

ALL = "all"


@dataclass(frozen=True)
class Choice:
    value: str  # "2025" (the year April 2025 to March 2026 starts in) or "all"
    label: str
    first: int  # yyyymm
    last: int  # yyyymm

    @property
    def slug(self) -> str:
        """For a file name: "2025-26" or "all-time"."""
        return "all-time" if self.value == ALL else f"{self.value}-{(int(self.value) + 1) % 100:02d}"


def financial_year_of(month: int) -> int:
    year, month_of_year = divmod(month, 100)
    return year if month_of_year >= 4 else year - 1


def year_choice(year: int) -> Choice:
    return Choice(
        str(year), _("April %(start)s to March %(end)s", start=year, end=year + 1), year * 100 + 4, (year + 1) * 100 + 3
    )


def choices(span: tuple[int, int] | None) -> list[Choice]:
    """The years with data, newest first, then all time (the first is the default)."""
    if span is None:
        today = london_date(utcnow())
        years = [today.year if today.month >= 4 else today.year - 1]
    else:
        years = list(range(financial_year_of(span[1]), financial_year_of(span[0]) - 1, -1))
    return [*(year_choice(y) for y in years), Choice(ALL, _("All time"), 0, 999912)]


def chosen(asked: str | None, offered: list[Choice]) -> tuple[Choice, str | None]:
    """The period asked for, or the default and what is wrong with what was asked."""
    if not asked:
        return offered[0], None
    for choice in offered:
        if choice.value == asked:
            return choice, None
    return offered[0], _("Choose a period from the list")
