"""Consortium pages: the lead adds partners (registered organisations, or ones invited by
email), sets everyone's shares and removes partners; each partner confirms or declines
its share; an invited organisation accepts its emailed link once registered.

Who may: bids are read through access.bid_for_party, so anyone who is not a party to the
bid gets 404. The partners pages are for members of the lead organisation
(Action.LEAD_BID: a partner gets 403); the share page is for members of a current partner
(Action.VIEW_SHARE: the lead gets 403). Changing
anything needs the need to be open: the services refuse otherwise, with a message shown
by the form, and the pages show what there is read-only.
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..forms import ConfirmForm
from ..organisations.models import (
    Organisation,
    normalise_charity_number,
    normalise_company_number,
)
from ..permissions import Action, can, require
from ..refusals import committed
from ..timeutil import london, utcnow
from . import bp, consortium, lifecycle, parties, submission
from .consortium_forms import (
    AcceptInvitationForm,
    AddPartnerForm,
    InvitePartnerForm,
    OrganisationSearchForm,
    PartnerShareForm,
    shares_form,
)
from .errors import BidError
from .models import Bid, BidPartner
from .pages import lead_bid, party_bid

SEARCH_RESULTS = 20


def _closed_message(bid: Bid) -> str:
    need = bid.need
    return (
        _("This need closed at %(time)s.", time=london(need.closes_at))
        if need.closes_at
        else _("This need is not open.")
    )


def _active_partners(bid: Bid) -> list[BidPartner]:
    """Partners who have not declined: the ones with a share."""
    return [p for p in bid.current_partners if p.declined_at is None]


def _totals(bid: Bid) -> tuple[int, int]:
    partners = _active_partners(bid)
    return (
        bid.lead_work_percent + sum(p.work_percent for p in partners),
        bid.lead_price_percent + sum(p.price_percent for p in partners),
    )


def _share_pence(price_pence: int | None, percent: int) -> int | None:
    """A share of the price in pence, to the nearest penny."""
    if price_pence is None:
        return None
    return (price_pence * percent + 50) // 100


# The partners page: list, shares ------------------------------------------------------


def _shares_form(bid: Bid, active: list[BidPartner]):
    """Everyone's shares, filled on GET from what is saved; None while there is no partner."""
    if not active:
        return None
    saved = {"lead_work": bid.lead_work_percent, "lead_price": bid.lead_price_percent}
    for p in active:
        saved.update({f"work_{p.id}": p.work_percent, f"price_{p.id}": p.price_percent})
    return shares_form(bid.organisation.name, active, **({} if request.method == "POST" else {"data": saved}))


def _partners_page(bid: Bid, form, active: list[BidPartner]):
    work_total, price_total = _totals(bid)
    return render_template(
        "bids/consortium/partners.html",
        bid=bid,
        need=bid.need,
        form=form,
        partners=bid.current_partners,
        active=active,
        editable=can(current_user, Action.EDIT_BID, bid),
        closed_message=_closed_message(bid),
        work_total=work_total,
        price_total=price_total,
        problems=[p for p in submission.problems(bid) if p.section == "partners"],
        max_partners=consortium.MAX_PARTNERS,
        bid_url=url_for("bids.show_bid", bid_id=bid.id),
    )


@bp.route("/bids/<int:bid_id>/partners", methods=["GET", "POST"])
@login_required
def partners(bid_id):
    bid = lead_bid(bid_id)
    active = _active_partners(bid)
    form = _shares_form(bid, active)
    if request.method == "POST" and form is None:
        flash(_("Add a partner before you set the shares."))
        return redirect(url_for("bids.partners", bid_id=bid.id))
    if form is not None and form.validate_on_submit():
        shares = {p.id: (work.number, price.number) for p, work, price in form.partner_fields}
        if committed(
            lambda: consortium.set_shares(
                bid,
                lead_work_percent=form.lead_work.number,
                lead_price_percent=form.lead_price.number,
                partner_shares=shares,
                actor=current_user,
            ),
            form,
            form.lead_work,
        ):
            flash(_("Shares saved. A partner whose share changed has been asked to confirm it again."), "success")
            return redirect(url_for("bids.partners", bid_id=bid.id))
    return _partners_page(bid, form, active)


# Adding a registered organisation -------------------------------------------------------


def search_organisations(text: str, *, exclude_id: int) -> Sequence[Organisation]:
    """Verified organisations whose name contains `text`, or whose charity or company
    number is `text`; never the lead itself. At most SEARCH_RESULTS + 1 (to tell there are more)."""
    text = text.strip()
    conditions = [sa.func.lower(Organisation.name).contains(text.lower(), autoescape=True)]
    charity = normalise_charity_number(text)
    if charity:
        conditions.append(Organisation.charity_number == charity)
    company = normalise_company_number(text)
    if company:
        conditions.append(Organisation.company_number == company)
    return db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.verified_at.is_not(None), Organisation.id != exclude_id, sa.or_(*conditions))
        .order_by(sa.func.lower(Organisation.name), Organisation.id)
        .limit(SEARCH_RESULTS + 1)
    ).all()


def _search(bid: Bid):
    """The search for an organisation to add: (its form, the text searched for, the
    organisations found or None when there was no search)."""
    if request.method == "POST":
        search = OrganisationSearchForm(data={"q": (request.form.get("query") or "").strip()[:200]})
    else:
        search = OrganisationSearchForm(request.args)
    query = search.q.data or ""
    if not query:
        if "q" in request.args:
            search.q.errors = ["Enter the organisation's name, or its charity or company number"]
        return search, "", None
    if not search.validate():
        return search, "", None
    if len(query) < 2:
        search.q.errors = ["Enter at least 2 characters of the organisation's name, or its charity or company number"]
        return search, "", None
    return search, query, search_organisations(query, exclude_id=bid.organisation_id)


def _partners_bid(bid_id: int):
    """(the bid for its lead, None); or, for a GET once partners can no longer be
    changed, (the bid, a redirect to the partners page)."""
    bid = lead_bid(bid_id)
    if request.method == "GET" and not can(current_user, Action.EDIT_BID, bid):
        flash(f"{_closed_message(bid)} {_('Partners can no longer be changed.')}")
        return bid, redirect(url_for("bids.partners", bid_id=bid.id))
    return bid, None


def _invite_found(bid: Bid, organisation: Organisation, form):
    """Add an organisation found by the search as a partner: the redirect to the partners
    page, or None when the service refused (its message then on the form)."""
    if not committed(
        lambda: consortium.invite_partner(
            bid,
            organisation=organisation,
            work_percent=form.work_percent.number,
            price_percent=form.price_percent.number,
            actor=current_user,
        ),
        form,
        form.organisation,
    ):
        return None
    flash(
        _(
            "%(name)s added as a partner. We have emailed its members to ask them to confirm "
            "its share. Check that everyone's shares add up to 100%%.",
            name=organisation.name,
        ),
        "success",
    )
    return redirect(url_for("bids.partners", bid_id=bid.id))


def _add_partner_page(bid: Bid, form, search, query: str, results, shown):
    return render_template(
        "bids/consortium/add.html",
        bid=bid,
        need=bid.need,
        form=form if (form.errors or not search.errors) else search,
        add_form=form,
        search=search,
        query=query,
        results=shown,
        searched=results is not None,
        more=results is not None and len(results) > SEARCH_RESULTS,
    )


@bp.route("/bids/<int:bid_id>/partners/add", methods=["GET", "POST"])
@login_required
def add_partner(bid_id):
    bid, closed = _partners_bid(bid_id)
    if closed:
        return closed
    search, query, results = _search(bid)
    shown = (results or [])[:SEARCH_RESULTS]
    form = AddPartnerForm(organisations=shown, **({} if request.method == "POST" else {"data": {"query": query}}))
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id)
        if organisation is None:
            form.organisation.errors = ["Select an organisation from the search results"]
        else:
            added = _invite_found(bid, organisation, form)
            if added is not None:
                return added
    return _add_partner_page(bid, form, search, query, results, shown)


# Inviting an organisation not on the portal ---------------------------------------------


@bp.route("/bids/<int:bid_id>/partners/invite", methods=["GET", "POST"])
@login_required
def invite_partner(bid_id):
    bid, closed = _partners_bid(bid_id)
    if closed:
        return closed
    form = InvitePartnerForm()
    if form.validate_on_submit() and committed(
        lambda: consortium.invite_partner(
            bid,
            name=form.name.data,
            email=form.email.data,
            work_percent=form.work_percent.number,
            price_percent=form.price_percent.number,
            actor=current_user,
        ),
        form,
        form.name,
    ):
        flash(
            _(
                "We have emailed an invitation to %(email)s. %(name)s shows as "
                "'Invited to join the portal' until it registers and accepts.",
                email=form.email.data,
                name=form.name.data,
            ),
            "success",
        )
        return redirect(url_for("bids.partners", bid_id=bid.id))
    return render_template("bids/consortium/invite.html", bid=bid, need=bid.need, form=form)


# Removing a partner ---------------------------------------------------------------------


@bp.route("/bids/<int:bid_id>/partners/<int:partner_id>/remove", methods=["GET", "POST"])
@login_required
def remove_partner(bid_id, partner_id):
    bid = lead_bid(bid_id)
    partner = next((p for p in bid.current_partners if p.id == partner_id), None)
    if partner is None:
        abort(404)
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        name = partner.name
        try:
            consortium.remove_partner(partner, actor=current_user)
        except BidError as refused:
            db.session.rollback()
            error = str(refused)
        else:
            db.session.commit()
            flash(
                _("%(name)s removed from the bid. Check that everyone's shares add up to 100%%.", name=name), "success"
            )
            return redirect(url_for("bids.partners", bid_id=bid.id))
    elif request.method == "POST":
        abort(400)
    return render_template(
        "bids/consortium/remove.html", bid=bid, need=bid.need, partner=partner, confirm=form, error=error
    )


# The partner's page: confirm or decline --------------------------------------------------


def _decided(bid: Bid, name: str, confirming: bool):
    if confirming:
        flash(
            _(
                "You have confirmed %(name)s's share. %(lead)s can now submit the bid once it is complete.",
                name=name,
                lead=bid.organisation.name,
            ),
            "success",
        )
        return redirect(url_for("bids.partner_share", bid_id=bid.id))
    flash(
        _("You have declined. %(name)s is no longer part of %(lead)s's bid.", name=name, lead=bid.organisation.name),
        "success",
    )
    return redirect(url_for("bids.my_bids"))


def _share_page(bid: Bid, partner: BidPartner, form):
    price = bid.price_pence
    return render_template(
        "bids/consortium/share.html",
        bid=bid,
        need=bid.need,
        partner=partner,
        form=form,
        can_decide=can(current_user, Action.CONFIRM_SHARE, bid),
        closed_message=_closed_message(bid),
        price_pence=price,
        share_pence=_share_pence(price, partner.price_percent),
        others=[p for p in _active_partners(bid) if p.id != partner.id],
        bid_url=url_for("bids.show_bid", bid_id=bid.id),
    )


@bp.route("/bids/<int:bid_id>/share", methods=["GET", "POST"])
@login_required
def partner_share(bid_id):
    bid = party_bid(bid_id)
    require(current_user, Action.VIEW_SHARE, bid)  # not the lead: it sets shares on the partners page
    partner = parties.partner_of(current_user, bid)
    form = PartnerShareForm()
    if request.method == "POST" and form.validate_on_submit():
        confirming = form.decision.data == "confirm"
        name = partner.name
        decide = consortium.confirm_partner if confirming else consortium.decline_partner
        if committed(lambda: decide(partner, actor=current_user), form, form.decision):
            return _decided(bid, name, confirming)
    return _share_page(bid, partner, form)


# Accepting an emailed invitation -----------------------------------------------------------


def _invitation(token: str) -> BidPartner | None:
    """The open invitation this link is for (the token is kept only as its SHA-256, as
    consortium.invite_partner writes it), or None when it is not valid or already used."""
    if not token or len(token) > 200:
        return None
    partner = db.session.scalar(
        sa.select(BidPartner).where(BidPartner.invite_token_hash == hashlib.sha256(token.encode()).hexdigest())
    )
    if partner is None or partner.organisation_id is not None or partner.removed_at or partner.declined_at:
        return None
    return partner


def _accept(token: str, bid: Bid, organisation: Organisation, form):
    """Accept the invitation for the organisation chosen: the redirect to the share page,
    or None when the service refused (its message then on the form)."""
    if not committed(
        lambda: consortium.accept_invitation(token, organisation=organisation, actor=current_user),
        form,
        form.organisation,
    ):
        return None
    flash(
        _("%(name)s has joined the bid. Check its share, then confirm or decline it.", name=organisation.name),
        "success",
    )
    return redirect(url_for("bids.partner_share", bid_id=bid.id))


def _invitation_page(bid: Bid, form, organisations, context: dict):
    return render_template(
        "bids/consortium/invitation.html",
        form=form,
        organisations=organisations,
        need_open=lifecycle.need_is_open(bid.need, utcnow()),
        closed_message=_closed_message(bid),
        **context,
    )


@bp.route("/bids/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token):
    partner = _invitation(token)
    if partner is None:
        return render_template("bids/consortium/invitation_invalid.html"), 404
    bid = partner.bid
    context = {"partner": partner, "bid": bid, "need": bid.need, "lead": bid.organisation}
    if not current_user.is_authenticated:
        return render_template(
            "bids/consortium/invitation_sign_in.html",
            sign_in_url=url_for("accounts.sign_in", next=request.path),
            **context,
        )
    if not can(current_user, Action.BID_AS_PROVIDER):
        return render_template("bids/consortium/invitation_no_organisation.html", **context), 403
    organisations = current_user.organisations
    form = AcceptInvitationForm(organisations=organisations)
    if form.validate_on_submit():
        organisation = next(o for o in organisations if str(o.id) == form.organisation.data)
        accepted = _accept(token, bid, organisation, form)
        if accepted is not None:
            return accepted
    return _invitation_page(bid, form, organisations, context)
