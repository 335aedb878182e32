"""The commissioner's side of a need: create a draft, the task list of its sections, the
documents section, and the helpers every management page shares (loading with the
permission checks, saving a section, the page frame). Writing the other sections is
routes_drafting.py; checking, publishing, withdrawing and cancelling is
routes_publishing.py.

Who may: only a commissioner of the need's area (or of its region) manages a need
(Action.CREATE_NEED on the need's area, plus Action.VIEW_NEED); changing it needs
Action.EDIT_NEED, which refuses everyone once the need is closed, withdrawn or cancelled.
When the need is open, saving a section is an amendment: a reason is required, the
change is recorded and followers are told.
"""

from collections.abc import Callable

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..documents import serving, uploads
from ..extensions import db
from ..permissions import Action, can, require
from ..reference.models import Area
from ..refusals import committed
from ..timeutil import london
from . import amendments, bp, documents, drafting, publishing, questions
from .forms import DocumentForm, NeedCreateForm, RemoveForm
from .models import Amendment, Need, NeedDocument, NeedError, NeedStatus

SECTIONS = [
    ("about", _l("About the need"), "needs.edit_about"),
    ("welsh", _l("Welsh title and summary"), "needs.edit_welsh"),
    ("lots", _l("Lots"), "needs.need_lots"),
    ("criteria", _l("Evaluation criteria"), "needs.edit_criteria"),
    ("conditions", _l("Conditions of participation"), "needs.edit_conditions"),
    ("payment", _l("Payment profile"), "needs.edit_payment"),
    ("dates", _l("Dates"), "needs.edit_dates"),
    ("documents", _l("Documents"), "needs.need_documents"),
]
OPTIONAL_SECTIONS = {"conditions", "documents"}


def sections_of(need: Need) -> list[tuple[str, str, str]]:
    """The need's sections: the Welsh title and summary only for an area in Wales."""
    return [section for section in SECTIONS if section[0] != "welsh" or need.area.in_wales]


# Loading and permission ----------------------------------------------------------------


def managed_need(need_id: int) -> Need:
    """The need, if the signed-in user commissions for its area; 404 or 403 otherwise."""
    need = db.get_or_404(Need, need_id)
    require(current_user, Action.VIEW_NEED, need)
    require(current_user, Action.CREATE_NEED, need.area)
    return need


def editable_need(need_id: int) -> Need:
    need = managed_need(need_id)
    require(current_user, Action.EDIT_NEED, need)
    return need


def part_or_404(model, need: Need, part_id: int):
    """A lot, quality question or document of this need by id; 404 for another need's."""
    part = db.session.get(model, part_id)
    if part is None or part.need_id != need.id:
        abort(404)
    return part


def is_amending(need: Need) -> bool:
    return need.status == NeedStatus.OPEN


# Saving a section ----------------------------------------------------------------------


def save_and_redirect(
    need: Need,
    form,
    change: Callable[[], None],
    *,
    section: str,
    error_field,
    done: str,
    next_url: str,
    also_changed: bool = False,
):
    """Apply `change` and commit (amendments.save_section). A draft is simply saved; an
    open need gets an amendment, with the reason, a dated record, emails to followers and,
    near the deadline, a later closing time. A rule the services refuse puts its message
    by its field (or `error_field`), nothing written, and None is returned."""
    amending = is_amending(need)
    saved: list[Amendment | None] = []

    def save():
        saved.append(
            amendments.save_section(
                need,
                change,
                actor=current_user,
                section=section,
                reason=form.reason.data if amending else None,
                correction=form.correction.data if amending else False,
            )
        )

    if not committed(save, form, error_field):
        return None
    flash(*_saved_message(need, amending, saved[0], done, also_changed=also_changed))
    return redirect(next_url)


def _saved_message(
    need: Need, amending: bool, amendment: Amendment | None, done: str, *, also_changed: bool
) -> tuple[str, str]:
    """The message (and its category) after a save: for an amendment, who was told and
    where the closing time stands."""
    if not amending:
        return done, "success"
    if amendment is None:
        # also_changed: something providers do not see changed (not an amendment).
        return (done, "success") if also_changed else (_("Nothing was changed."), "message")
    if amendment.correction:
        return (
            _(
                "%(done)s The correction is shown on the need and providers following it have been told. "
                "No bid is affected.",
                done=done,
            ),
            "success",
        )
    if amendment.closes_at_before != amendment.closes_at_after:
        return _(
            "%(done)s Providers following the need have been told. The closing time has moved to %(time)s so "
            "that at least %(days)s working days remain.",
            done=done,
            time=london(amendment.closes_at_after),
            days=amendments.AMENDMENT_MIN_WORKING_DAYS,
        ), "success"
    return _(
        "%(done)s Providers following the need have been told. The closing time has not changed: %(time)s.",
        done=done,
        time=london(need.closes_at),
    ), "success"


def remove_page(need: Need, remove: Callable[[], None], *, section: str, thing: str, done: str, back: str):
    """The page that confirms removing a lot, a quality question or a document, and
    removes it (through save_and_redirect: on an open need, an amendment)."""
    form = RemoveForm(amending=is_amending(need))
    if form.validate_on_submit():
        response = save_and_redirect(
            need, form, remove, section=section, error_field=form.submit, done=done, next_url=back
        )
        if response:
            return response
    return manage_page("remove.html", need, form, thing=thing, back=back)


def manage_page(template: str, need: Need, form=None, **context):
    return render_template(f"needs/manage/{template}", need=need, form=form, amending=is_amending(need), **context)


def manage_url(need: Need) -> str:
    return url_for("needs.manage_need", need_id=need.id)


# Creating ------------------------------------------------------------------------------


@bp.route("/needs/new", methods=["GET", "POST"])
@login_required
def new_need():
    areas = drafting.creatable_areas(current_user)
    if not areas:
        abort(403)
    form = NeedCreateForm(areas=areas)
    if len(areas) == 1 and request.method == "GET":
        form.area.data = str(areas[0].id)
    if form.validate_on_submit():
        area = db.session.get(Area, int(form.area.data))
        require(current_user, Action.CREATE_NEED, area)
        need = drafting.create_need(area=area, title=form.title.data, actor=current_user)
        db.session.commit()
        flash(_("Draft created. Fill in each section, then check your answers and publish."), "success")
        return redirect(manage_url(need))
    return render_template("needs/manage/new.html", form=form)


# Task list -----------------------------------------------------------------------------


def _section_statuses(need: Need) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for problem in publishing.problems(need):
        found.setdefault(problem.section, []).append(problem.message)
    statuses = {}
    for key, _title, _endpoint in sections_of(need):
        if key in OPTIONAL_SECTIONS:
            filled = (
                (need.conditions or need.cost_floor_per_person_pence)
                if key == "conditions"
                else documents.current_documents(need)
            )
            statuses[key] = "Completed" if filled else "Optional"
        else:
            statuses[key] = "Incomplete" if key in found else "Completed"
    return statuses


@bp.get("/needs/<int:need_id>/manage")
@login_required
def manage_need(need_id):
    need = managed_need(need_id)
    return manage_page(
        "task_list.html",
        need,
        sections=sections_of(need),
        statuses=_section_statuses(need),
        problems=publishing.problems(need) if need.status == NeedStatus.DRAFT else [],
        can_edit=can(current_user, Action.EDIT_NEED, need),
        unanswered=questions.unanswered_count(need),
        public_url=url_for("needs.show_need", need_id=need.id) if need.status != NeedStatus.DRAFT else None,
        questions_url=url_for("needs.list_questions", need_id=need.id),
    )


# Documents -----------------------------------------------------------------------------


def _document(need: Need, document_id: int) -> NeedDocument:
    document = part_or_404(NeedDocument, need, document_id)
    if document.removed_at is not None:
        abort(404)
    return document


def _store_upload(need: Need, form):
    """Store the uploaded document: the redirect back to the documents page, or None
    when it was refused (the reason then on the form)."""
    upload = form.document.data
    name = uploads.clean_filename(upload.filename)

    def change():
        try:
            documents.store_document(
                need, filename=upload.filename, data=uploads.read_limited(upload.stream), actor=current_user
            )
        except uploads.DocumentError as error:
            raise NeedError(str(error)) from None

    return save_and_redirect(
        need,
        form,
        change,
        section="documents",
        error_field=form.document,
        done=_("%(name)s uploaded.", name=name),
        next_url=url_for("needs.need_documents", need_id=need.id),
    )


@bp.route("/needs/<int:need_id>/documents", methods=["GET", "POST"])
@login_required
def need_documents(need_id):
    need = editable_need(need_id)
    form = DocumentForm(amending=is_amending(need))
    if form.validate_on_submit():
        response = _store_upload(need, form)
        if response:
            return response
    return manage_page(
        "documents.html",
        need,
        form,
        current=documents.current_documents(need),
        human_size=uploads.human_size,
        max_mb=current_app.config["DOCUMENT_MAX_MB"],
    )


@bp.route("/needs/<int:need_id>/documents/<int:document_id>/remove", methods=["GET", "POST"])
@login_required
def remove_document(need_id, document_id):
    need = editable_need(need_id)
    document = _document(need, document_id)
    return remove_page(
        need,
        lambda: documents.remove_document(document, actor=current_user),
        section="documents",
        thing=document.filename,
        done=_("%(name)s removed.", name=document.filename),
        back=url_for("needs.need_documents", need_id=need.id),
    )


@bp.get("/needs/<int:need_id>/documents/<int:document_id>")
def download_document(need_id, document_id):
    need = db.get_or_404(Need, need_id)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)  # a draft is not public: don't confirm it exists
    document = _document(need, document_id)
    return serving.send_stored_file(document)
