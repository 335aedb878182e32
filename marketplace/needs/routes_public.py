"""The public side of needs: the list of open needs with search and filters (no sign-in),
each need's page with everything a provider needs to decide to bid, following a need,
and saved searches that feed the daily digest email.

Who may: anyone sees the list and published needs; a draft is shown only to commissioners
of its area (Action.VIEW_NEED) and is a 404 for everyone else, so drafts are not
disclosed. Following needs Action.FOLLOW_NEED (a provider, while the need is open);
saved searches need Action.SAVE_SEARCH (a provider). Anyone signed in may stop following.
"""

import dataclasses
import functools
import re
from datetime import datetime

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from markupsafe import Markup, escape
from sqlalchemy.orm import joinedload, selectinload
from wtforms import HiddenField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from ..documents import uploads
from ..extensions import db
from ..forms import ConfirmForm, ListedChoices
from ..permissions import Action, can, require
from ..reading import reads_only
from ..reference.models import Area
from ..reference.services import current_categories, current_regions
from ..timeutil import utcnow
from . import (
    bp,
    changes,
    dates,
    digest,
    documents,
    drafting,
    following,
    kept_pages,
    proportion,
    questions,
    search,
)
from .dates import closing_soon_cutoff
from .models import Amendment, Follow, Need, NeedStatus, SavedSearch

PAGE = re.compile(r"^[0-9]{1,9}$")
ALL = "all"

STATUS_TAG_CLASSES = {
    NeedStatus.DRAFT: "govuk-tag--grey",
    NeedStatus.OPEN: "govuk-tag--green",
    NeedStatus.CLOSED: "govuk-tag--yellow",
    NeedStatus.WITHDRAWN: "govuk-tag--orange",
    NeedStatus.CANCELLED: "govuk-tag--red",
    NeedStatus.AWARDED: "govuk-tag--blue",
    NeedStatus.NOT_AWARDED: "govuk-tag--purple",
}


def _visible_or_404(need_id: int, options=()) -> Need:
    need = db.get_or_404(Need, need_id, options=options)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)  # a draft is not public: don't confirm it exists
    return need


def _page_number(raw: str | None) -> tuple[int, str | None]:
    if raw is None or raw == "":
        return 1, None
    if not PAGE.match(raw) or not 1 <= int(raw) <= search.MAX_PAGE:
        return 1, _("That page number does not exist, so the first page is shown.")
    return int(raw), None


# The list ------------------------------------------------------------------------------


@bp.get("/needs")
@reads_only
def list_needs():
    form = search.NeedFilterForm(formdata=request.args)
    form.validate()  # a filter with a problem is shown by its field and left out
    filters = search.NeedFilters.from_form(form)
    page_number, notice = _page_number(request.args.get("page"))
    now = utcnow()
    args = filters.query_args(form)
    key = kept_pages.stamp(now, closing_soon_cutoff(now) if filters.closing_soon else None)
    if key is not None:  # the words searched are kept as a digest and a marker, not as typed
        # Words that are all stop words search none, but their links still carry them.
        key = (*key, filters.key(), "q" in args, page_number)
        args = {**args, "q": kept_pages.WORDS} if "q" in args else args
    results, past_end = kept_pages.kept(key, lambda: _results(filters, now, page_number, args))
    if past_end:
        notice = _("There is no page %(number)s, so the last page is shown.", number=page_number)
    return render_template(
        "needs/public/list.html",
        form=form,
        filters=kept_pages.kept(
            kept_pages.day_key(now, "filters", form.choices_key()),
            lambda: Markup(render_template("needs/public/_filters.html", form=form)),
        ),
        words_field=_words_field(form, now),
        results=kept_pages.fill_words(results, form.q.data if "q" in args else None),
        filtered=filters.any,
        notice=notice,
    )


_WORDS_PARAMS = {"classes": "govuk-!-width-full", "label": {"classes": "govuk-label--s"}, "spellcheck": True}


def _words_field(form: search.NeedFilterForm, now: datetime) -> Markup:
    """The words field: kept per process, language and day, with a marker where the words
    go, put in per request (escaped as the template escapes them), so nobody's words are
    kept; made afresh when they have an error."""
    words = form.q._value()
    key = None if form.q.errors else kept_pages.day_key(now, "words field", bool(words))
    html = kept_pages.kept(
        key, lambda: str(form.q(params=_WORDS_PARAMS, **({"value": kept_pages.WORDS} if words else {})))
    )
    return Markup(html.replace(kept_pages.WORDS, str(escape(words))) if words else html)


def _results(filters: search.NeedFilters, now: datetime, page_number: int, args: dict) -> tuple[str, bool]:
    """The list's results for these filters (templates/needs/public/_results.html), and
    whether the page asked for was past the end."""
    page, past_end = search.find_open_needs(
        filters,
        now,
        page_number,
        options=[selectinload(Need.area).selectinload(Area.parent), selectinload(Need.category)],
    )
    needs = list(page.items)
    html = render_template(
        "needs/public/_results.html",
        page=page,
        needs=needs,
        days_left={n.id: dates.working_days_left(n, now) for n in needs},
        reservations=search.reserved_need_ids([n.id for n in needs]),
        extra_args=args,
        filtered=filters.any,
    )
    return html, past_end


# One need ------------------------------------------------------------------------------


def _shown() -> tuple:
    """Everything the need's page shows: one statement for the need (with its area, region
    and category) and one for each kind of thing it has, however many of each."""
    return (
        joinedload(Need.area).joinedload(Area.parent),
        joinedload(Need.category),
        selectinload(Need.pdus),
        selectinload(Need.outcomes),
        selectinload(Need.lots),
        selectinload(Need.criteria),
        selectinload(Need.milestones),
        selectinload(Need.documents),
        selectinload(Need.amendments).joinedload(Amendment.lots),
    )


@dataclasses.dataclass(frozen=True)
class _Heading:
    """What a need's page shows of the need outside its kept parts, as of one moment. For
    a published need it stays true while the stamp does (kept_pages: the stamp moves with
    any change to a published need, a closing time passing and a new day), but for whether
    questions are still open, which `questions_open` says at each request."""

    title: str
    status: NeedStatus
    days_left: int | None
    question_deadline: datetime | None

    @classmethod
    def of(cls, need: Need, now: datetime) -> "_Heading":
        status = need.status_at(now)
        days_left = dates.working_days_left(need, now) if status == NeedStatus.OPEN else None
        return cls(need.local_title, status, days_left, need.question_deadline)

    def questions_open(self, now: datetime) -> bool:
        return self.status == NeedStatus.OPEN and self.question_deadline is not None and now < self.question_deadline


@bp.get("/needs/<int:need_id>")
@reads_only
def show_need(need_id):
    now = utcnow()
    if not current_user.is_authenticated and (stamp := kept_pages.stamp(now)) is not None:
        return _visitors_need_page(need_id, now, stamp)
    need, stamp = _need_and_stamp(need_id, now)
    heading = _Heading.of(need, now)
    kept_by = None if stamp is None or heading.status == NeedStatus.DRAFT else stamp  # a draft is never kept
    main = _need_main(need, heading, heading.questions_open(now), kept_by, loaded=stamp is None)
    return render_template("needs/public/show.html", title=heading.title, main=main)


def _visitors_need_page(need_id: int, now: datetime, stamp: tuple) -> str:
    """A need's page for a visitor not signed in, the same for every one of them: when it
    is kept, one statement (the stamp) and nothing read of the need. A draft, or a need
    that does not exist, is a 404 as for anyone who may not see it, and is never kept."""
    need = functools.cache(lambda: _visible_or_404(need_id, _shown()))  # read on a miss only, once
    heading = kept_pages.kept((*stamp, "need heading", need_id), lambda: _Heading.of(need(), now))
    questions_open = heading.questions_open(now)
    main = kept_pages.kept(
        (*stamp, "need page", need_id, heading.status, heading.days_left, questions_open),
        lambda: _need_main(need(), heading, questions_open, stamp, loaded=True),
    )
    return render_template("needs/public/show.html", title=heading.title, main=main)


def _need_main(need: Need, heading: _Heading, questions_open: bool, kept_by: tuple | None, *, loaded: bool) -> Markup:
    """The need's page below its back link (templates/needs/public/_need_main.html), with
    what it shows alike to everyone who may see it kept by `kept_by` (None: not kept);
    `loaded`: the need was read with all it shows."""
    is_following = current_user.is_authenticated and following.current_follow(need, current_user) is not None
    return Markup(
        render_template(
            "needs/public/_need_main.html",
            need=need,
            status=heading.status,
            status_class=STATUS_TAG_CLASSES[heading.status],
            days_left=heading.days_left,
            questions_open=questions_open,
            body=kept_pages.kept(
                None if kept_by is None else (*kept_by, "need", need.id),
                lambda: _need_body(need, heading.status, loaded=loaded),
            ),
            can_follow=can(current_user, Action.FOLLOW_NEED, need),
            following=is_following,
            can_ask=can(current_user, Action.ASK_QUESTION, need),
            is_provider=current_user.is_authenticated and bool(current_user.organisation_memberships()),
        )
    )


@functools.cache
def _need_with_stamp() -> sa.Select:
    """The need (the parameter "need_id") with its area, region and category, and the
    stamp: made once, as building it cost more than running it."""
    return kept_pages.with_stamp(sa.select(Need).where(Need.id == sa.bindparam("need_id")).options(*_shown()[:2]))


def _need_and_stamp(need_id: int, now: datetime) -> tuple[Need, tuple | None]:
    """The need (a 404 if this person may not see it) and, if its body may be kept, the
    stamp: one statement, the need with its area, region and category and the stamp (the
    rest of what it shows only on a miss, _need_body); else all it shows, as before."""
    if not kept_pages.may_keep():
        return _visible_or_404(need_id, _shown()), None
    row = db.session.execute(_need_with_stamp(), {"need_id": need_id, "now": now}).one_or_none()
    if row is None or not can(current_user, Action.VIEW_NEED, row[0]):
        abort(404)  # a draft is not public: don't confirm it exists
    return row[0], kept_pages.stamp_of(now, tuple(row[1:]))


def _need_body(need: Need, status: NeedStatus, *, loaded: bool) -> Markup:
    """What the need's page shows alike to everyone who may see it
    (templates/needs/public/_need_body.html): its lots, documents, changes, answers."""
    if not loaded:  # one statement for each kind of thing it shows, as _visible_or_404 would
        db.session.scalars(sa.select(Need).where(Need.id == need.id).options(*_shown()[2:])).one()
    return Markup(
        render_template(
            "needs/public/_need_body.html",
            need=need,
            status=status,
            schedules=[(lot, drafting.payment_schedule(need, lot)) for lot in need.lots],
            documents=documents.current_documents(need),
            human_size=uploads.human_size,
            amendments=list(reversed(need.amendments)),
            amendment_fields={a.id: changes.describe(a) for a in need.amendments},
            answered=questions.published_questions(need),
            estimate=proportion.estimate(need),
        )
    )


# Following -----------------------------------------------------------------------------


class UnfollowForm(FlaskForm):
    back = HiddenField()
    submit = SubmitField(_l("Stop following"), widget=GovSubmitInput())


@bp.post("/needs/<int:need_id>/follow")
@login_required
def follow_need(need_id):
    need = _visible_or_404(need_id)
    require(current_user, Action.FOLLOW_NEED, need)
    form = ConfirmForm()
    if form.validate_on_submit():
        following.follow_need(need, actor=current_user)
        db.session.commit()
        flash(
            _("You are following this need. We will email you about changes and new answers to questions."), "success"
        )
    return redirect(url_for("needs.show_need", need_id=need.id))


@bp.post("/needs/<int:need_id>/unfollow")
@login_required
def unfollow_need(need_id):
    # Stopping is always allowed, even after closing: it only ends the user's own follow.
    need = _visible_or_404(need_id)
    form = UnfollowForm()
    if form.validate_on_submit():
        following.unfollow_need(need, actor=current_user)
        db.session.commit()
        flash(_("You no longer follow %(title)s.", title=need.local_title), "success")
    if form.back.data == "following":
        return redirect(url_for("needs.followed_needs"))
    return redirect(url_for("needs.show_need", need_id=need.id))


@bp.get("/needs/following")
@login_required
def followed_needs():
    now = utcnow()
    needs = db.session.scalars(
        sa.select(Need)
        .join(Follow, Follow.need_id == Need.id)
        .where(Follow.user_id == current_user.id, Follow.ended_at.is_(None))
        .options(selectinload(Need.area).selectinload(Area.parent))
        .order_by(Need.closes_at, Need.id)
    ).all()
    statuses = {n.id: n.status_at(now) for n in needs}
    return render_template(
        "needs/public/following.html",
        needs=needs,
        statuses=statuses,
        status_classes=STATUS_TAG_CLASSES,
        unfollow_form=UnfollowForm(),
        NeedStatus=NeedStatus,
    )


# Saved searches ------------------------------------------------------------------------


class SavedSearchForm(FlaskForm):
    areas = ListedChoices(_l("Where"), noun=_l("areas"))
    categories = ListedChoices(_l("Service categories"), noun=_l("service categories"))
    submit = SubmitField(_l("Save search"), widget=GovSubmitInput())

    def __init__(self, *args, regions, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.areas.choices = [SelectChoice(ALL, _("All of England and Wales"))] + [
            SelectChoice(str(a.id), a.local_name)
            for region in regions
            for a in [region, *region.children]
            if a.is_current()
        ]
        self.categories.choices = [SelectChoice(ALL, _("Any service category"))] + [
            SelectChoice(str(c.id), c.local_name) for c in categories
        ]

    def validate_areas(self, field):
        if not field.data:
            raise ValidationError(_("Select at least one region or delivery unit, or All of England and Wales"))

    def validate_categories(self, field):
        if not field.data:
            raise ValidationError(_("Select at least one service category, or Any service category"))

    @staticmethod
    def ids(values: list[str]) -> list[int]:
        """The chosen ids; 'all' (even with others ticked) means no restriction."""
        return [] if ALL in values else [int(v) for v in values]


@bp.route("/needs/saved-searches", methods=["GET", "POST"])
@login_required
def saved_searches():
    require(current_user, Action.SAVE_SEARCH)
    regions = current_regions()
    form = SavedSearchForm(regions=regions, categories=current_categories())
    if form.validate_on_submit():
        try:
            digest.create_saved_search(
                actor=current_user, area_ids=form.ids(form.areas.data), category_ids=form.ids(form.categories.data)
            )
        except digest.SavedSearchError as error:  # an area retired between page and post
            form.areas.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("Search saved. We will email you once a day when new needs match it."), "success")
            return redirect(url_for("needs.saved_searches"))
    searches = digest.current_saved_searches(current_user)
    return render_template(
        "needs/public/saved_searches.html",
        form=form,
        regions=list(regions),
        category_options=[(c.value, c.label) for c in form.categories.choices[1:]],
        searches=[(s, digest.describe(s)) for s in searches],
        remove_form=ConfirmForm(formdata=None),
    )


@bp.post("/needs/saved-searches/<int:search_id>/remove")
@login_required
def remove_saved_search(search_id):
    require(current_user, Action.SAVE_SEARCH)
    saved = db.get_or_404(SavedSearch, search_id)
    if saved.user_id != current_user.id or saved.ended_at is not None:
        abort(404)
    form = ConfirmForm()
    if form.validate_on_submit():
        digest.end_saved_search(saved, actor=current_user)
        db.session.commit()
        flash(_("Saved search removed. You will get no more emails for it."), "success")
    return redirect(url_for("needs.saved_searches"))
