"""Every free text has a character limit as well as any word limit (textlimits.py), kept
by the forms (forms.FreeText, with the GOV.UK character count) and again by the services."""

import re
from pathlib import Path

import pytest
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from marketplace.forms import FreeText
from marketplace.refusals import Refusal, written
from marketplace.textlimits import (
    CHARACTERS_PER_WORD,
    character_count,
    character_limit,
    too_long,
    word_count,
)

# 10,000 characters in ten "words": within any word limit, far over any character limit.
FEW_LONG_WORDS = " ".join(["x" * 1000] + ["x" * 999] * 9)
MARKETPLACE = Path(__file__).resolve().parent.parent / "marketplace"


def test_a_word_limit_brings_a_character_limit_of_ten_characters_a_word():
    assert CHARACTERS_PER_WORD == 10
    assert character_limit(300) == 3_000
    assert len(FEW_LONG_WORDS) == 10_000 and word_count(FEW_LONG_WORDS) == 10


def test_text_is_counted_as_the_govuk_character_count_counts_it():
    # Browsers send a line break as CR LF; the person saw, and the count in the page said, one.
    assert character_count("one\r\ntwo") == 7 == character_count("one\ntwo")
    assert word_count(" one\ttwo\r\nthree  ") == 3
    assert character_count(None) == word_count(None) == 0


def test_too_long_names_the_word_limit_first_then_the_characters():
    assert too_long("a b c", noun="Your answer", words=2) == "Your answer must be 2 words or fewer"
    assert too_long(FEW_LONG_WORDS, noun="Your answer", words=500) == "Your answer must be 5,000 characters or fewer"
    assert too_long(FEW_LONG_WORDS, noun="Your answer", words=1_000) is None  # 10,000 is not over 10,000
    assert too_long("x" * 2_001, noun="The reason", characters=2_000) == "The reason must be 2,000 characters or fewer"
    lines = "\r\n".join(["word " * 99 + "word"] * 10)  # 4,999 characters as typed, 5,008 as sent
    assert too_long(lines, noun="Text", characters=4_999) is None


def _form(app, text: str, **field):
    class Form(FlaskForm):
        class Meta:
            csrf = False

        text_box = FreeText("Text", noun="Your answer", **field)

    with app.test_request_context(method="POST"):
        form = Form(formdata=MultiDict({"text_box": text}))
        form.validate()
        return form, str(form.text_box())


def test_a_free_text_with_a_word_limit_refuses_10000_characters_in_a_few_words(app):
    form, html = _form(app, FEW_LONG_WORDS, words=500)
    assert form.text_box.errors == ["Your answer must be 5,000 characters or fewer"]
    assert FEW_LONG_WORDS in html  # what was typed stays in the box
    # The character count counts words, the binding limit, and the hint gives the characters.
    assert 'data-module="govuk-character-count"' in html and 'data-maxwords="500"' in html
    assert "data-maxlength" not in html and "No more than 5,000 characters, including spaces." in html
    form, _ = _form(app, " ".join(["word"] * 500), words=500)
    assert form.text_box.errors == []


def test_a_free_text_without_a_word_limit_counts_characters(app):
    form, html = _form(app, "x" * 2_001, characters=2_000)
    assert form.text_box.errors == ["Your answer must be 2,000 characters or fewer"]
    assert 'data-maxlength="2000"' in html and "data-maxwords" not in html


def test_a_draft_over_its_limits_is_kept_to_be_saved_but_not_beyond_the_ceiling(app):
    form, _ = _form(app, FEW_LONG_WORDS, words=500, draft=True)
    assert form.text_box.errors == []  # saved as typed; the view then calls limit_errors
    form, _ = _form(app, "x" * 20_001, words=500, draft=True)
    assert form.text_box.errors == ["Your answer must be 5,000 characters or fewer"]


def test_services_refuse_text_over_the_characters_of_its_word_limit():
    with pytest.raises(Refusal) as refused:
        written(Refusal, FEW_LONG_WORDS, field="reasons", noun="The reasons", limit=500)
    assert (refused.value.message, refused.value.field) == ("The reasons must be 5,000 characters or fewer", "reasons")
    assert written(Refusal, "  Fine.  ", field="reasons", noun="The reasons", limit=500) == "Fine."


def test_every_free_text_box_is_a_free_text_with_its_limits():
    """A bare TextAreaField (or a text area widget) would have no character limit and no
    character count: every box for free text is a forms.FreeText."""
    bare = re.compile(r"\bTextAreaField\(|\bGovTextArea\(|\bGovCharacterCount\(")
    offenders = [
        str(path.relative_to(MARKETPLACE))
        for path in MARKETPLACE.rglob("*.py")
        if path.name != "forms.py" or path.parent != MARKETPLACE
        if bare.search(path.read_text())
    ]
    assert offenders == []
