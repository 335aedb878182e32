"""How long what people write may be: the one rule for every free-text box, used by the
forms (forms.FreeText, with the GOV.UK character count) and again by the services that
save the text.

Every free text has a character limit. One with a word limit (a bid's answers, social
value, a score's justification, reasons, a report's narrative...) has a character limit
derived from it: CHARACTERS_PER_WORD for each word allowed. Words in English average
about six characters with their space and punctuation, and the long words of this work
("rehabilitation", "accommodation", a web address now and then) stay well within ten, so
nobody writing within the word limit meets it; but 10,000 characters in a few long
"words" (a pasted table, text with its spaces lost) is refused, where counting words
alone let it through. Text without a word limit has a fixed number of characters.

Both are counted as the GOV.UK character count counts them in the browser: words are
runs of characters that are not spaces, and a line break is one character (browsers send
it as two, CR LF: the person saw one).
"""

from flask_babel import gettext as _

CHARACTERS_PER_WORD = 10


def word_count(text: str | None) -> int:
    return len((text or "").split())


def character_count(text: str | None) -> int:
    return len((text or "").replace("\r\n", "\n"))


def character_limit(word_limit: int) -> int:
    """The characters allowed in a text of at most `word_limit` words."""
    return word_limit * CHARACTERS_PER_WORD


def too_long(text: str | None, *, noun: str, words: int | None = None, characters: int | None = None) -> str | None:
    """Why `text` is too long ("<noun> must be 500 words or fewer", then "<noun> must be
    5,000 characters or fewer"), or None when it is within its limits. `characters`
    defaults to the character limit of `words`."""
    if characters is None and words is not None:
        characters = character_limit(words)
    if words is not None and word_count(text) > words:
        return _("%(label)s must be %(count)s words or fewer", label=noun, count=f"{words:,}")
    if characters is not None and character_count(text) > characters:
        return _("%(label)s must be %(max)s characters or fewer", label=noun, max=f"{characters:,}")
    return None
