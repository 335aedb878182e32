"""Every string a person reads is in Welsh too: the Welsh catalogue translates every
message the code and templates give gettext (as `make translations` extracts them), none
left fuzzy or with other placeholders; and no template shows English text of its own,
outside gettext (`{{ _("...") }}`)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from jinja2 import Environment

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "marketplace/translations/cy/LC_MESSAGES/messages.po"
# As in the Makefile's BABEL_KEYWORDS and babel.cfg.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "lazy_gettext": None,
    "_l": None,
    "lazy_pgettext": ((1, "c"), 2),
}
TEMPLATES = ROOT / "templates"


def _extracted() -> dict[tuple[str, str | None], str]:
    """Every message for gettext in marketplace/ and templates/: {(msgid, context): where}.
    Jinja's extractor skips a template it cannot parse, silently: it is given the `do`
    extension the templates use (as babel.cfg gives it)."""
    found: dict[tuple[str, str | None], str] = {}
    jinja = {"extensions": "jinja2.ext.do"}
    for folder, method_map in (
        (ROOT / "marketplace", [("**.py", "python")]),
        (TEMPLATES, [("**.html", "jinja2"), ("emails/**.txt", "jinja2")]),
    ):
        options = {pattern: jinja for pattern, method in method_map if method == "jinja2"}
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(folder), method_map, options, keywords=KEYWORDS
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            found.setdefault((msgid, context), f"{folder.name}/{filename}:{lineno}")
    return found


@pytest.fixture(scope="module")
def welsh():
    with CATALOGUE.open("rb") as po:
        return read_po(po, locale="cy")


def test_every_message_has_a_welsh_translation(welsh):
    missing = []
    for (msgid, context), where in sorted(_extracted().items()):
        message = welsh.get(msgid, context)
        if message is None or not message.string or (isinstance(message.string, tuple) and not all(message.string)):
            missing.append(f"{where}: {msgid!r}")
        elif message.fuzzy:
            missing.append(f"{where}: {msgid!r} (fuzzy)")
    assert not missing, "Not translated into Welsh (make translations, then translate):\n" + "\n".join(missing)


def test_welsh_translations_keep_the_placeholders(welsh):
    wrong = [f"{message.id!r}: {', '.join(map(str, errors))}" for message, errors in welsh.check()]
    assert not wrong, "\n".join(wrong)


# --- No English outside gettext in the templates --------------------------------------

# Dict keys of the GOV.UK macros' params whose values people read.
_TEXT_KEYS = {
    "text",
    "html",
    "titleText",
    "visuallyHiddenText",
    "descriptionText",
    "summaryText",
    "label",
    "caption",
    "hint",
    "legend",
    "messages",
}
# Words that are the same in both languages.
_SAME_IN_BOTH = {"GOV.UK", "English", "Cymraeg", "OCDS", "CSV", "JSON", "PDF", "360Giving", "Local Partners"}
# Attributes whose values people read (or hear).
_TEXT_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "aria-description"}
_LETTERS = re.compile(r"[A-Za-z]{2,}")
# Text joined into a sentence: two words, or a capitalised one.
_WORDS = re.compile(r"[A-Za-z]+\s+[A-Za-z]|^[A-Z][a-z]")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.in_code = False

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.in_code = False

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.in_code = True
        for name, value in attrs:
            if name in _TEXT_ATTRIBUTES and value and _LETTERS.search(value):
                self.found.append(f"line {self.getpos()[0]}: {name}={value!r}")

    def handle_data(self, data):
        if not self.in_code and _LETTERS.search(data) and data.strip() not in _SAME_IN_BOTH:
            self.found.append(f"line {self.getpos()[0]}: {data.strip()}")


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


def _untranslated(source: str, plain_text: bool) -> list[str]:
    """The English a template shows outside gettext: its text between tags (all of it in a
    plain-text email), the readable attributes, and the string literals given to a GOV.UK
    macro's text keys or joined (`~`) into text."""
    # The template without its Jinja (each construct a mark with no letters, keeping its
    # lines), read as HTML or as the plain text it is.
    bare = _JINJA.sub(lambda match: "x0" + "\n" * match.group().count("\n"), source)
    if plain_text:
        found = [f"line {n}: {line.strip()}" for n, line in enumerate(bare.splitlines(), 1) if _LETTERS.search(line)]
    else:
        parser = _Text()
        parser.feed(bare)
        found = parser.found
    tokens = list(Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"]).lexer.tokenize(source))
    for index, token in enumerate(tokens):
        if token.type != "string" or not _LETTERS.search(token.value) or token.value in _SAME_IN_BOTH:
            continue
        before = tokens[index - 1].type if index else None
        key = tokens[index - 2].value if before == "colon" and index >= 2 else None
        joined = before == "tilde" or (index + 1 < len(tokens) and tokens[index + 1].type == "tilde")
        words = re.sub(r"<[^>]*>", "", token.value).strip()
        if key in _TEXT_KEYS or (before != "colon" and joined and _WORDS.search(words)):
            found.append(f"line {token.lineno}: {token.value!r}")
    return found


def _templates() -> list[Path]:
    paths = sorted(TEMPLATES.rglob("*.html")) + sorted((TEMPLATES / "emails").glob("*.txt"))
    return [path for path in paths if "govuk_frontend" not in path.parts[-2]]


@pytest.mark.parametrize("path", _templates(), ids=lambda path: str(path.relative_to(TEMPLATES)))
def test_a_template_shows_no_english_outside_gettext(path):
    found = _untranslated(path.read_text(), plain_text=path.suffix == ".txt")
    assert not found, f"{path.relative_to(ROOT)}: wrap in {{{{ _('...') }}}}:\n" + "\n".join(found)


def test_the_check_finds_english_in_each_place_it_may_hide():
    html = """<p>Hello there</p><img alt="A chart"> {{ govukButton({"text": "Save and continue"}) }}
    {{ "<strong>" ~ count ~ " bids received</strong>" }} {{ _("Fine") }} {{ x({"classes": "govuk-x"}) }}"""
    found = _untranslated(html, plain_text=False)
    assert found == [
        "line 1: Hello there",
        "line 1: alt='A chart'",
        "line 1: 'Save and continue'",
        "line 2: ' bids received</strong>'",
    ]
    assert _untranslated("Dear {{ name }},\n\nYour bid was received.\n", plain_text=True) == [
        "line 1: Dear x0,",
        "line 3: Your bid was received.",
    ]
