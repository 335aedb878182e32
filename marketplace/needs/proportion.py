"""Proportionate bids: how many words a need may ask for, the short grant form, and an
honest estimate of the time a bid takes. Every number is here, and in the README.

The word budget. The words a need may ask for in all (every quality question's word
limit, plus the social value answer's limit) are capped by the value of its largest lot:
600 words when it is under £25,000, 1,200 under £100,000, 2,000 otherwise. A need with no
lots yet may ask for the most (2,000); its lots then decide.

The short grant form. A need let as a grant with every lot under £25,000 may use three
fixed questions of 200 words each (600 in all), scored by the same rules. It has no
separate social value answer: social value is part of the answer to question 3.

The time estimate (`estimate`), from what the bidder reads, the pages and fields they
go through and the words they write:
- reading: the words of the need's summary, cohort, lots' titles and descriptions, the
  quality questions and the conditions of participation, at 200 words a minute, plus
  2 minutes for each of the need's documents;
- pages and fields, at 20 seconds each. Pages: starting the bid, the task list (once
  after starting and again after each section), each section's page (answers, price,
  social value unless on the short form, local presence, declarations), checking and
  submitting, and the receipt. Fields: the choice of lot (when there is more than one),
  one per quality question, the price, the number of people, social value (not on the
  short form), local presence and the declarations (one group);
- writing: two thirds of the words asked, at 15 words a minute;
and, for the most it could take, the same with every answer written to its limit.
Each part is rounded up to a whole minute; the total is the sum of the parts.
"""

import math
from dataclasses import dataclass
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import in_language
from ..money import format_pounds
from ..textlimits import word_count
from .models import Need, NeedError, Procedure

# The word budget -----------------------------------------------------------------------

# (the largest lot is below this many pence, the need may ask for this many words)
WORD_BUDGETS = ((2_500_000, 600), (10_000_000, 1_200))
LARGEST_WORD_BUDGET = 2_000

# The social value answer's word limit, set per need.
SOCIAL_VALUE_WORDS_MIN = 50
SOCIAL_VALUE_WORDS_MAX = 500
SOCIAL_VALUE_WORDS_DEFAULT = 250

# A new quality question's word limit starts at this (or what the budget leaves).
NEW_QUESTION_WORDS = 300
QUESTION_WORDS_MIN = 50

# The short grant form ------------------------------------------------------------------

# Every lot must be below this for a grant to use the short form.
SHORT_FORM_LOT_LIMIT_PENCE = 2_500_000
# The three fixed questions: (question, word limit).
SHORT_FORM_QUESTIONS = (
    ("What will you do?", 200),
    ("Who is it for, and how many people will you work with?", 200),
    (
        "What will change for the people you work with, and what social value will your work bring "
        "(for example local jobs, volunteering or people with lived experience)?",
        200,
    ),
)
SHORT_FORM_SOCIAL_VALUE_NOTE = _l("Social value is part of the answer to question 3")

# The time estimate ---------------------------------------------------------------------

READING_WORDS_PER_MINUTE = 200
MINUTES_PER_DOCUMENT = 2
SECONDS_PER_PAGE_OR_FIELD = 20
WRITING_WORDS_PER_MINUTE = 15
SHARE_OF_LIMIT_WRITTEN = Fraction(2, 3)


# The word budget -----------------------------------------------------------------------


def largest_lot_pence(need: Need) -> int | None:
    return max((lot.value_pence for lot in need.lots), default=None)


def budget_for(largest_lot: int | None) -> int:
    """The words a need may ask for in all when its largest lot is worth `largest_lot`
    pence (None: no lots yet, so the largest budget)."""
    if largest_lot is None:
        return LARGEST_WORD_BUDGET
    return next((words for below, words in WORD_BUDGETS if largest_lot < below), LARGEST_WORD_BUDGET)


def word_budget(need: Need) -> int:
    return budget_for(largest_lot_pence(need))


def words_asked(need: Need) -> int:
    """Every quality question's word limit, plus the social value answer's (none on the
    short form)."""
    questions = sum(c.word_limit for c in need.criteria)
    return questions + (0 if need.short_form else social_value_words(need))


def social_value_words(need: Need) -> int:
    if need.social_value_word_limit is None:  # a need not yet flushed: the model default
        return SOCIAL_VALUE_WORDS_DEFAULT
    return need.social_value_word_limit


def band(largest_lot: int) -> str:
    """Which band of budget a largest lot falls in: 'under £25,000', '£100,000 or more'."""
    for below, _words in WORD_BUDGETS:
        if largest_lot < below:
            return _("under %(value)s", value=format_pounds(below, whole=True))
    return _("%(value)s or more", value=format_pounds(WORD_BUDGETS[-1][0], whole=True))


def budget_reason(need: Need) -> str:
    """Why the budget is what it is, to follow 'because'."""
    largest = largest_lot_pence(need)
    if largest is None:
        return _("it has no lots yet, and no need may ask for more")
    return _("its largest lot is %(band)s", band=band(largest))


def over_budget_message(need: Need, *, of_questions: bool = False) -> str:
    """The refusal, naming the budget: 'This need may ask for 600 words in all, because
    its largest lot is under £25,000. These limits ask for 750 words: take off 150.'
    `of_questions`: a lot's budget was lowered, so the questions (and social value) are
    what asks too much, and the commissioner is told what to do first."""
    budget, asked = word_budget(need), words_asked(need)
    numbers = {
        "budget": f"{budget:,}",
        "reason": budget_reason(need),
        "asked": f"{asked:,}",
        "over": f"{asked - budget:,}",
    }
    if of_questions:
        return _(
            "This need may ask for %(budget)s words in all, because %(reason)s. Its questions and social value "
            "ask for %(asked)s words: take off %(over)s. Shorten their word limits on the evaluation criteria "
            "step first, or keep the lot's budget.",
            **numbers,
        )
    return _(
        "This need may ask for %(budget)s words in all, because %(reason)s. These limits ask for %(asked)s words: "
        "take off %(over)s.",
        **numbers,
    )


def budget_state(need: Need) -> tuple[int, int]:
    """(words asked, budget), to compare before and after a change (keep_within_budget)."""
    return words_asked(need), word_budget(need)


def keep_within_budget(need: Need, before: tuple[int, int], *, field: str | None, of_questions: bool = False) -> None:
    """Refuse a change that leaves the need over its budget when it asked for more words
    or lowered the budget. (An older need already over its budget may still be changed in
    other ways, and shortened; it cannot be published until it fits.)"""
    asked, budget = budget_state(need)
    if asked > budget and (asked > before[0] or budget < before[1]):
        raise NeedError(over_budget_message(need, of_questions=of_questions), field)


@dataclass(frozen=True)
class BudgetSummary:
    """What the criteria step shows: the budget, what is asked and what is left."""

    budget: int
    largest_lot_pence: int | None
    band: str | None  # 'under £25,000', ..., or None with no lots
    questions: int
    social_value: int | None  # None on the short form (no separate answer)
    asked: int
    left: int


def budget_summary(need: Need) -> BudgetSummary:
    asked, largest = words_asked(need), largest_lot_pence(need)
    return BudgetSummary(
        budget=word_budget(need),
        largest_lot_pence=largest,
        band=None if largest is None else band(largest),
        questions=sum(c.word_limit for c in need.criteria),
        social_value=None if need.short_form else social_value_words(need),
        asked=asked,
        left=word_budget(need) - asked,
    )


def words_left(need: Need) -> int:
    return word_budget(need) - words_asked(need)


def new_question_words(need: Need) -> int:
    """The word limit a new quality question starts at: 300, or what the budget leaves
    (but at least 50)."""
    return max(QUESTION_WORDS_MIN, min(NEW_QUESTION_WORDS, words_left(need)))


# The short grant form ------------------------------------------------------------------


def short_form_allowed(need: Need) -> bool:
    """A grant whose every lot is under £25,000 (and has at least one lot)."""
    return (
        need.procedure == Procedure.GRANT
        and bool(need.lots)
        and all(lot.value_pence < SHORT_FORM_LOT_LIMIT_PENCE for lot in need.lots)
    )


def short_form_limit_text() -> str:
    return format_pounds(SHORT_FORM_LOT_LIMIT_PENCE, whole=True)


# The time estimate ---------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """How long a bid for a need takes, in whole minutes (each part rounded up)."""

    reading_words: int
    documents: int
    reading_minutes: int
    pages: int
    fields: int
    form_minutes: int
    words_asked: int
    writing_minutes: int
    total_minutes: int
    total_at_limit_minutes: int

    # The method's constants, for the page that explains it (not fields).
    reading_words_per_minute = READING_WORDS_PER_MINUTE
    minutes_per_document = MINUTES_PER_DOCUMENT
    seconds_per_page_or_field = SECONDS_PER_PAGE_OR_FIELD
    writing_words_per_minute = WRITING_WORDS_PER_MINUTE


def bid_sections(need: Need) -> int:
    """The sections every bidder fills in: answers, price, social value (not on the short
    form), local presence, declarations. (Partners and documents are optional.)"""
    return 4 if need.short_form else 5


def bid_pages(need: Need) -> int:
    """Starting the bid, the task list after starting and after each section, each
    section's page, checking and submitting, the receipt."""
    sections = bid_sections(need)
    return 1 + (sections + 1) + sections + 1 + 1


def bid_fields(need: Need) -> int:
    """The lot (when there is a choice), one per question, the price, the number of
    people, social value (not on the short form), local presence, the declarations."""
    return (1 if len(need.lots) > 1 else 0) + len(need.criteria) + 2 + (0 if need.short_form else 1) + 1 + 1


def reading_words(need: Need) -> int:
    """The words of what a bidder reads: summary, cohort, lots, questions, conditions."""
    texts = [need.summary, need.cohort]
    texts += [part for lot in need.lots for part in (lot.title, lot.description)]
    texts += [c.question for c in need.criteria]
    with in_language("en"):  # the same count on either language's page
        texts += need.condition_labels
    return sum(word_count(text) for text in texts)


def _reading_minutes(words: int, documents: int) -> int:
    return math.ceil(Fraction(words, READING_WORDS_PER_MINUTE)) + MINUTES_PER_DOCUMENT * documents


def _form_minutes(pages: int, fields: int) -> int:
    return math.ceil(Fraction((pages + fields) * SECONDS_PER_PAGE_OR_FIELD, 60))


def _writing_minutes(words: int) -> int:
    return math.ceil(words * SHARE_OF_LIMIT_WRITTEN / WRITING_WORDS_PER_MINUTE)


def minutes_for(need: Need, *, pages: int, fields: int, words: int) -> int:
    """The estimate's method applied to what a bidder actually went through (pages seen,
    fields filled, words asked by the boxes they wrote in), with the need's reading."""
    documents = sum(1 for d in need.documents if d.removed_at is None)
    return _reading_minutes(reading_words(need), documents) + _form_minutes(pages, fields) + _writing_minutes(words)


def estimate(need: Need) -> Estimate:
    words = reading_words(need)
    documents = sum(1 for d in need.documents if d.removed_at is None)
    reading = _reading_minutes(words, documents)
    pages, fields = bid_pages(need), bid_fields(need)
    form = _form_minutes(pages, fields)
    asked = words_asked(need)
    writing = _writing_minutes(asked)
    at_limit = math.ceil(Fraction(asked, WRITING_WORDS_PER_MINUTE))
    return Estimate(
        reading_words=words,
        documents=documents,
        reading_minutes=reading,
        pages=pages,
        fields=fields,
        form_minutes=form,
        words_asked=asked,
        writing_minutes=writing,
        total_minutes=reading + form + writing,
        total_at_limit_minutes=reading + form + at_limit,
    )
