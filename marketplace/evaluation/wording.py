"""The evaluation's words in the reader's language (English or Welsh, by gettext).

The services name the states they work out in English (`"Submitted"`, `"Scores agreed"`),
and the pages compare them: `state_label` turns one into the reader's words when shown.
An assessment summary is frozen as plain JSON when it is sent; what it says (the result,
why, each part's name) is put into words when it is read, in the language of the page or
of the email (`explain_summary`, `summary_part_label`, `summary_part_title`), so a
bidder reads it wholly in their language. Summaries frozen before they held the facts
for this are read as they were written.
"""

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import current_language

# Each state a service works out, as the reader reads it.
STATES = {
    "Submitted": _l("Submitted"),
    "Scores agreed": _l("Scores agreed"),
    "Explanation accepted": _l("Explanation accepted"),
    "Draft saved": _l("Draft saved"),
    "Ready to moderate": _l("Ready to moderate"),
    "To score": _l("To score"),
    "Not started": _l("Not started"),
    "Not declared yet": _l("Not declared yet"),
    "Waiting for scores": _l("Waiting for scores"),
    "Conflict declared": _l("Conflict declared"),
    "Rejected as abnormally low": _l("Rejected as abnormally low"),
    "Bid rejected": _l("Bid rejected"),
    "Moderation closed": _l("Moderation closed"),
    "Explanation not asked for yet": _l("Explanation not asked for yet"),
    "Explanation received: decide": _l("Explanation received: decide"),
    "Waiting for the bidder's explanation": _l("Waiting for the bidder's explanation"),
}

# A bidder's result, as its summary names it.
RESULTS = {
    "won": _l("Your bid won"),
    "not_won": _l("Your bid did not win"),
    "rejected": _l("Your bid was rejected"),
    "not_awarded": _l("The lot was not awarded"),
}

# How a summary's explanation opens, by what happened (summaries.py's `explained.kind`);
# the reasons given follow it.
_OPENINGS = {
    "not_awarded": _l("The lot was not awarded."),
    "won_first": _l("Your bid had the highest total score."),
    "won_chosen": _l("Your bid was chosen."),
    "rejected": _l("Your bid was rejected as abnormally low."),
    "not_won": _l("Your bid did not win."),
}
_COMPARED = {"lower", "same", "higher"}
SOCIAL_VALUE_ON_SHORT_FORM = _l("Social value is part of the answer to question 3")


def local_title(need) -> LazyString:
    """The need's title in the language it is read in (an email's subject is put into
    words in its recipient's language)."""
    return LazyString(lambda: need.local_title)


def state_label(state: str | None) -> str:
    """A state a service worked out, in the reader's words."""
    if state is None:
        return ""
    return str(STATES[state]) if state in STATES else state


def result_label(result: str) -> str:
    return str(RESULTS[result]) if result in RESULTS else result


def _compared(kind: str, ours: str | None, theirs: str | None) -> str:
    if kind == "lower":
        return _("Your total of %(ours)s points was lower than the winning bid's %(theirs)s.", ours=ours, theirs=theirs)
    if kind == "same":
        return _(
            "Your total of %(ours)s points was the same as the winning bid's %(theirs)s.", ours=ours, theirs=theirs
        )
    return _("Your total of %(ours)s points was higher than the winning bid's %(theirs)s.", ours=ours, theirs=theirs)


def explain_summary(content: dict) -> str:
    """Why the bidder got its result: how it went, in the reader's language, then the
    reasons given (as written)."""
    explained = content.get("explained")
    if not explained:
        return content.get("why", "")
    kind = explained["kind"]
    opening = _compared(kind, explained.get("ours"), explained.get("theirs")) if kind in _COMPARED else _OPENINGS[kind]
    return f"{opening} {explained.get('reason') or ''}".strip()


def summary_need_title(content: dict) -> str:
    """The need's title as the summary froze it, in Welsh on a Welsh page when it had one."""
    need = content["need"]
    return need["title_cy"] if need.get("title_cy") and current_language() == "cy" else need["title"]


def summary_part_label(part: dict) -> str:
    """A scored part's name ("Question 2", "Social value") in the reader's language."""
    if "number" not in part:
        return part["label"]
    if part["number"] is None:
        return _("Social value")
    return _("Question %(number)s", number=part["number"])


def summary_part_title(part: dict) -> str:
    """A scored part's name and its question ("Question 2: What will you deliver?")."""
    label = summary_part_label(part)
    question = part.get("question")
    if "number" in part and part["number"] is None:
        question = str(SOCIAL_VALUE_ON_SHORT_FORM) if question != part["label"] else None
    if not question or question == part["label"]:
        return label
    return _("%(part)s: %(question)s", part=label, question=question)


def summary_advisers(content: dict) -> str | None:
    """That a lived-experience adviser scored, and which parts, when one did (None when
    none did, or the summary was frozen before advisers sat on panels)."""
    scored = content.get("adviser_parts") or []
    if not scored:
        return None
    return _(
        "A lived-experience adviser, someone with experience of probation, was on the panel and scored: %(parts)s.",
        parts=", ".join(summary_part_label(part) for part in scored),
    )
