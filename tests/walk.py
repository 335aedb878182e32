"""Walking the portal as a person would, through its pages, and counting what it asks of
them: the pages they see, the fields they fill, and the words the boxes they write in ask
for.

- A page is every HTML response a person sees: a redirect is followed, as a browser does,
  and only the page it ends on counts.
- A field is a box, a group of radios or checkboxes, or a list the person changes from
  what the page offered (a prefilled answer left alone is not a field they filled).
- The words asked are the word limits (`data-maxwords`, the GOV.UK character count) of
  the boxes they write in.

A form is sent as a browser sends it: every input with the value the page gave it (hidden
ones, the CSRF token, prefilled boxes and ticked boxes included), with the person's
changes on top.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Form:
    action: str | None
    method: str
    defaults: dict[str, list[str]] = field(default_factory=dict)
    max_words: dict[str, int] = field(default_factory=dict)


class _Forms(HTMLParser):
    """Every form of a page, with the values its inputs start with."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    @property
    def _form(self) -> Form | None:
        return self.forms[-1] if self.forms else None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(action=a.get("action"), method=a.get("method", "get").lower()))
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            values = self._form.defaults.setdefault(a["name"], [])
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    values.append(a.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                values.append(a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._form.defaults.setdefault(a["name"], [])
        elif tag == "option" and self._select and "selected" in a:
            self._form.defaults[self._select].append(a.get("value", ""))
        elif tag == "div" and "data-maxwords" in a and self._form is not None:
            self._pending_max_words = int(a["data-maxwords"])

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea and self._form is not None:
            self._form.defaults[self._textarea] = ["".join(self._text).lstrip("\n")]
            limit = getattr(self, "_pending_max_words", None)
            if limit:
                self._form.max_words[self._textarea] = limit
                self._pending_max_words = None
            self._textarea = None
        elif tag == "select":
            self._select = None


class Walk:
    """One person's way through the portal with a test client."""

    def __init__(self, client):
        self.client = client
        self.pages: list[str] = []
        self.fields: list[str] = []
        self.words_asked = 0
        self.response = None
        self.path = ""

    def visit(self, url: str):
        return self._land(self.client.get(url), url)

    def _land(self, response, url: str):
        while response.status_code in (301, 302, 303):
            url = urljoin(url, response.headers["Location"])
            response = self.client.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
        if response.mimetype == "text/html":
            self.pages.append(urlsplit(url).path)
        self.response, self.path = response, url
        return response

    def forms(self) -> list[Form]:
        parser = _Forms()
        parser.feed(self.response.get_data(as_text=True))
        return [f for f in parser.forms if f.method == "post"]

    def fill(self, changes: dict[str, str | list[str]], *, action: str | None = None):
        """Fill the page's form holding these fields (or the one posting to `action`) as
        the person would, and send it: counts each field changed from what was offered."""
        form = next(
            f
            for f in self.forms()
            if (f.action == action if action is not None else changes and set(changes) <= set(f.defaults))
        )
        return self._send(form, changes)

    def press(self, action: str | None = None):
        """Send a form with nothing changed (a button: submit the bid, start it): the form
        posting to `action`, or to the page itself."""
        return self._send(next(f for f in self.forms() if f.action == action or (action is None and not f.action)), {})

    def _send(self, form: Form, changes: dict[str, str | list[str]]):
        data = {name: list(values) for name, values in form.defaults.items()}
        for name, value in changes.items():
            new = value if isinstance(value, list) else [value]
            if sorted(new) != sorted(data.get(name, [])):
                self.fields.append(f"{urlsplit(self.path).path} {name}")
                self.words_asked += form.max_words.get(name, 0)
            data[name] = new
        target = urljoin(self.path, form.action) if form.action else self.path
        return self._land(self.client.post(target, data=data), target)
