"""Bid pages for providers: start a bid from a need, the bid's task list (or, once the
need has closed, what was submitted), the bid's documents, and every bid of the user's
organisations. The sections of the draft are in routes_sections.py; checking,
submitting and withdrawing in routes_submission.py; partners in routes_consortium.py;
the commissioning side's view in routes_commissioning.py.

Who may: bids are read only through access.bid_for_party, so anyone who is not a party
to a bid (another provider, and everyone on the commissioning side, admins included)
gets 404. Parties read the bid (Action.VIEW_BID); only members of the lead organisation
open its sections (Action.LEAD_BID) and change, submit or withdraw it (Action.EDIT_BID
and friends, which also need the need to be open); a partner gets 403 on those. Once the
need has closed, the lead sees the bid read-only and a change is refused by the services
with a message saying so.

Nothing typed is lost: a validation error keeps the input in the page, and a POST from a
signed-out user is kept for them (see stash.py).
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import joinedload

from .. import signals
from ..documents import serving, uploads
from ..extensions import db
from ..forms import ConfirmForm
from ..i18n import DEFAULT, in_language
from ..needs import proportion
from ..needs.models import Condition, Need, NeedStatus
from ..permissions import Action, can, require
from ..refusals import committed
from ..timeutil import utcnow
from . import bp, drafting, lifecycle, outcomes, parties, stash, submission
from .errors import BidError
from .forms import BidDocumentForm, StartBidForm
from .models import Bid, BidDocument, BidState
from .pages import (
    bid_login_required,
    closed_message,
    lead_bid,
    lead_bid_or_closed,
    party_bid,
    section_urls,
    sections_for,
    summary_context,
)

bp.add_app_template_global(stash.token_field, "stash_token_field")


@bp.errorhandler(CSRFError)
def csrf_failed(error):
    """An expired CSRF token (the session timed out) on a bid section: keep what was typed
    and send the person to sign in (or, still signed in, back to the page). Anything else
    gets the portal's usual page."""
    if stash.stashable() and stash.stash_form():
        if current_user.is_authenticated:
            flash(_("Your changes could not be saved because the page had been open for a long time."))
            return redirect(request.path)
        flash(
            _("You were signed out, so your changes were not saved yet. Sign in to carry on: we kept what you typed.")
        )
        return redirect(url_for("accounts.sign_in", next=request.path))
    from ..errors import render_error

    portal_handler = current_app.error_handler_spec[None].get(error.code, {}).get(CSRFError)
    return portal_handler(error) if portal_handler else render_error(400)


# Starting ------------------------------------------------------------------------------


def _bids_on(need: Need, user) -> list[Bid]:
    """With each bid's lot and organisation, as the need's page shows them (no lazy loads)."""
    bids = parties.bids_of(user, joinedload(Bid.lot), joinedload(Bid.organisation))
    return [bid for bid in bids if bid.need_id == need.id]


@bp.app_template_global("organisation_policy_labels")
def organisation_policy_labels(organisation) -> list[str]:
    """The conditions of participation the organisation's profile says it meets."""
    return [Condition(c).label for c in organisation.policies or [] if c in Condition._value2member_map_]


@bp.app_template_filter("stored_label")
def stored_label(label: str) -> str:
    """A condition of participation's label as a submitted bid keeps it (in English,
    submission.bid_content), in the page's language."""
    with in_language(DEFAULT):
        english = {str(c.label): c for c in Condition}
    condition = english.get(label)
    return str(condition.label) if condition is not None else label


@bp.app_template_global("your_bids_for")
def your_bids_for(need: Need) -> list[Bid]:
    """On the need's page: the bids the signed-in user's organisations have on it."""
    if not can(current_user, Action.BID_AS_PROVIDER):
        return []
    return _bids_on(need, current_user)


def _chosen(form, need: Need, organisations):
    """The lot and the organisation chosen on the start form (the only organisation when
    the user has one)."""
    lot = next(lot for lot in need.lots if str(lot.id) == form.lot.data)
    chosen = form.organisation.data if "organisation" in form else str(organisations[0].id)
    return lot, next(o for o in organisations if str(o.id) == chosen)


@bp.route("/needs/<int:need_id>/bid", methods=["GET", "POST"])
@bid_login_required
def start_bid(need_id):
    need = db.get_or_404(Need, need_id)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)  # a draft is not public: don't confirm it exists
    require(current_user, Action.BID_AS_PROVIDER)
    organisations = current_user.organisations
    existing = _bids_on(need, current_user)
    if not can(current_user, Action.START_BID, need):  # (a provider: so the need is not open)
        return render_template("bids/not_open.html", need=need, message=closed_message(need), existing=existing)
    form = StartBidForm(lots=need.lots, organisations=organisations)
    if request.method == "GET" and len(need.lots) == 1:
        form.lot.data = str(need.lots[0].id)
    if form.validate_on_submit():
        lot, organisation = _chosen(form, need, organisations)
        if committed(lambda: drafting.start_bid(lot, organisation=organisation, actor=current_user), form, form.lot):
            flash(
                _(
                    "Bid started for lot %(number)s. We have filled in what %(name)s's profile already says.",
                    number=lot.number,
                    name=organisation.name,
                ),
                "success",
            )
            return redirect(url_for("bids.show_bid", bid_id=parties.bid_for(organisation.id, lot).id))
    return render_template("bids/start.html", need=need, form=form, existing=existing, organisations=organisations)


# The task list and the read-only view --------------------------------------------------


def _statuses(bid: Bid, problems: list[submission.Problem]) -> dict[str, str]:
    found = {p.section for p in problems}
    statuses = {}
    for key, _title, _endpoint in sections_for(bid.need):
        if key == "documents":
            statuses[key] = "Completed" if bid.current_documents else "Optional"
        elif key == "partners" and key not in found:
            statuses[key] = "Completed" if bid.current_partners else "Optional"
        else:
            statuses[key] = "Incomplete" if key in found else "Completed"
    return statuses


def _from_profile(bid: Bid, statuses: dict[str, str]) -> set[str]:
    """The sections complete with what the organisation's profile gave them, unchanged:
    marked so on the task list, so they need not be opened."""
    found = {
        "local_presence": drafting.local_presence_from_profile(bid),
        "social_value": drafting.social_value_from_profile(bid),
    }
    return {key for key, same in found.items() if same and statuses.get(key) == "Completed"}


def _task_list(bid: Bid, now) -> dict:
    """What the bid's page shows: its task list while the need is open, and once it has
    closed what was submitted (not the draft), with the outcome: its state as the bid lists
    show it, and a won bid's contract once made."""
    problems = submission.problems(bid)
    statuses = _statuses(bid, problems)
    counting = lifecycle.counting_revision(bid)
    editable = can(current_user, Action.EDIT_BID, bid)
    need_open = bid.need.status == NeedStatus.OPEN
    shown = counting if not need_open and counting is not None else None
    content = shown.content if shown is not None else submission.bid_content(bid)
    listed = outcomes.listed_bid(bid, current_user, now)  # after closing: being evaluated, won or lost
    return dict(
        bid=bid,
        need=bid.need,
        lead=can(current_user, Action.LEAD_BID, bid),
        editable=editable,
        state=listed.state,
        contract_id=listed.contract_id,
        problems=problems,
        statuses=statuses,
        from_profile=_from_profile(bid, statuses),
        sections=sections_for(bid.need),
        section_urls=section_urls(bid),
        counting=counting,
        latest=bid.latest_revision,
        unsubmitted=editable and submission.has_unsubmitted_changes(bid),
        need_open=need_open,
        closed_message=closed_message(bid.need),
        partner=parties.partner_of(current_user, bid),
        share_url=url_for("bids.partner_share", bid_id=bid.id),
        showing_revision=shown,
        estimate=proportion.estimate(bid.need),
        **signals.page_values(signals.bid_page, bid),
        **summary_context(bid, content),
    )


@bp.get("/bids/<int:bid_id>")
@bid_login_required
def show_bid(bid_id):
    bid = party_bid(bid_id)
    return render_template("bids/show.html", **_task_list(bid, utcnow()))


# Documents -----------------------------------------------------------------------------


def _bid_document(bid: Bid, document_id: int) -> BidDocument:
    document = db.session.get(BidDocument, document_id)
    if document is None or document.bid_id != bid.id or document.removed_at is not None:
        abort(404)
    return document


@bp.route("/bids/<int:bid_id>/documents", methods=["GET", "POST"])
@bid_login_required
def documents(bid_id):
    bid, closed = lead_bid_or_closed(bid_id)
    if closed:
        return closed
    form = BidDocumentForm()
    if form.validate_on_submit():
        upload = form.document.data
        try:
            drafting.add_document(
                bid, filename=upload.filename, data=uploads.read_limited(upload.stream), actor=current_user
            )
        except (BidError, uploads.DocumentError) as error:
            db.session.rollback()
            form.document.errors = [*form.document.errors, str(error)]
        else:
            db.session.commit()
            flash(_("%(filename)s uploaded.", filename=uploads.clean_filename(upload.filename)), "success")
            return redirect(url_for("bids.documents", bid_id=bid.id))
    return render_template(
        "bids/documents.html",
        bid=bid,
        need=bid.need,
        form=form,
        remove_form=ConfirmForm(),
        human_size=uploads.human_size,
        max_mb=current_app.config["DOCUMENT_MAX_MB"],
    )


@bp.post("/bids/<int:bid_id>/documents/<int:document_id>/remove")
@bid_login_required
def remove_document(bid_id, document_id):
    bid = lead_bid(bid_id)
    document = _bid_document(bid, document_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            drafting.remove_document(document, actor=current_user)
        except BidError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(_("%(filename)s removed.", filename=document.filename), "success")
    return redirect(url_for("bids.documents", bid_id=bid.id))


@bp.get("/bids/<int:bid_id>/documents/<int:document_id>")
@bid_login_required
def download_document(bid_id, document_id):
    bid = party_bid(bid_id)
    document = _bid_document(bid, document_id)
    return serving.send_stored_file(document)


# Every bid -----------------------------------------------------------------------------


def bids_by_state(user, now=None) -> list[tuple[BidState, list[outcomes.ListedBid]]]:
    """The user's organisations' bids (lead or partner) grouped by state, won and lost
    included (outcomes.py); soonest closing first."""
    return outcomes.bids_by_state(user, now)


@bp.get("/bids")
@bid_login_required
def my_bids():
    return render_template(
        "bids/my_bids.html", groups=bids_by_state(current_user), organisations=current_user.organisations
    )
