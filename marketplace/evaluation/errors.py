"""The one refusal every evaluation rule raises, EvaluationError, and the word limits its
messages quote (the forms show the same limits). Every other evaluation module imports
from here, so this one imports none of them."""

from ..refusals import Refusal

JUSTIFICATION_WORD_LIMIT = 300
REASONS_WORD_LIMIT = 500


class EvaluationError(Refusal):
    """A refusal of an evaluation step, by its field (see refusals.py)."""
