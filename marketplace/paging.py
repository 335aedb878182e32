"""The page of a long list asked for in the query string."""

from flask import request

LAST_PAGE = 100_000


def requested_page() -> int:
    """`?page=`: 1 when missing or not a whole number, and never beyond LAST_PAGE (a page
    number so large the database could not skip that far is no page anyone can reach)."""
    return max(1, min(request.args.get("page", 1, type=int) or 1, LAST_PAGE))
