"""Placeholder: filled in by the bid pages work."""

from . import bp  # noqa: F401
