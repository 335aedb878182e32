"""Form pieces shared by every area of the portal: validators with GOV.UK-style messages,
and the fields for whole numbers, amounts in pounds and dates."""

import re
from collections.abc import Mapping
from datetime import date
from typing import TypeAlias

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.gov_form_base import GovFormBase, GovIterableBase
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovSubmitInput,
    GovTextInput,
)
from markupsafe import Markup, escape
from wtforms import (
    Field,
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    StopValidation,
    ValidationError,
)

from .money import MAX_PENCE, MoneyError, format_pounds, parse_pounds
from .textlimits import character_count, character_limit, too_long

MARKUP = re.compile(r"[<>]")
# Characters nobody types on purpose that change how text is shown: control characters
# (but tab and new lines), right-to-left overrides and isolates, and the byte order mark.
HIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069\ufeff]")
# Text a person reads: a string, or a lazy_gettext one translated when it is shown.
Text: TypeAlias = str | LazyString


def _error_prefix_in_page_language(map_gov_params):
    """A field's error message starts with "Error:" for screen readers (GOV.UK's error
    message, visually hidden): in the page's language, for every widget."""

    def mapped(self, field, **kwargs):
        params = map_gov_params(self, field, **kwargs)
        if "errorMessage" in params:
            params["errorMessage"].setdefault("visuallyHiddenText", _("Error"))
        return params

    return mapped


for _widget in (GovFormBase, GovIterableBase):
    _widget.map_gov_params = _error_prefix_in_page_language(_widget.map_gov_params)


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for buttons that change state."""

    submit = SubmitField(_l("Confirm"), widget=GovSubmitInput())


class Radios(RadioField):
    """Radio buttons whose one message covers both "nothing chosen" and "not a choice"
    (a crafted POST), as GOV.UK asks: "Select your organisation's legal form"."""

    def __init__(self, label, *, message: Text, **kwargs):
        kwargs.setdefault("validators", [InputRequired(message=message)])
        super().__init__(label, **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise StopValidation(self.message)


class NoMarkup:
    """Names and other plain text may not contain < or >, which only ever mean markup."""

    def __init__(self, label: Text):
        self.message = _l("%(label)s must not contain < or >", label=label)
        self.hidden_message = _l("%(label)s must not contain hidden formatting characters", label=label)

    def __call__(self, form, field):
        if field.data and MARKUP.search(field.data):
            raise ValidationError(self.message)
        if field.data and HIDDEN.search(field.data):
            raise ValidationError(self.hidden_message)


class NoHiddenCharacters:
    """Right-to-left overrides, control characters and the like change how text is shown
    to whoever reads it; nobody types them on purpose."""

    def __init__(self, label: Text):
        self.message = _l("%(label)s must not contain hidden formatting characters", label=label)

    def __call__(self, form, field):
        if field.data and HIDDEN.search(field.data):
            raise StopValidation(self.message)


class MaxLength(Length):
    def __init__(self, label: Text, maximum: int):
        super().__init__(
            max=maximum, message=_l("%(label)s must be %(max)s characters or fewer", label=label, max=f"{maximum:,}")
        )

    def __call__(self, form, field):
        # Stop at the first problem: "too long" is the one to fix first.
        try:
            super().__call__(form, field)
        except ValidationError as error:
            raise StopValidation(str(error)) from None


def strip(value):
    # NUL is never typed, and PostgreSQL refuses it in text: drop it rather than fail.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def strip_lower(value):
    return strip(value).lower() if isinstance(value, str) else value


class Required(InputRequired):
    """InputRequired, where spaces alone are not an answer either (the field's filters
    have already stripped them, so the data is empty)."""

    def __call__(self, form, field):
        super().__call__(form, field)
        if isinstance(field.data, str) and not field.data.strip():
            field.errors[:] = []
            raise StopValidation(self.message)


def required(message: Text) -> InputRequired:
    return Required(message=message)


EMAIL_ADDRESS = _l("Email address")
ENTER_AN_EMAIL_ADDRESS = _l("Enter an email address")


def email_field(label: Text = EMAIL_ADDRESS, empty: Text = ENTER_AN_EMAIL_ADDRESS, hint: Text = "") -> StringField:
    return StringField(
        label,
        filters=[strip_lower],
        validators=[
            required(empty),
            MaxLength(label, 254),
            Email(
                message=_l("Enter an email address in the correct format, like name@example.com"),
                granular_message=False,
                check_deliverability=False,
                # Accept the reserved .test domain, which the demo accounts use
                # (admin@demo.test): email-validator refuses it by default, so they
                # could not sign in. Deliverability is not checked anyway.
                test_environment=True,
            ),
        ],
        widget=GovTextInput(),
        render_kw={"autocomplete": "email", "spellcheck": "false", "type": "email"},
        description=hint,
    )


def name_field(
    label: Text, empty_message: Text, maximum: int = 120, hint: Text = "", autocomplete: str | None = None
) -> StringField:
    render_kw = {"autocomplete": autocomplete} if autocomplete else {}
    return StringField(
        label,
        filters=[strip],
        validators=[required(empty_message), MaxLength(label, maximum), NoMarkup(label)],
        widget=GovTextInput(),
        description=hint,
        render_kw=render_kw,
    )


class ListedChoices(SelectMultipleField):
    """Several choices from a list (GOV.UK checkboxes); a value not on the list (a crafted
    POST) is an error with a GOV.UK message, never a crash."""

    def __init__(self, label, noun: str, **kwargs):
        kwargs.setdefault("widget", GovCheckboxesInput())
        super().__init__(label, coerce=str, **kwargs)
        self.noun = noun

    def pre_validate(self, form):
        known = {choice.value for choice in self.choices}
        if any(value not in known for value in self.data or []):
            raise StopValidation(_("Select %(noun)s from the list", noun=self.noun))


# Free text -------------------------------------------------------------------------------

# A draft kept as typed over its limits (a bid's answers) is still refused beyond this: a
# guard against pasting a whole document, far above any limit (textlimits.py).
DRAFT_CEILING = 20_000


def _count_texts(unit: str) -> dict:
    """The GOV.UK character count's texts in the page's language (its script counts in
    the browser; %{count} is its placeholder), for each plural form of the page's language
    (English: one, other; Welsh: zero, one, two, few, many, other)."""
    if unit == "words":
        under = (_("You have %{count} word remaining"), _("You have %{count} words remaining"))
        over = (_("You have %{count} word too many"), _("You have %{count} words too many"))
        at, description = _("You have 0 words remaining"), _("You can enter up to %{count} words")
    else:
        under = (_("You have %{count} character remaining"), _("You have %{count} characters remaining"))
        over = (_("You have %{count} character too many"), _("You have %{count} characters too many"))
        at, description = _("You have 0 characters remaining"), _("You can enter up to %{count} characters")
    forms = ("zero", "one", "two", "few", "many", "other")
    return {
        "textareaDescriptionText": description,
        f"{unit}UnderLimitText": {form: under[form != "one"] for form in forms},
        f"{unit}AtLimitText": at,
        f"{unit}OverLimitText": {form: over[form != "one"] for form in forms},
    }


class CharacterCount(GovCharacterCount):
    """The GOV.UK character count of a FreeText, which supports one limit at a time: the
    word limit (maxwords) when the field has one, binding for anything written in words,
    and its character limit then said in the hint; else the characters (maxlength). The
    field's limits are the only ones: a maxwords or maxlength a template gives is replaced."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.pop("maxwords", None)
        params.pop("maxlength", None)
        params.update(_count_texts("characters"))
        if field.words is None:
            params["maxlength"] = field.characters
            return params
        params["maxwords"] = field.words
        params.update(_count_texts("words"))
        sentence = _("No more than %(count)s characters, including spaces.", count=f"{field.characters:,}")
        hint = dict(params.get("hint") or {})
        if hint.get("html"):
            hint["html"] = Markup(hint["html"]) + " " + escape(sentence)
        else:
            hint["text"] = f"{hint['text']} {sentence}" if hint.get("text") else sentence
        params["hint"] = hint
        return params


class WithinLimits:
    """Refuse a FreeText over its word or character limit."""

    def __call__(self, form, field):
        message = field.limit_error()
        if message:
            raise StopValidation(message)


class BelowCeiling:
    """Refuse a draft FreeText so long it cannot be meant (DRAFT_CEILING), with the message
    of its limit; anything shorter is kept as typed, and limit_errors() says what is over."""

    def __call__(self, form, field):
        if character_count(field.data) > DRAFT_CEILING:
            raise StopValidation(
                field.limit_error()
                or _("%(label)s must be %(max)s characters or fewer", label=field.noun, max=f"{DRAFT_CEILING:,}")
            )


class FreeText(TextAreaField):
    """A box for free text with its limits (textlimits.py) and the GOV.UK character count:
    `words`, a word limit, and `characters`, a character limit (by default derived from the
    word limit); one at least. `noun` starts the messages ("Your answer to question 2 must
    be 300 words or fewer"); `empty`, when given, is the message for nothing written.
    `plain` text may not contain < or > (names, reasons kept in the record).

    Text over a limit is refused by the field, unless it is a `draft` kept as typed so no
    work is lost (a bid's answers): then the view saves it and calls limit_errors(form),
    and the service refuses to submit it (bids.submission.problems)."""

    widget = CharacterCount()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        noun: str,
        words: int | None = None,
        characters: int | None = None,
        empty: str | None = None,
        plain: bool = False,
        draft: bool = False,
        hint: str = "",
        **kwargs,
    ):
        if words is None and characters is None:
            raise TypeError("FreeText needs a word limit, a character limit or both")
        if validators is None:
            validators = [required(empty)] if empty else []
            validators.append(BelowCeiling() if draft else WithinLimits())
            validators.append(NoMarkup(noun) if plain else NoHiddenCharacters(noun))
        kwargs.setdefault("filters", [strip])
        super().__init__(label, validators, description=hint, **kwargs)
        self.noun, self.words, self.draft = noun, words, draft
        if characters is None:
            assert words is not None  # refused above: one limit at least
            characters = character_limit(words)
        self.characters = characters

    def limit_error(self) -> str | None:
        return too_long(self.data, noun=self.noun, words=self.words, characters=self.characters)


def limit_errors(form) -> bool:
    """Put by each draft FreeText of the form that is over a limit what is wrong (the text
    was saved as typed); True when there was one."""
    over = False
    for field in form:
        if isinstance(field, FreeText) and field.draft and not field.errors:
            message = field.limit_error()
            if message:
                field.errors = [message]
                over = True
    return over


# Numbers, money and dates -------------------------------------------------------------


class WholeNumberField(StringField):
    """A whole number typed as text, with GOV.UK messages; the number is in `.number`."""

    widget = GovTextInput()

    def __init__(
        self, label, *, minimum: int, maximum: int, empty: str | None = None, example: int | None = None, **kwargs
    ):
        kwargs.setdefault("filters", [strip])
        render_kw = {"inputmode": "numeric", "spellcheck": "false", **kwargs.pop("render_kw", {})}
        super().__init__(label, render_kw=render_kw, **kwargs)
        self.minimum, self.maximum, self.empty = minimum, maximum, empty
        self.example = example if example is not None else minimum
        self.number: int | None = None

    def process_data(self, value):
        super().process_data(None if value is None else str(value))

    def pre_validate(self, form):
        self.number = None
        text = (self.data or "").replace(",", "")
        if not text:
            if self.empty:
                raise StopValidation(self.empty)
            return
        if not re.fullmatch(r"-?[0-9]{1,12}", text):
            raise StopValidation(
                _("%(label)s must be a whole number, like %(example)s", label=self.label.text, example=self.example)
            )
        number = int(text)
        if number < self.minimum:
            raise StopValidation(_("%(label)s must be %(min)s or more", label=self.label.text, min=f"{self.minimum:,}"))
        if number > self.maximum:
            raise StopValidation(_("%(label)s must be %(max)s or less", label=self.label.text, max=f"{self.maximum:,}"))
        self.number = number


class PoundsField(StringField):
    """An amount of money typed in pounds ('£12,500.50', '12500'); pence in `.pence`."""

    widget = GovTextInput()

    def __init__(self, label, *, empty: str | None = None, noun: str | None = None, **kwargs):
        kwargs.setdefault("filters", [strip])
        render_kw = {"inputmode": "decimal", "spellcheck": "false", **kwargs.pop("render_kw", {})}
        super().__init__(label, render_kw=render_kw, **kwargs)
        self.empty = empty
        self.noun = noun or label
        self.pence: int | None = None

    def pre_validate(self, form):
        self.pence = None
        text = self.data or ""
        if not text:
            if self.empty:
                raise StopValidation(self.empty)
            return
        name = self.noun
        not_money = _("%(label)s must be an amount of money, like £12,500 or £12,500.50", label=name)
        if len(text) > 30:
            raise StopValidation(not_money)
        if text.lstrip("£ ").startswith("-"):
            raise StopValidation(_("%(label)s must be more than £0", label=name))
        try:
            pence = parse_pounds(text)
        except MoneyError:
            raise StopValidation(not_money) from None
        if pence <= 0:
            raise StopValidation(_("%(label)s must be more than £0", label=name))
        if pence > MAX_PENCE:
            raise StopValidation(
                _("%(label)s must be %(max)s or less", label=name, max=format_pounds(MAX_PENCE, whole=True))
            )
        self.pence = pence

    def set_pence(self, pence: int | None) -> None:
        self.data = "" if pence is None else format_pounds(pence)


def _sentence(message: str) -> str:
    """A message starting with a capital, whichever of its words comes first ("the
    closing date must..." in English, the noun later in Welsh)."""
    return message[:1].upper() + message[1:]


class GovDateField(Field):
    """A GOV.UK date input (day, month, year boxes); the date is in `.data`."""

    widget = GovDateInput()

    def __init__(self, label, *, noun: str, **kwargs):
        super().__init__(label, **kwargs)
        self.noun = noun  # "the closing date"

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def process_formdata(self, valuelist):
        # Always three boxes, whatever a crafted POST sent, so the page can be redrawn.
        parts = [strip(v) if isinstance(v, str) else "" for v in (valuelist or [])]
        self.raw_data = (parts + ["", "", ""])[:3]
        self.data = None

    def pre_validate(self, form):
        if self.raw_data is None:
            return
        day, month, year = self.raw_data
        noun = self.noun
        if not (day or month or year):
            raise StopValidation(_("Enter %(noun)s", noun=noun))
        missing = (
            (day, _("%(noun)s must include a day", noun=noun)),
            (month, _("%(noun)s must include a month", noun=noun)),
            (year, _("%(noun)s must include a year", noun=noun)),
        )
        for part, message in missing:
            if not part:
                raise StopValidation(_sentence(message))
        real_date = _sentence(_("%(noun)s must be a real date", noun=noun))
        if not all(re.fullmatch(r"[0-9]{1,4}", p) for p in (day, month, year)):
            raise StopValidation(real_date)
        if len(year) != 4:
            raise StopValidation(_("Year must include 4 numbers"))
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:
            raise StopValidation(real_date) from None


# The error summary ---------------------------------------------------------------------


def error_items(source, links: Mapping[str, str] | None = None) -> list[dict]:
    """The items of the GOV.UK error summary (base.html shows it, and starts the page's
    title with "Error: "). `source` is a form (its fields' errors, in the order of the
    page) or a {field id: message} mapping (a query string checked by hand); None has no
    errors. Each item links to its field, or to `links[field name]` when the error is put
    right somewhere else (the award's "Close moderation of this lot first" links to the
    moderation)."""
    if source is None:
        return []
    if isinstance(source, Mapping):
        return [{"text": message, "href": f"#{field}"} for field, message in source.items()]
    if not source.errors:
        return []
    items = wtforms_errors(source)["errorList"]
    elsewhere = {f"#{source[name].id}": href for name, href in (links or {}).items() if name in source}
    for item in items:
        item["href"] = elsewhere.get(item["href"], item["href"])
    return items
