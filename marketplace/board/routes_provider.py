"""An organisation's own figures: bids, success, payments and outcomes (being written)."""

from . import bp  # noqa: F401
