"""Money is integer pence everywhere; pounds are only for people to read and type."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency

from .i18n import current_language

# Nothing this portal commissions comes near it; a larger figure is a typing slip.
MAX_PENCE = 100_000_000_000  # £1 billion

_POUNDS = re.compile(r"^£?\s*([0-9]{1,3}(,[0-9]{3})+|[0-9]+)(\.[0-9]{1,2})?$")


class MoneyError(ValueError):
    pass


def parse_pounds(text: str) -> int:
    """'£12,500.50' -> 1250050. Raises MoneyError for anything that is not an amount."""
    cleaned = (text or "").strip().replace(" ", "")
    match = _POUNDS.match(cleaned)
    if not match:
        raise MoneyError("not an amount")
    try:
        pounds = Decimal(cleaned.lstrip("£").replace(",", ""))
    except InvalidOperation:
        raise MoneyError("not an amount") from None
    return int((pounds * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def format_pounds(pence: int | None, *, whole: bool = False) -> str:
    """1250050 -> '£12,500.50'; whole pounds drop the pence: '£12,500'. By Babel, in the
    page's language (Welsh writes pounds as English does)."""
    if pence is None:
        return ""
    pounds, remainder = divmod(abs(pence), 100)
    if remainder == 0 or whole:
        amount, pattern = Decimal(pounds if pence >= 0 else -pounds), "¤#,##0"
    else:
        amount, pattern = Decimal(pence).scaleb(-2), "¤#,##0.00"
    return format_currency(amount, "GBP", format=pattern, currency_digits=False, locale=current_language())


def split_pence(total: int, percents: list[int]) -> list[int]:
    """Share `total` by whole percentages that add to 100, exactly: the rounding is given
    to the last share, so the parts always sum to the total."""
    if sum(percents) != 100:
        raise ValueError("percentages must add up to 100")
    parts = [total * p // 100 for p in percents]
    if parts:
        parts[-1] += total - sum(parts)
    return parts


def pounds_number(pence: int) -> int | float:
    """Pence as a JSON number of pounds, as the open data standards want it: whole pounds
    as an integer, else to the penny."""
    pounds, remainder = divmod(pence, 100)
    return pounds if remainder == 0 else pence / 100
