"""What a change to a published need changed, field by field, and which bids it affects.

Two snapshots of a need (amendments.snapshot) are compared into FieldChanges: a label a
person reads ("Lot 1 (Women's centre): budget"), the value before and after as text,
what the change affects and whether it is a change of wording only.

What a change affects (DESIGN: "Needs"):
- one lot's bids, when that lot's title, description, budget or reservation changes;
- every lot's bids, when what every bidder answers changes: the service (delivery
  units, category, outcomes, cohort, people, duration, procedure), the evaluation
  criteria and weights, the conditions of participation or the payment profile;
- no bid, for the need's title and summary, its documents, a lot added or removed (a lot
  with bids cannot be removed) and its dates (which can only move later).
A commissioner may record a change of wording only as a correction, which affects no bid.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..conditions import CONDITION_LABELS, Condition
from ..money import format_pounds
from ..reference.cache import reference_names
from ..timeutil import london
from .models import Procedure, Reservation

NO_BID = "none"
ONE_LOT = "lot"
EVERY_LOT = "need"

# Fields of the need as a whole: (label, what a change affects, wording only).
NEED_FIELDS = {
    "title": (_l("Title"), NO_BID, True),
    "summary": (_l("Summary"), NO_BID, True),
    "pdus": (_l("Probation delivery units"), EVERY_LOT, False),
    "category": (_l("Service category"), EVERY_LOT, False),
    "outcomes": (_l("Desired outcomes"), EVERY_LOT, False),
    "cohort": (_l("Who the service is for"), EVERY_LOT, True),
    "expected_people": (_l("Expected number of people"), EVERY_LOT, False),
    "duration_months": (_l("Duration"), EVERY_LOT, False),
    "procedure": (_l("Procedure"), EVERY_LOT, False),
    "conditions": (_l("Conditions of participation"), EVERY_LOT, False),
    "cost_floor_per_person_pence": (_l("Lowest cost per person"), EVERY_LOT, False),
    "question_deadline": (_l("Question deadline"), NO_BID, False),
    "closes_at": (_l("Closing time"), NO_BID, False),
    "documents": (_l("Documents"), NO_BID, False),
}
LOT_FIELDS = {
    "title": (_l("title"), True),
    "description": (_l("description of the work"), True),
    "value_pence": (_l("budget"), False),
    "reservation": (_l("who may bid"), False),
}
QUESTION_FIELDS = {
    "question": (_l("wording"), True),
    "weight": (_l("weight"), False),
    "word_limit": (_l("word limit"), False),
}
MILESTONE_FIELDS = {
    "title": (_l("title"), True),
    "percent": (_l("share of the value"), False),
    "due_month": (_l("due"), False),
}
# Text a person reads, in the language current when it is read (a page's, or an email's
# recipient's): the changes are described once and may be read in either.
Text: TypeAlias = str | LazyString


def _lazy(make: Callable[[], str]) -> LazyString:
    return LazyString(make)


@dataclass(frozen=True)
class FieldChange:
    label: Text
    before: Text
    after: Text
    affects: str  # NO_BID, ONE_LOT or EVERY_LOT
    wording: bool  # only words changed: a correction may make it
    lot_id: int | None = None  # the lot, when it affects ONE_LOT


def field_changes(before: dict, after: dict) -> list[FieldChange]:
    """Every field that differs between two snapshots, in the order of the need's pages.
    Keys missing from `before` (an amendment recorded only the sections it changed) are
    compared as unchanged."""
    found: list[FieldChange] = []
    for key, (label, affects, wording) in NEED_FIELDS.items():
        if key in before and key in after and before[key] != after[key]:
            found.append(FieldChange(label, _show(key, before[key]), _show(key, after[key]), affects, wording))
    if "lots" in before and "lots" in after:
        found += _lot_changes(before["lots"], after["lots"])
    if "criteria" in before and "criteria" in after:
        found += _criteria_changes(before["criteria"], after["criteria"])
    if "payment" in before and "payment" in after:
        found += _payment_changes(before["payment"], after["payment"])
    return found


def lots_affected(changes: list[FieldChange]) -> tuple[bool, set[int]]:
    """(every lot affected, the ids of single lots affected)."""
    return (
        any(c.affects == EVERY_LOT for c in changes),
        {c.lot_id for c in changes if c.affects == ONE_LOT and c.lot_id is not None},
    )


def not_a_correction(changes: list[FieldChange]) -> FieldChange | None:
    """The first change that is more than wording, which a correction may not make."""
    return next((c for c in changes if not c.wording), None)


def describe(amendment) -> list[FieldChange]:
    """An amendment's changes, field by field, from what it recorded."""
    changes = amendment.changes or {}
    return field_changes(
        {key: value["before"] for key, value in changes.items()},
        {key: value["after"] for key, value in changes.items()},
    )


# Lots, questions, milestones -----------------------------------------------------------


def _lot_changes(before: list[dict], after: list[dict]) -> list[FieldChange]:
    found = []
    old = _by_identity(before)
    new = _by_identity(after)
    for identity, lot in new.items():
        name = _l("Lot %(number)s (%(title)s)", number=_number(after, lot), title=lot["title"])
        if identity not in old:
            found.append(FieldChange(_l("%(name)s: added", name=name), "", _lot_text(lot), NO_BID, False))
            continue
        for key, (field, wording) in LOT_FIELDS.items():
            if old[identity].get(key) != lot.get(key):
                found.append(
                    FieldChange(
                        _l("%(name)s: %(field)s", name=name, field=field),
                        _show_lot(key, old[identity].get(key)),
                        _show_lot(key, lot.get(key)),
                        ONE_LOT,
                        wording,
                        lot.get("id"),
                    )
                )
    for identity, lot in old.items():
        if identity not in new:
            name = _l("Lot %(number)s (%(title)s)", number=_number(before, lot), title=lot["title"])
            found.append(FieldChange(_l("%(name)s: removed", name=name), _lot_text(lot), "", NO_BID, False))
    return found


def _by_identity(lots: list[dict]) -> dict:
    """Lots by id; a snapshot recorded before lots carried their id matches by position."""
    return {lot.get("id", f"#{index}"): lot for index, lot in enumerate(lots)}


def _number(lots: list[dict], lot: dict) -> int:
    return lots.index(lot) + 1


def _lot_text(lot: dict) -> str:
    return f"{lot['title']}, {format_pounds(lot['value_pence'])}"


def _criteria_changes(before: dict, after: dict) -> list[FieldChange]:
    found = _numbered(
        lambda number: _l("Question %(number)s", number=number),
        before.get("questions", []),
        after.get("questions", []),
        QUESTION_FIELDS,
        lambda q: q["question"],
    )
    for key, label in (("social_value_weight", _l("Weight of social value")), ("price_weight", _l("Weight of price"))):
        if before.get(key) != after.get(key):
            found.append(FieldChange(label, _percent(before.get(key)), _percent(after.get(key)), EVERY_LOT, False))
    # Keys a snapshot taken before they existed lacks are compared as unchanged.
    if "social_value_word_limit" in before and before["social_value_word_limit"] != after.get(
        "social_value_word_limit"
    ):
        found.append(
            FieldChange(
                _l("Word limit for social value"),
                _show("word_limit", before["social_value_word_limit"]),
                _show("word_limit", after.get("social_value_word_limit")),
                EVERY_LOT,
                False,
            )
        )
    if "short_form" in before and before["short_form"] != after.get("short_form"):
        forms = {True: _l("The short grant form"), False: _l("The need's own questions")}
        found.append(
            FieldChange(
                _l("Form"), forms[bool(before["short_form"])], forms[bool(after.get("short_form"))], EVERY_LOT, False
            )
        )
    return found


def _payment_changes(before: dict, after: dict) -> list[FieldChange]:
    found = []
    if before.get("advance_percent") != after.get("advance_percent"):
        found.append(
            FieldChange(
                _l("Advance at contract start"),
                _percent(before.get("advance_percent")),
                _percent(after.get("advance_percent")),
                EVERY_LOT,
                False,
            )
        )
    return found + _numbered(
        lambda number: _l("Milestone %(number)s", number=number),
        before.get("milestones", []),
        after.get("milestones", []),
        MILESTONE_FIELDS,
        lambda m: f"{m['title']}, {m['percent']}%",
    )


def _numbered(
    noun: Callable[[int], Text], before: list[dict], after: list[dict], fields: dict, text
) -> list[FieldChange]:
    """Changes to numbered items (questions, milestones), which every bid answers."""
    found = []
    for number in range(1, max(len(before), len(after)) + 1):
        old = before[number - 1] if number <= len(before) else None
        new = after[number - 1] if number <= len(after) else None
        if old is None:
            found.append(FieldChange(_l("%(name)s: added", name=noun(number)), "", text(new), EVERY_LOT, False))
        elif new is None:
            found.append(FieldChange(_l("%(name)s: removed", name=noun(number)), text(old), "", EVERY_LOT, False))
        else:
            for key, (field, wording) in fields.items():
                if old.get(key) != new.get(key):
                    found.append(
                        FieldChange(
                            _l("%(name)s: %(field)s", name=noun(number), field=field),
                            _show(key, old.get(key)),
                            _show(key, new.get(key)),
                            EVERY_LOT,
                            wording,
                        )
                    )
    return found


# Values as text ------------------------------------------------------------------------


def _percent(value) -> str:
    return "" if value is None else f"{value}%"


def _show_lot(key: str, value) -> Text:
    if key == "value_pence":
        return format_pounds(value) if value is not None else ""
    if key == "reservation":
        return Reservation(value).label if value in Reservation._value2member_map_ else str(value or "")
    return str(value or "")


def _show(key: str, value) -> Text:
    if value is None or value == "":
        return _l("Not given")
    if key in ("question_deadline", "closes_at"):
        return _lazy(lambda: london(datetime.fromisoformat(value)))
    if key == "cost_floor_per_person_pence":
        return format_pounds(value)
    if key == "duration_months":
        return _lazy(lambda: ngettext("%(num)d month", "%(num)d months", int(value)))
    if key in ("weight", "percent"):
        return _percent(value)
    if key == "word_limit":
        return _l("%(count)s words", count=value)
    if key == "due_month":
        return _l("month %(number)s", number=value)
    if key == "procedure":
        return Procedure(value).label if value in Procedure._value2member_map_ else str(value)
    if key == "conditions":
        return _lazy(
            lambda: (
                "; ".join(
                    str(CONDITION_LABELS.get(Condition(c), c)) if c in Condition._value2member_map_ else c
                    for c in value
                )
                or _("None")
            )
        )
    if key == "pdus":
        return _lazy(lambda: _names(reference_names().local("areas"), value))
    if key == "outcomes":
        return _lazy(lambda: _names(reference_names().local("outcomes"), value))
    if key == "category":
        return _lazy(lambda: _names(reference_names().local("categories"), [value]))
    if key == "documents":
        return "; ".join(d["filename"] for d in value) or _l("None")
    return str(value)


def _names(names: Mapping[str, str], codes: list[str]) -> str:
    """Reference rows named from the process's reference data (no query), in the page's language."""
    return "; ".join(names.get(code, code) for code in codes) or _("None")
