"""Partnership reviews: the board rates each partnership once a year and at its end (being written)."""

from . import bp  # noqa: F401
