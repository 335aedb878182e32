"""Bid pages for providers: start a bid from a need, fill in its sections from a task
list, check and submit it (with a receipt), withdraw it, and list every bid.

Who may: bids are read only through access.bid_for_party, so anyone who is not a party
to a bid (another provider, and everyone on the commissioning side, admins included)
gets 404. Parties read the bid (Action.VIEW_BID); only members of the lead organisation
change, submit or withdraw it (Action.EDIT_BID and friends, which also need the need to
be open); a partner gets 403 on those. Once the need has closed, the lead sees the bid
read-only and a change is refused by the services with a message saying so.

Nothing typed is lost: a validation error keeps the input in the page, and a POST from a
signed-out user is kept for them (see stash.py).
"""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..arrival import request_received_at
from ..documents import serving, uploads
from ..extensions import db, login_manager
from ..forms import ConfirmForm
from ..money import format_pounds
from ..needs import changes
from ..needs.models import Condition, Need, NeedStatus
from ..permissions import Action, can, require
from ..timeutil import london, utcnow
from . import access, bp, services, stash
from .forms import (
    BidDocumentForm,
    DeclarationsForm,
    LocalPresenceForm,
    SocialValueForm,
    StartBidForm,
    WithdrawBidForm,
    answers_form,
    price_form,
)
from .models import Bid, BidDocument, BidRevision, BidState, Declaration
from .services import BidError

# The task list, in order: (section key of services.Problem, title, endpoint or None).
SECTIONS = [
    ("answers", "Answers to the quality questions", "bids.edit_answers"),
    ("price", "Price", "bids.edit_price"),
    ("social_value", "Social value", "bids.edit_social_value"),
    ("local_presence", "Local presence", "bids.edit_local_presence"),
    ("partners", "Consortium partners", "bids.partners"),
    ("declarations", "Declarations", "bids.edit_declarations"),
    ("documents", "Documents", "bids.documents"),
]


# Signing in, loading and permission ----------------------------------------------------


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


bp.add_app_template_global(stash.token_field, "stash_token_field")


@bp.errorhandler(CSRFError)
def csrf_failed(error):
    """An expired CSRF token (the session timed out) on a bid section: keep what was typed
    and send the person to sign in (or, still signed in, back to the page). Anything else
    gets the portal's usual page."""
    if stash.stashable() and stash.stash_form():
        if current_user.is_authenticated:
            flash("Your changes could not be saved because the page had been open for a long time.")
            return redirect(request.path)
        flash("You were signed out, so your changes were not saved yet. Sign in to carry on: we kept what you typed.")
        return redirect(url_for("accounts.sign_in", next=request.path))
    from ..main.errors import render_error  # not at the top: main imports this module

    portal_handler = current_app.error_handler_spec[None].get(error.code, {}).get(CSRFError)
    return portal_handler(error) if portal_handler else render_error(400)


def _party_bid(bid_id: int) -> Bid:
    """The bid, for one of its parties; 404 for everyone else."""
    bid = access.bid_for_party(bid_id, current_user)
    if not can(current_user, Action.VIEW_BID, bid):
        abort(404)
    return bid


def _lead_bid(bid_id: int) -> Bid:
    """The bid, for a member of its lead organisation; a partner gets 403."""
    bid = _party_bid(bid_id)
    if not services.leads(current_user, bid):
        abort(403)
    return bid


def _closed_redirect(bid: Bid):
    flash(f"{_closed_message(bid.need)} Your bid can no longer be changed.")
    return redirect(url_for("bids.show_bid", bid_id=bid.id))


def _closed_message(need: Need) -> str:
    status = need.status
    if status in (NeedStatus.CLOSED, NeedStatus.AWARDED, NeedStatus.NOT_AWARDED):
        return f"This need closed at {london(need.closes_at)}."
    if status == NeedStatus.DRAFT:
        return "This need has not been published."
    if status == NeedStatus.OPEN:
        return f"This need is open until {london(need.closes_at)}."
    return f"This need has been {status.label.lower()}."


def _section_urls(bid: Bid) -> dict[str, str | None]:
    urls = {key: url_for(endpoint, bid_id=bid.id) for key, _, endpoint in SECTIONS}
    urls["organisation"] = url_for("organisations.edit_organisation", organisation_id=bid.organisation_id)
    return urls


# Starting ------------------------------------------------------------------------------


def _bids_on(need: Need, user) -> list[Bid]:
    return [bid for bid in services.bids_of(user) if bid.need_id == need.id]


@bp.app_template_global("organisation_policy_labels")
def organisation_policy_labels(organisation) -> list[str]:
    """The conditions of participation the organisation's profile says it meets."""
    return [Condition(c).label for c in organisation.policies or [] if c in Condition._value2member_map_]


@bp.app_template_global("your_bids_for")
def your_bids_for(need: Need) -> list[Bid]:
    """On the need's page: the bids the signed-in user's organisations have on it."""
    if not current_user.is_authenticated or not current_user.organisation_memberships():
        return []
    return _bids_on(need, current_user)


@bp.route("/needs/<int:need_id>/bid", methods=["GET", "POST"])
@bid_login_required
def start_bid(need_id):
    need = db.get_or_404(Need, need_id)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)  # a draft is not public: don't confirm it exists
    organisations = current_user.organisations
    if not organisations:
        abort(403)
    existing = _bids_on(need, current_user)
    if need.status != NeedStatus.OPEN:
        return render_template("bids/not_open.html", need=need, message=_closed_message(need), existing=existing)
    require(current_user, Action.START_BID, need)
    form = StartBidForm(lots=need.lots, organisations=organisations)
    if request.method == "GET" and len(need.lots) == 1:
        form.lot.data = str(need.lots[0].id)
    if form.validate_on_submit():
        lot = next(lot for lot in need.lots if str(lot.id) == form.lot.data)
        chosen = form.organisation.data if "organisation" in form else str(organisations[0].id)
        organisation = next(o for o in organisations if str(o.id) == chosen)
        try:
            bid = services.start_bid(lot, organisation=organisation, actor=current_user)
        except BidError as error:
            db.session.rollback()
            form.lot.errors = [*form.lot.errors, str(error)]
        else:
            db.session.commit()
            flash(
                f"Bid started for lot {lot.number}. We have filled in what {organisation.name}'s profile already says.",
                "success",
            )
            return redirect(url_for("bids.show_bid", bid_id=bid.id))
    return render_template("bids/start.html", need=need, form=form, existing=existing, organisations=organisations)


# The task list and the read-only view --------------------------------------------------


def _statuses(bid: Bid, problems: list[services.Problem]) -> dict[str, str]:
    found = {p.section for p in problems}
    statuses = {}
    for key, _, _ in SECTIONS:
        if key == "documents":
            statuses[key] = "Completed" if bid.current_documents else "Optional"
        elif key == "partners" and key not in found:
            statuses[key] = "Completed" if bid.current_partners else "Optional"
        else:
            statuses[key] = "Incomplete" if key in found else "Completed"
    return statuses


def _summary_context(bid: Bid, content: dict) -> dict:
    """What the summary of a bid (its draft, or a submitted revision) needs to show it."""
    names = {p.id: p.name for p in bid.need.pdus}
    documents = {d.sha256: url_for("bids.download_document", bid_id=bid.id, document_id=d.id) for d in bid.current_documents}
    return {
        "content": content,
        "pdu_names": [names.get(i, "A delivery unit no longer in this need") for i in content.get("local_pdu_ids", [])],
        "declaration_labels": [d.label for d in Declaration if d.value in content.get("declarations", [])],
        "document_urls": documents,
    }


@bp.get("/bids/<int:bid_id>")
@bid_login_required
def show_bid(bid_id):
    bid = _party_bid(bid_id)
    now = utcnow()
    lead = services.leads(current_user, bid)
    state = services.bid_state(bid, now)
    problems = services.problems(bid)
    counting = services.counting_revision(bid)
    editable = can(current_user, Action.EDIT_BID, bid)
    need_open = bid.need.status == NeedStatus.OPEN
    # After closing, what counts is what was submitted, not the draft.
    shown = counting if not need_open and counting is not None else None
    content = shown.content if shown is not None else services.bid_content(bid)
    return render_template(
        "bids/show.html",
        bid=bid,
        need=bid.need,
        lead=lead,
        editable=editable,
        state=state,
        problems=problems,
        statuses=_statuses(bid, problems),
        sections=SECTIONS,
        section_urls=_section_urls(bid),
        counting=counting,
        latest=bid.latest_revision,
        unsubmitted=editable and services.has_unsubmitted_changes(bid),
        need_open=need_open,
        closed_message=_closed_message(bid.need),
        partner=services.partner_of(current_user, bid),
        share_url=url_for("bids.partner_share", bid_id=bid.id),
        showing_revision=shown,
        outcome=_outcome(bid),
        **_summary_context(bid, content),
    )


def _outcome(bid: Bid) -> dict:
    """After closing: an explanation asked for, and the assessment summaries sent."""
    from ..evaluation import low_bids, summaries

    review = low_bids.review_of(bid) if bid.low_flagged_at is not None else None
    return {
        "review": review,
        "may_explain": review is not None and can(current_user, Action.EXPLAIN_LOW_BID, review),
        "summaries": summaries.summaries_for(bid),
    }


# Sections ------------------------------------------------------------------------------


def _section_form(bid: Bid, build: Callable[..., object], saved_data: Callable[[], dict]):
    """The section's form: on GET from what is saved, or from what the person typed
    before being signed out (then `kept` is True); on POST from the request."""
    if request.method == "POST":
        return build(), False
    kept = stash.take_stash(current_user)
    if kept is not None:
        return build(formdata=kept), True
    return build(data=saved_data()), False


def committed(call: Callable[[], object], error_field) -> bool:
    """Call a service and commit. On a refusal (BidError, BidClosed) write nothing, put the
    message by `error_field` (the user's input stays in the form) and return False."""
    try:
        call()
    except BidError as error:
        db.session.rollback()
        error_field.errors = [*error_field.errors, str(error)]
        return False
    db.session.commit()
    return True


def _save_section(bid: Bid, form, save: Callable[[], None], *, error_field, done: str, over_limit: bool = False):
    """Call the service; on a refusal, put its message by `error_field` and write nothing.
    Over a word or character limit the text is saved, and the page is shown again with the error.
    Returns (a redirect or None, whether it was saved)."""
    if not committed(save, error_field):
        return None, False
    if over_limit:
        return None, True
    flash(done, "success")
    return redirect(url_for("bids.show_bid", bid_id=bid.id)), True


def _section_page(template: str, bid: Bid, form, *, kept: bool, saved: bool = False, **context):
    return render_template(f"bids/{template}", bid=bid, need=bid.need, form=form, kept=kept, saved=saved, **context)


@bp.route("/bids/<int:bid_id>/answers", methods=["GET", "POST"])
@bid_login_required
def edit_answers(bid_id):
    bid = _lead_bid(bid_id)
    if request.method == "GET" and not can(current_user, Action.EDIT_BID, bid):
        return _closed_redirect(bid)
    criteria = bid.need.criteria
    answers = bid.answers or {}
    form, kept = _section_form(
        bid,
        lambda **kw: answers_form(criteria, **kw),
        lambda: {f"answer_{c.id}": answers.get(str(c.id), "") for c in criteria},
    )
    saved = False
    if request.method == "GET":
        form.limit_errors()  # a draft saved over a limit says so when it is opened again
    elif form.validate_on_submit():
        over = form.limit_errors()
        response, saved = _save_section(
            bid, form,
            lambda: services.save_answers(bid, answers={c.id: field.data for c, field in form.questions}, actor=current_user),
            error_field=form.questions[0][1] if form.questions else form.submit,
            done="Answers saved.",
            over_limit=over,
        )
        if response:
            return response
    return _section_page("answers.html", bid, form, kept=kept, saved=saved)


def _plain_pounds(pence: int | None) -> str:
    """An amount to put in a box that already shows "£": '12,500.50'."""
    return format_pounds(pence).lstrip("£") if pence is not None else ""


@bp.route("/bids/<int:bid_id>/price", methods=["GET", "POST"])
@bid_login_required
def edit_price(bid_id):
    bid = _lead_bid(bid_id)
    if request.method == "GET" and not can(current_user, Action.EDIT_BID, bid):
        return _closed_redirect(bid)
    parts = services.payment_parts(bid)
    breakdown = bid.price_breakdown or {}

    def saved_data():
        data = {"price": _plain_pounds(bid.price_pence), "people": bid.people}
        if set(breakdown) == {key for key, _, _ in parts}:
            data.update({f"part_{key}": _plain_pounds(breakdown[key]) for key, _, _ in parts})
        return data

    form, kept = _section_form(bid, lambda **kw: price_form(parts, **kw), saved_data)
    if form.validate_on_submit():
        amounts = form.breakdown or services.suggested_breakdown(bid, form.price.pence)
        response, _ = _save_section(
            bid, form,
            lambda: services.save_price(
                bid, price_pence=form.price.pence, breakdown=amounts, people=form.people.number, actor=current_user
            ),
            error_field=form.price,
            done="Price saved." if form.breakdown else "Price saved. It is shared between the payments by the need's payment profile: check the amounts.",
        )
        if response:
            return response
    suggested = services.suggested_breakdown(bid, bid.price_pence) if bid.price_pence and parts else {}
    return _section_page("price.html", bid, form, kept=kept, parts=parts, suggested=suggested)


@bp.route("/bids/<int:bid_id>/social-value", methods=["GET", "POST"])
@bid_login_required
def edit_social_value(bid_id):
    bid = _lead_bid(bid_id)
    if request.method == "GET" and not can(current_user, Action.EDIT_BID, bid):
        return _closed_redirect(bid)
    form, kept = _section_form(bid, SocialValueForm, lambda: {"social_value": bid.social_value or ""})
    saved = False
    if request.method == "GET":
        form.limit_errors()  # a draft saved over a limit says so when it is opened again
    elif form.validate_on_submit():
        over = form.limit_errors()
        response, saved = _save_section(
            bid, form,
            lambda: services.save_social_value(bid, text=form.social_value.data, actor=current_user),
            error_field=form.social_value,
            done="Social value commitments saved.",
            over_limit=over,
        )
        if response:
            return response
    return _section_page("social_value.html", bid, form, kept=kept, saved=saved, limit=services.SOCIAL_VALUE_WORD_LIMIT)


@bp.route("/bids/<int:bid_id>/local-presence", methods=["GET", "POST"])
@bid_login_required
def edit_local_presence(bid_id):
    bid = _lead_bid(bid_id)
    if request.method == "GET" and not can(current_user, Action.EDIT_BID, bid):
        return _closed_redirect(bid)
    pdus = bid.need.pdus

    def saved_data():
        if services.local_presence_none(bid):
            return {"pdus": ["none"]}
        return {"pdus": [str(i) for i in services.local_pdu_ids_of(bid)]}

    form, kept = _section_form(bid, lambda **kw: LocalPresenceForm(pdus=pdus, **kw), saved_data)
    if form.validate_on_submit():
        response, _ = _save_section(
            bid, form,
            lambda: services.save_local_presence(bid, pdu_ids=form.pdu_ids, none=form.none_chosen, actor=current_user),
            error_field=form.pdus,
            done="Local presence saved.",
        )
        if response:
            return response
    profile_ids = {p.id for p in bid.organisation.pdus}
    return _section_page(
        "local_presence.html", bid, form, kept=kept, pdus=pdus,
        from_profile=[p for p in pdus if p.id in profile_ids],
    )


@bp.route("/bids/<int:bid_id>/declarations", methods=["GET", "POST"])
@bid_login_required
def edit_declarations(bid_id):
    bid = _lead_bid(bid_id)
    if request.method == "GET" and not can(current_user, Action.EDIT_BID, bid):
        return _closed_redirect(bid)
    form, kept = _section_form(
        bid,
        DeclarationsForm,
        lambda: {"declarations": list(bid.declarations or []), "conflict_details": bid.conflict_details or ""},
    )
    saved = False
    if request.method == "GET":
        form.limit_errors()  # a draft saved over a limit says so when it is opened again
    elif form.validate_on_submit():
        over = form.limit_errors()
        response, saved = _save_section(
            bid, form,
            lambda: services.save_declarations(
                bid, declarations=form.declarations.data, conflict_details=form.conflict_details.data, actor=current_user
            ),
            error_field=form.declarations,
            done="Declarations saved.",
            over_limit=over,
        )
        if response:
            return response
    return _section_page(
        "declarations.html", bid, form, kept=kept, saved=saved,
        eligibility=services.eligibility_from_profile(bid.organisation, bid.need),
        limit=services.CONFLICT_WORD_LIMIT,
    )


# Documents -----------------------------------------------------------------------------


def _bid_document(bid: Bid, document_id: int) -> BidDocument:
    document = db.session.get(BidDocument, document_id)
    if document is None or document.bid_id != bid.id or document.removed_at is not None:
        abort(404)
    return document


@bp.route("/bids/<int:bid_id>/documents", methods=["GET", "POST"])
@bid_login_required
def documents(bid_id):
    bid = _lead_bid(bid_id)
    if request.method == "GET" and not can(current_user, Action.EDIT_BID, bid):
        return _closed_redirect(bid)
    form = BidDocumentForm()
    if form.validate_on_submit():
        upload = form.document.data
        try:
            services.add_document(
                bid, filename=upload.filename, data=uploads.read_limited(upload.stream), actor=current_user
            )
        except (BidError, uploads.DocumentError) as error:
            db.session.rollback()
            form.document.errors = [*form.document.errors, str(error)]
        else:
            db.session.commit()
            flash(f"{uploads.clean_filename(upload.filename)} uploaded.", "success")
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
    bid = _lead_bid(bid_id)
    document = _bid_document(bid, document_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.remove_document(document, actor=current_user)
        except BidError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"{document.filename} removed.", "success")
    return redirect(url_for("bids.documents", bid_id=bid.id))


@bp.get("/bids/<int:bid_id>/documents/<int:document_id>")
@bid_login_required
def download_document(bid_id, document_id):
    bid = _party_bid(bid_id)
    document = _bid_document(bid, document_id)
    return serving.send_stored_file(document)


# Check, submit and the receipt ---------------------------------------------------------


def _unseen_changes(bid: Bid) -> list:
    """The changes to the need that the bid's last submission did not see, each with what
    changed field by field: what the bidder checks before confirming the bid again."""
    latest = bid.latest_revision
    if latest is None:
        return []
    return [(amendment, changes.describe(amendment)) for amendment in services.changes_since(latest, bid.lot)]


def _check_page(bid: Bid, *, error: str | None = None, status: int = 200):
    problems = services.problems(bid)
    return (
        render_template(
            "bids/check.html",
            bid=bid,
            need=bid.need,
            problems=problems,
            error=error,
            can_submit=can(current_user, Action.SUBMIT_BID, bid),
            lead=services.leads(current_user, bid),
            state=services.bid_state(bid),
            section_urls=_section_urls(bid),
            submit_form=ConfirmForm(),
            closed_message=_closed_message(bid.need),
            unseen_changes=_unseen_changes(bid),
            **_summary_context(bid, services.bid_content(bid)),
        ),
        status,
    )


@bp.route("/bids/<int:bid_id>/check", methods=["GET", "POST"])
@bid_login_required
def check(bid_id):
    bid = _party_bid(bid_id)
    if request.method == "GET":
        return _check_page(bid)
    if not services.leads(current_user, bid):
        abort(403)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    before = bid.latest_revision.id if bid.latest_revision else None
    try:
        revision = services.submit_bid(bid, actor=current_user, now=request_received_at())
    except BidError as error:  # BidClosed too: the draft is kept
        db.session.rollback()
        return _check_page(bid, error=str(error))
    db.session.commit()
    if revision.id == before:
        flash("This bid had already been submitted with exactly this content: this is its receipt.")
    return redirect(url_for("bids.receipt", bid_id=bid.id, number=revision.number))


@bp.get("/bids/<int:bid_id>/revisions/<int:number>")
@bid_login_required
def receipt(bid_id, number):
    bid = _party_bid(bid_id)
    revision = db.session.scalar(sa.select(BidRevision).where(BidRevision.bid_id == bid.id, BidRevision.number == number))
    if revision is None:
        abort(404)
    return render_template(
        "bids/receipt.html",
        bid=bid,
        need=bid.need,
        revision=revision,
        counting=services.counting_revision(bid),
        state=services.bid_state(bid),
        lead=services.leads(current_user, bid),
    )


# Withdrawing ---------------------------------------------------------------------------


@bp.route("/bids/<int:bid_id>/withdraw", methods=["GET", "POST"])
@bid_login_required
def withdraw(bid_id):
    bid = _lead_bid(bid_id)
    if request.method == "GET" and not can(current_user, Action.WITHDRAW_BID, bid):
        return _closed_redirect(bid)
    if services.bid_state(bid) == BidState.WITHDRAWN:
        flash("This bid has already been withdrawn.")
        return redirect(url_for("bids.show_bid", bid_id=bid.id))
    form, kept = _section_form(bid, WithdrawBidForm, dict)
    if form.validate_on_submit():
        received_at = request_received_at()
        if committed(lambda: services.withdraw_bid(bid, actor=current_user, reason=form.reason.data, now=received_at), form.reason):
            flash(
                f"Bid withdrawn. You can submit it again until the need closes at {london(bid.need.closes_at)}.",
                "success",
            )
            return redirect(url_for("bids.show_bid", bid_id=bid.id))
    return _section_page("withdraw.html", bid, form, kept=kept)


# Every bid -----------------------------------------------------------------------------


def bids_by_state(user, now=None) -> list[tuple[BidState, list[tuple[Bid, BidState, bool]]]]:
    """The user's organisations' bids (lead or partner) grouped by state, in the order of
    BidState, each as (bid, state, led by the user's organisation); soonest closing first."""
    now = now or utcnow()
    groups: dict[BidState, list] = {state: [] for state in BidState}
    for bid in services.bids_of(user):
        state = services.bid_state(bid, now)
        groups[state].append((bid, state, services.leads(user, bid)))
    for entries in groups.values():
        entries.sort(key=lambda e: (e[0].need.closes_at is None, e[0].need.closes_at, e[0].id))
    return [(state, entries) for state, entries in groups.items() if entries]


@bp.get("/bids")
@bid_login_required
def my_bids():
    return render_template("bids/my_bids.html", groups=bids_by_state(current_user), organisations=current_user.organisations)
