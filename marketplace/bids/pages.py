"""What the provider's bid pages share: signing in without losing what was typed
(bid_login_required), loading a bid for its parties (404 for anyone else) or its lead
(403 for a partner), the task list's sections and their links, the message once a need
is no longer open, and a section form filled from what is saved or what was typed
before the session ran out (stash.py).
"""

from collections.abc import Callable
from functools import wraps

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import login_manager
from ..needs.models import Need, NeedStatus
from ..permissions import Action, can, require
from ..timeutil import london
from . import access, stash
from .models import Bid, Declaration

# The task list, in order: (section key of submission.Problem, title, endpoint).
SECTIONS = [
    ("answers", _l("Answers to the quality questions"), "bids.edit_answers"),
    ("price", _l("Price"), "bids.edit_price"),
    ("social_value", _l("Social value"), "bids.edit_social_value"),
    ("local_presence", _l("Local presence"), "bids.edit_local_presence"),
    ("partners", _l("Consortium partners"), "bids.partners"),
    ("declarations", _l("Declarations"), "bids.edit_declarations"),
    ("documents", _l("Documents"), "bids.documents"),
]


def sections_for(need: Need) -> list[tuple[str, str, str]]:
    """The task list's sections for a bid on this need: on the short grant form there is
    no social value section (social value is part of the answer to question 3)."""
    return [s for s in SECTIONS if not (need.short_form and s[0] == "social_value")]


def bid_login_required(view):
    """login_required, except that a signed-out POST to a bid section keeps what was
    typed (stash.py) before sending the person to sign in."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            if stash.stashable():
                return stash.sign_in_again()
            return login_manager.unauthorized()
        return view(*args, **kwargs)

    return wrapped


def party_bid(bid_id: int) -> Bid:
    """The bid, for one of its parties; 404 for everyone else."""
    bid = access.bid_for_party(bid_id, current_user)
    if not can(current_user, Action.VIEW_BID, bid):
        abort(404)
    return bid


def lead_bid(bid_id: int) -> Bid:
    """The bid, for a member of its lead organisation; a partner gets 403."""
    bid = party_bid(bid_id)
    require(current_user, Action.LEAD_BID, bid)
    return bid


def lead_bid_or_closed(bid_id: int, action: Action = Action.EDIT_BID):
    """(the bid for its lead, None); or, for a GET once the lead may no longer do
    `action` (the need has closed), (the bid, a redirect to the bid read-only)."""
    bid = lead_bid(bid_id)
    if request.method == "GET" and not can(current_user, action, bid):
        return bid, closed_redirect(bid)
    return bid, None


def closed_redirect(bid: Bid):
    flash(f"{closed_message(bid.need)} {_('Your bid can no longer be changed.')}")
    return redirect(url_for("bids.show_bid", bid_id=bid.id))


def closed_message(need: Need) -> str:
    status = need.status
    if status in (NeedStatus.CLOSED, NeedStatus.AWARDED, NeedStatus.NOT_AWARDED):
        return _("This need closed at %(time)s.", time=london(need.closes_at))
    if status == NeedStatus.DRAFT:
        return _("This need has not been published.")
    if status == NeedStatus.OPEN:
        return _("This need is open until %(time)s.", time=london(need.closes_at))
    if status == NeedStatus.WITHDRAWN:
        return _("This need has been withdrawn.")
    return _("This need has been cancelled.")


def section_urls(bid: Bid) -> dict[str, str | None]:
    urls: dict[str, str | None] = {key: url_for(endpoint, bid_id=bid.id) for key, _, endpoint in SECTIONS}
    urls["organisation"] = url_for("organisations.edit_organisation", organisation_id=bid.organisation_id)
    return urls


def summary_context(bid: Bid, content: dict) -> dict:
    """What the summary of a bid (its draft, or a submitted revision) needs to show it."""
    names = {p.id: p.local_name for p in bid.need.pdus}
    documents = {
        d.sha256: url_for("bids.download_document", bid_id=bid.id, document_id=d.id) for d in bid.current_documents
    }
    return {
        "content": content,
        "pdu_names": [
            names.get(i, _("A delivery unit no longer in this need")) for i in content.get("local_pdu_ids", [])
        ],
        "declaration_labels": [d.label for d in Declaration if d.value in content.get("declarations", [])],
        "document_urls": documents,
        "short_form": bid.need.short_form,  # no social value answer: it is part of question 3
    }


def section_form(build: Callable[..., object], saved_data: Callable[[], dict]):
    """The section's form: on GET from what is saved, or from what the person typed
    before being signed out (then `kept` is True); on POST from the request."""
    if request.method == "POST":
        return build(), False
    kept = stash.take_stash(current_user)
    if kept is not None:
        return build(formdata=kept), True
    return build(data=saved_data()), False


def section_page(template: str, bid: Bid, form, *, kept: bool, saved: bool = False, **context):
    return render_template(f"bids/{template}", bid=bid, need=bid.need, form=form, kept=kept, saved=saved, **context)
