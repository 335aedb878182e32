"""Every page the demo's people reach, in Welsh, is in Welsh: a person who switches to
Cymraeg meets no sentence of the English catalogue on any page they can open by its links
(what people typed, such as a need's English title, is shown as written)."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from marketplace.contracts.models import Contract
from marketplace.demo.bids import FINISHED_NEED
from marketplace.extensions import db
from marketplace.needs.models import Need

from ..crawl import DEMO_PEOPLE, crawl
from ..helpers import DEMO_PASSWORD, sign_in

# Not marked `clock`: the demo is dated from now, but what is checked (no English sentence
# on a Welsh page) does not depend on the instant, so it runs once, not at every fixed one.

CATALOGUE = Path(__file__).resolve().parents[2] / "marketplace/translations/cy/LC_MESSAGES/messages.po"
WELSH_PEOPLE = ("comisiynydd@demo.test", "elusen@demo.test")
PAGES_EACH = 60
# A fragment of an English message long enough not to turn up by chance in what people typed.
MIN_WORDS = 4
_SPLIT = re.compile(r"%\(\w+\)[sd]|<[^>]*>|[.:;?!]\s")


def english_fragments() -> set[str]:
    """The English of every translated message, cut at its placeholders, tags and sentence
    ends, each piece of MIN_WORDS words or more."""
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po, locale="cy")
    fragments = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not message.id or set(ids) == set(strings):
            continue
        for text in ids:
            for piece in _SPLIT.split(text):
                piece = " ".join(piece.split()).strip(" ,().?!:;")
                if len(piece.split()) >= MIN_WORDS:
                    fragments.add(piece)
    return fragments


class _Visible(HTMLParser):
    """The text a person reads, without scripts, styles, hidden templates, and what is
    marked as English (`lang="en"`: the switch's link, text shown as it was written)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skip = self._skipping or tag in ("script", "style", "template") or attrs.get("lang") == "en"
        if skip and tag not in ("br", "img", "input", "meta", "link", "hr"):
            self._skipping.append(tag)

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()

    def handle_data(self, data):
        if not self._skipping:
            self.text.append(data)


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return " ".join(" ".join(parser.text).split())


def test_the_check_finds_an_english_sentence_on_a_welsh_page():
    fragments = english_fragments()
    assert "Which language do you want to use the service in" in fragments
    assert "Menu" not in fragments  # too short to tell from what people typed
    html = '<p>Mae problem wedi codi</p><p lang="en">Women on probation</p><script>let a = "Sign in"</script>'
    assert visible_text(html) == "Mae problem wedi codi"


def test_every_page_the_demo_people_reach_in_welsh_is_in_welsh(demo_app, demo_session, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("what a page says does not depend on the database: once, on SQLite, is enough")
    app = demo_app
    need = db.session.scalar(sa.select(Need).where(Need.title == FINISHED_NEED))
    contract = db.session.scalar(sa.select(Contract).where(Contract.need_id == need.id))
    starts = ["/", "/needs", f"/contracts/{contract.id}"]
    fragments = english_fragments()
    english = []
    for email in (None, *DEMO_PEOPLE, *WELSH_PEOPLE):
        client = app.test_client()
        client.get("/?lang=cy")
        if email is not None:
            assert sign_in(client, email, DEMO_PASSWORD).status_code == 302, email
        for url, page in crawl(client, starts, pages=PAGES_EACH):
            text = visible_text(page.html)
            english += [(email, url, fragment) for fragment in fragments if fragment in text]
    assert english == [], "\n".join(map(str, english))
