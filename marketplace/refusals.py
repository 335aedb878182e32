"""A service's refusal by the field it belongs to, and the one way views show it.

Services raise a `Refusal` (or a subclass: EvaluationError, ContractError) with a
message and, when it is about one field, that field's name. Views call the service
through `committed`: on success the change and its audit events commit together; on a
refusal nothing is written and the message goes by its field, the GOV.UK way, with what
the user typed kept in the form.
"""

from collections.abc import Callable

from .extensions import db
from .textlimits import too_long


class Refusal(Exception):
    """A refusal, with the form field it belongs to (None: the page as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def written(
    error: type[Refusal], text: str | None, *, field: str, noun: str, limit: int, empty: str | None = None
) -> str:
    """What a person wrote, stripped. Refused with `error` by `field` when empty (only if
    `empty`, the message, is given) or longer than `limit` words ("<noun> must be <limit>
    words or fewer") or the characters of that many (textlimits.py)."""
    text = (text or "").strip()
    if empty and not text:
        raise error(empty, field)
    problem = too_long(text, noun=noun, words=limit)
    if problem:
        raise error(problem, field)
    return text


def committed(call: Callable[[], object], form, default_field) -> bool:
    """Call a service and commit. On a Refusal write nothing, put the message by the field
    it names (or `default_field` when the form has no such field) and return False."""
    try:
        call()
    except Refusal as error:
        db.session.rollback()
        field = form[error.field] if error.field and error.field in form else default_field
        field.errors = [*field.errors, error.message]
        return False
    db.session.commit()
    return True
