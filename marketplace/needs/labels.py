"""The words of needs' labels in the page's (or an email's) language: the label tables of
models.py's enums, what an amendment means for bids, and a need's title as a lazy string
for an email's subject, read in its recipient's language when the email is written."""

from babel.lists import format_list
from flask_babel import LazyString, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..i18n import current_language

NEED_STATUS = {
    "draft": _l("Draft"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "withdrawn": _l("Withdrawn"),
    "cancelled": _l("Cancelled"),
    "awarded": _l("Awarded"),
    "not_awarded": _l("Not awarded"),
}
PROCEDURE = {"grant": _l("Grant"), "contract": _l("Contract")}
RESERVATION = {
    "none": _l("Open to all"),
    "vcse": _l("Reserved for VCSE organisations"),
    "local": _l("Reserved for local organisations"),
}


def local_title(need) -> LazyString:
    """The need's title in the language current when it is read (an email's recipient's)."""
    return LazyString(lambda: need.local_title)


def amendment_effect(*, correction: bool, every_lot: bool, numbers: list[int]) -> str:
    """What a change means for bids already submitted, in a sentence."""
    if correction:
        return _("A correction of wording: no bid already submitted is affected.")
    if every_lot:
        return _("Bids already submitted on every lot must be confirmed again.")
    if numbers:
        named = format_list([str(n) for n in numbers], locale=current_language())
        return ngettext(
            "Bids already submitted on lot %(lots)s must be confirmed again.",
            "Bids already submitted on lots %(lots)s must be confirmed again.",
            len(numbers),
            lots=named,
        )
    return _("No bid already submitted has to be confirmed again.")
