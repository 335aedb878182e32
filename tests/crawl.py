"""Following the links of the portal's pages as a signed-in demo person would, to check
every page they reach (tests/test_prevent_double_click.py, tests/i18n/test_welsh_pages.py).
Each kind of page is opened a few times, not every need's: a page's address with its
numbers taken out is its shape, and each shape is opened at most PAGES_PER_SHAPE times.
The language switch is not followed: a crawl stays in the language it started in."""

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

DEMO_PEOPLE = (
    "admin@demo.test",
    "commissioner@demo.test",
    "evaluator@demo.test",
    "board@demo.test",
    "finance@demo.test",
    "charity@demo.test",
    "cic@demo.test",
    "bigco@demo.test",
)
# Pages each person opens, at most, and of one shape (the address with its numbers
# taken out: /needs/<n>/bids/<n>) at most so many: every kind of page, not every need.
PAGES_PER_PERSON = 120
PAGES_PER_SHAPE = 4
NOT_PAGES = re.compile(r"^/(assets|static)/|\.(csv|pdf|json|jsonl\.gz|zip)$|/download|/documents/\d+$|/evidence/\d+$")


class _Forms(HTMLParser):
    """The forms of a page: each one's method and action, and its submit buttons' attributes;
    and the page's links."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: list[str] = []
        self._open: list[dict] = []
        self._button: dict | None = None
        self.html = ""

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        if tag == "form":
            form = {"method": attrs.get("method", "get").lower(), "action": attrs.get("action", ""), "buttons": []}
            self.forms.append(form)
            self._open.append(form)
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif self._open and (
            (tag == "button" and attrs.get("type", "submit").lower() == "submit")
            or (tag == "input" and attrs.get("type", "").lower() in ("submit", "image"))
        ):
            self._button = {**attrs, "text": attrs.get("value", "")}
            self._open[-1]["buttons"].append(self._button)

    def handle_data(self, data):
        if self._button is not None:
            self._button["text"] += data

    def handle_endtag(self, tag):
        if tag == "button":
            self._button = None
        elif tag == "form" and self._open:
            self._open.pop()


def shape(path: str) -> str:
    return re.sub(r"\d+", "<n>", path)


def crawl(client, starts: list[str], *, pages: int = PAGES_PER_PERSON):
    """Open pages from `starts` by their links, as the signed-in person would: yields
    (address, parsed page)."""
    queue, seen, shapes = list(starts), set(starts), defaultdict(int)
    opened = 0
    while queue and opened < pages:
        url = queue.pop(0)
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        opened += 1
        page = _Forms()
        page.html = response.get_data(as_text=True)
        page.feed(page.html)
        yield url, page
        for href in page.links:
            href, _ = urldefrag(href)
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/") or NOT_PAGES.search(parts.path):
                continue
            if (
                "sign-out" in parts.path
                or "lang=" in parts.query
                or href in seen
                or shapes[shape(parts.path)] >= PAGES_PER_SHAPE
            ):
                continue
            seen.add(href)
            shapes[shape(parts.path)] += 1
            queue.append(href)
