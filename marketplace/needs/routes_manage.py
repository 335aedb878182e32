"""The commissioner's side of a need: create a draft, fill in each section from a task
list, check the answers and publish; later amend (with a reason), withdraw or cancel.

Who may: only a commissioner of the need's area (or of its region) manages a need
(Action.CREATE_NEED on the need's area, plus Action.VIEW_NEED); changing it needs
Action.EDIT_NEED, which refuses everyone once the need is closed, withdrawn or cancelled.
When the need is open, saving a section is an amendment: a reason is required, the
change is recorded and followers are told.
"""

from collections.abc import Callable

import sqlalchemy as sa
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from .. import audit
from ..accounts.models import Role
from ..documents import serving, uploads
from ..extensions import db
from ..forms import ConfirmForm
from ..money import format_pounds
from ..permissions import Action, can, require
from ..reference.models import Area, AreaKind, DesiredOutcome, ServiceCategory
from ..reference.services import current_categories
from ..timeutil import london, utcnow
from . import bp, documents, services
from .forms import (
    AboutForm,
    ConditionsForm,
    CriterionForm,
    DatesForm,
    DocumentForm,
    EndNeedForm,
    LotForm,
    NeedCreateForm,
    PaymentForm,
    RemoveForm,
    WeightsForm,
)
from .models import (
    Criterion,
    Lot,
    Need,
    NeedDocument,
    NeedStatus,
    Question,
    Reservation,
)

SECTIONS = [
    ("about", "About the need", "needs.edit_about"),
    ("lots", "Lots", "needs.need_lots"),
    ("criteria", "Evaluation criteria", "needs.edit_criteria"),
    ("conditions", "Conditions of participation", "needs.edit_conditions"),
    ("payment", "Payment profile", "needs.edit_payment"),
    ("dates", "Dates", "needs.edit_dates"),
    ("documents", "Documents", "needs.need_documents"),
]
OPTIONAL_SECTIONS = {"conditions", "documents"}


# Loading and permission ----------------------------------------------------------------


def _managed(need_id: int) -> Need:
    """The need, if the signed-in user commissions for its area; 404 or 403 otherwise."""
    need = db.get_or_404(Need, need_id)
    require(current_user, Action.VIEW_NEED, need)
    require(current_user, Action.CREATE_NEED, need.area)
    return need


def _editable(need_id: int) -> Need:
    need = _managed(need_id)
    require(current_user, Action.EDIT_NEED, need)
    return need


def _amending(need: Need) -> bool:
    return need.status == NeedStatus.OPEN


def _save(need: Need, form, change: Callable[[], None], *, section: str, error_field, done: str, next_url: str, also_changed: bool = False):
    """Apply `change`. A draft is simply saved; an open need gets an amendment, with the
    reason, a dated record, emails to followers and, near the deadline, a later closing
    time. A rule the services refuse puts its message by `error_field`, nothing written."""
    amending = _amending(need)
    before = services.snapshot(need)
    try:
        change()
        db.session.flush()
        if amending:
            amendment = services.amend_need(
                need, before=before, actor=current_user, reason=form.reason.data, correction=form.correction.data
            )
        else:
            services.record_draft_change(need, before=before, actor=current_user, section=section)
    except services.NeedError as error:
        db.session.rollback()
        field = form[error.field] if error.field and error.field in form else error_field
        field.errors = [*field.errors, str(error)]
        return None
    db.session.commit()
    if not amending:
        flash(done, "success")
    elif amendment is None:
        # also_changed: something providers do not see changed (not an amendment).
        if also_changed:
            flash(done, "success")
        else:
            flash("Nothing was changed.")
    elif amendment.correction:
        flash(f"{done} The correction is shown on the need and providers following it have been told. No bid is affected.", "success")
    elif amendment.closes_at_before != amendment.closes_at_after:
        flash(
            f"{done} Providers following the need have been told. The closing time has moved to "
            f"{london(amendment.closes_at_after)} so that at least {services.AMENDMENT_MIN_WORKING_DAYS} "
            "working days remain.",
            "success",
        )
    else:
        flash(
            f"{done} Providers following the need have been told. The closing time has not changed: "
            f"{london(need.closes_at)}.",
            "success",
        )
    return redirect(next_url)


def _page(template: str, need: Need, form=None, **context):
    return render_template(f"needs/manage/{template}", need=need, form=form, amending=_amending(need), **context)


def _manage_url(need: Need) -> str:
    return url_for("needs.manage_need", need_id=need.id)


# Creating ------------------------------------------------------------------------------


def _creatable_areas(user) -> list[Area]:
    """The areas the user may post needs for: their own, and a region's delivery units."""
    areas: list[Area] = []
    for membership in user.area_memberships(Role.COMMISSIONER):
        area = membership.area
        candidates = [area] + ([p for p in area.children if p.is_current()] if area.kind == AreaKind.REGION else [])
        areas += [a for a in candidates if a not in areas and can(user, Action.CREATE_NEED, a)]
    return areas


@bp.route("/needs/new", methods=["GET", "POST"])
@login_required
def new_need():
    areas = _creatable_areas(current_user)
    if not areas:
        abort(403)
    form = NeedCreateForm(areas=areas)
    if len(areas) == 1 and request.method == "GET":
        form.area.data = str(areas[0].id)
    if form.validate_on_submit():
        area = db.session.get(Area, int(form.area.data))
        require(current_user, Action.CREATE_NEED, area)
        need = services.create_need(area=area, title=form.title.data, actor=current_user)
        db.session.commit()
        flash("Draft created. Fill in each section, then check your answers and publish.", "success")
        return redirect(_manage_url(need))
    return render_template("needs/manage/new.html", form=form)


# Task list -----------------------------------------------------------------------------


def _section_statuses(need: Need) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for problem in services.problems(need):
        found.setdefault(problem.section, []).append(problem.message)
    statuses = {}
    for key, _, _ in SECTIONS:
        if key in OPTIONAL_SECTIONS:
            filled = (need.conditions or need.cost_floor_per_person_pence) if key == "conditions" else documents.current_documents(need)
            statuses[key] = "Completed" if filled else "Optional"
        else:
            statuses[key] = "Incomplete" if key in found else "Completed"
    return statuses


@bp.get("/needs/<int:need_id>/manage")
@login_required
def manage_need(need_id):
    need = _managed(need_id)
    unanswered = db.session.scalar(
        sa.select(sa.func.count()).select_from(Question).where(Question.need_id == need.id, Question.answered_at.is_(None))
    )
    return _page(
        "task_list.html",
        need,
        sections=SECTIONS,
        statuses=_section_statuses(need),
        problems=services.problems(need) if need.status == NeedStatus.DRAFT else [],
        can_edit=can(current_user, Action.EDIT_NEED, need),
        unanswered=unanswered,
        public_url=url_for("needs.show_need", need_id=need.id) if need.status != NeedStatus.DRAFT else None,
        questions_url=url_for("needs.list_questions", need_id=need.id),
    )


# About ---------------------------------------------------------------------------------


def _outcome_groups(need: Need):
    """Each current category with its current outcomes (and any the need already has)."""
    groups = []
    for category in current_categories():
        outcomes = [o for o in category.outcomes if o.is_current() or o in need.outcomes]
        groups.append((category, outcomes))
    if need.category is not None and need.category not in [c for c, _ in groups]:
        groups.append((need.category, list(need.category.outcomes)))
    return groups


@bp.route("/needs/<int:need_id>/about", methods=["GET", "POST"])
@login_required
def edit_about(need_id):
    need = _editable(need_id)
    groups = _outcome_groups(need)
    pdus = services.allowed_pdus(need.area)
    data = None
    if request.method == "GET":
        data = {
            "title": need.title,
            "summary": need.summary,
            "pdus": [str(a.id) for a in need.pdus],
            "category": str(need.category_id) if need.category_id else None,
            "outcomes": [str(o.id) for o in need.outcomes],
            "cohort": need.cohort,
            "expected_people": need.expected_people,
            "duration_months": need.duration_months,
            "procedure": need.procedure.value if need.procedure else None,
        }
    form = AboutForm(data=data, pdus=pdus, outcome_groups=groups, amending=_amending(need))
    if form.validate_on_submit():
        chosen_pdus = [a for a in pdus if str(a.id) in form.pdus.data]
        category = db.session.get(ServiceCategory, int(form.category.data))
        outcomes = list(
            db.session.scalars(sa.select(DesiredOutcome).where(DesiredOutcome.id.in_([int(v) for v in form.outcomes.data])))
        )

        def change():
            services.update_about(
                need,
                title=form.title.data,
                summary=form.summary.data,
                pdus=chosen_pdus,
                category=category,
                outcomes=outcomes,
                cohort=form.cohort.data,
                expected_people=form.expected_people.number,
                duration_months=form.duration_months.number,
                procedure=form.procedure.data,
            )

        response = _save(need, form, change, section="about", error_field=form.pdus, done="About the need saved.", next_url=_manage_url(need))
        if response:
            return response
    return _page("about.html", need, form, outcome_groups=groups)


# Lots ----------------------------------------------------------------------------------


def _lot(need: Need, lot_id: int) -> Lot:
    lot = db.session.get(Lot, lot_id)
    if lot is None or lot.need_id != need.id:
        abort(404)
    return lot


@bp.get("/needs/<int:need_id>/lots")
@login_required
def need_lots(need_id):
    need = _editable(need_id)
    return _page("lots.html", need, threshold=services.reservation_threshold_pence())


@bp.route("/needs/<int:need_id>/lots/add", methods=["GET", "POST"])
@bp.route("/needs/<int:need_id>/lots/<int:lot_id>", methods=["GET", "POST"])
@login_required
def edit_lot(need_id, lot_id=None):
    need = _editable(need_id)
    lot = _lot(need, lot_id) if lot_id is not None else None
    data = None
    if request.method == "GET" and lot is not None:
        data = {
            "title": lot.title,
            "description": lot.description,
            "budget": format_pounds(lot.value_pence),
            "reservation": lot.reservation.value,
        }
    form = LotForm(data=data, threshold_pence=services.reservation_threshold_pence(), amending=_amending(need))
    if form.validate_on_submit():

        def change():
            services.save_lot(
                need,
                title=form.title.data,
                description=form.description.data,
                value_pence=form.budget.pence,
                reservation=Reservation(form.reservation.data),
                lot=lot,
            )

        response = _save(need, form, change, section="lots", error_field=form.budget, done="Lot saved.", next_url=url_for("needs.need_lots", need_id=need.id))
        if response:
            return response
    return _page("lot.html", need, form, lot=lot)


@bp.route("/needs/<int:need_id>/lots/<int:lot_id>/remove", methods=["GET", "POST"])
@login_required
def remove_lot(need_id, lot_id):
    need = _editable(need_id)
    lot = _lot(need, lot_id)
    form = RemoveForm(amending=_amending(need))
    if form.validate_on_submit():
        response = _save(
            need, form, lambda: services.remove_lot(need, lot), section="lots", error_field=form.submit,
            done=f"Lot '{lot.title}' removed.", next_url=url_for("needs.need_lots", need_id=need.id),
        )
        if response:
            return response
    return _page("remove.html", need, form, thing=f"lot {lot.number}: {lot.title}", back=url_for("needs.need_lots", need_id=need.id))


# Evaluation criteria -------------------------------------------------------------------


def _criterion(need: Need, criterion_id: int) -> Criterion:
    criterion = db.session.get(Criterion, criterion_id)
    if criterion is None or criterion.need_id != need.id:
        abort(404)
    return criterion


@bp.route("/needs/<int:need_id>/criteria", methods=["GET", "POST"])
@login_required
def edit_criteria(need_id):
    need = _editable(need_id)
    data = None
    if request.method == "GET":
        data = {"social_value_weight": need.social_value_weight, "price_weight": need.price_weight}
    form = WeightsForm(data=data, amending=_amending(need))
    if form.validate_on_submit():
        response = _save(
            need,
            form,
            lambda: services.set_weights(
                need, social_value_weight=form.social_value_weight.number, price_weight=form.price_weight.number
            ),
            section="criteria", error_field=form.social_value_weight,
            done="Weights saved.",
            next_url=url_for("needs.edit_criteria", need_id=need.id),
        )
        if response:
            return response
    return _page("criteria.html", need, form, max_criteria=services.MAX_CRITERIA)


@bp.route("/needs/<int:need_id>/criteria/add", methods=["GET", "POST"])
@bp.route("/needs/<int:need_id>/criteria/<int:criterion_id>", methods=["GET", "POST"])
@login_required
def edit_criterion(need_id, criterion_id=None):
    need = _editable(need_id)
    criterion = _criterion(need, criterion_id) if criterion_id is not None else None
    if criterion is None and len(need.criteria) >= services.MAX_CRITERIA:
        flash(f"A need can have at most {services.MAX_CRITERIA} quality questions.", "error")
        return redirect(url_for("needs.edit_criteria", need_id=need.id))
    data = None
    if request.method == "GET":
        data = (
            {"question": criterion.question, "weight": criterion.weight, "word_limit": criterion.word_limit}
            if criterion
            else {"word_limit": 300}
        )
    form = CriterionForm(data=data, amending=_amending(need))
    if form.validate_on_submit():
        response = _save(
            need,
            form,
            lambda: services.save_criterion(
                need, question=form.question.data, weight=form.weight.number, word_limit=form.word_limit.number, criterion=criterion
            ),
            section="criteria", error_field=form.question,
            done="Quality question saved.",
            next_url=url_for("needs.edit_criteria", need_id=need.id),
        )
        if response:
            return response
    return _page("criterion.html", need, form, criterion=criterion)


@bp.route("/needs/<int:need_id>/criteria/<int:criterion_id>/remove", methods=["GET", "POST"])
@login_required
def remove_criterion(need_id, criterion_id):
    need = _editable(need_id)
    criterion = _criterion(need, criterion_id)
    form = RemoveForm(amending=_amending(need))
    back = url_for("needs.edit_criteria", need_id=need.id)
    if form.validate_on_submit():
        response = _save(
            need, form, lambda: services.remove_criterion(need, criterion), section="criteria", error_field=form.submit,
            done="Quality question removed.", next_url=back,
        )
        if response:
            return response
    return _page("remove.html", need, form, thing=f"quality question {criterion.number}", back=back)


# Conditions of participation -----------------------------------------------------------


@bp.route("/needs/<int:need_id>/conditions", methods=["GET", "POST"])
@login_required
def edit_conditions(need_id):
    need = _editable(need_id)
    form = ConditionsForm(amending=_amending(need))
    if request.method == "GET":
        form.conditions.data = list(need.conditions or [])
        form.cost_floor.set_pence(need.cost_floor_per_person_pence)
        form.show_bid_count.set_answer(need.show_bid_count)
    if form.validate_on_submit():
        show_count = form.show_bid_count.answer
        count_changed = show_count is not None and show_count != need.show_bid_count

        def change():
            services.set_conditions(
                need, conditions=form.conditions.data, cost_floor_per_person_pence=form.cost_floor.pence
            )
            if count_changed:
                # Not part of the need providers see, so not an amendment: recorded here.
                audit.record(
                    "need.show_bid_count_changed", need, actor=current_user,
                    before={"show_bid_count": need.show_bid_count}, after={"show_bid_count": show_count},
                )
                need.show_bid_count = show_count

        response = _save(
            need,
            form,
            change,
            section="conditions", error_field=form.conditions,
            done="Conditions of participation saved.",
            next_url=_manage_url(need),
            also_changed=count_changed,
        )
        if response:
            return response
    return _page("conditions.html", need, form)


# Payment profile -----------------------------------------------------------------------


@bp.route("/needs/<int:need_id>/payment", methods=["GET", "POST"])
@login_required
def edit_payment(need_id):
    need = _editable(need_id)
    data = None
    if request.method == "GET":
        data = {"advance_percent": need.advance_percent}
        for m in need.milestones:
            data.update({f"milestone_{m.number}_title": m.title, f"milestone_{m.number}_percent": m.percent, f"milestone_{m.number}_month": m.due_month})
    form = PaymentForm(data=data, amending=_amending(need))
    if form.validate_on_submit():
        response = _save(
            need,
            form,
            lambda: services.set_payment_profile(need, advance_percent=form.advance_percent.number, milestones=form.milestones),
            section="payment", error_field=form.advance_percent,
            done="Payment profile saved.",
            next_url=url_for("needs.edit_payment", need_id=need.id),
        )
        if response:
            return response
    schedules = [(lot, services.payment_schedule(need, lot)) for lot in need.lots]
    return _page("payment.html", need, form, schedules=schedules)


# Dates ---------------------------------------------------------------------------------


@bp.route("/needs/<int:need_id>/dates", methods=["GET", "POST"])
@login_required
def edit_dates(need_id):
    need = _editable(need_id)
    now = utcnow()
    form = DatesForm(amending=_amending(need))
    if request.method == "GET":
        if need.closes_at is None:
            form.set_times(*services.default_closing(now))
        else:
            form.set_times(need.question_deadline, need.closes_at)
    if form.validate_on_submit():
        refused = services.date_problems(need, question_deadline=form.question_deadline, closes_at=form.closes_at, now=now)
        for name, message in refused:
            field = form.field_for(name)
            field.errors = [*field.errors, message]
        response = None if refused else _save(
            need,
            form,
            lambda: services.set_dates(need, question_deadline=form.question_deadline, closes_at=form.closes_at, now=now),
            section="dates", error_field=form.closes_date,
            done="Dates saved.",
            next_url=_manage_url(need),
        )
        if response:
            return response
    earliest = services.earliest_closing_date(now)
    return _page("dates.html", need, form, earliest=f"{earliest.day} {earliest:%B %Y}")


# Documents -----------------------------------------------------------------------------


def _document(need: Need, document_id: int) -> NeedDocument:
    document = db.session.get(NeedDocument, document_id)
    if document is None or document.need_id != need.id or document.removed_at is not None:
        abort(404)
    return document


@bp.route("/needs/<int:need_id>/documents", methods=["GET", "POST"])
@login_required
def need_documents(need_id):
    need = _editable(need_id)
    form = DocumentForm(amending=_amending(need))
    if form.validate_on_submit():
        upload = form.document.data
        name = uploads.clean_filename(upload.filename)

        def change():
            try:
                documents.store_document(
                    need, filename=upload.filename, data=uploads.read_limited(upload.stream), actor=current_user
                )
            except uploads.DocumentError as error:
                raise services.NeedError(str(error)) from None

        response = _save(
            need, form, change, section="documents", error_field=form.document, done=f"{name} uploaded.",
            next_url=url_for("needs.need_documents", need_id=need.id),
        )
        if response:
            return response
    return _page(
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
    need = _editable(need_id)
    document = _document(need, document_id)
    form = RemoveForm(amending=_amending(need))
    back = url_for("needs.need_documents", need_id=need.id)
    if form.validate_on_submit():
        response = _save(
            need, form, lambda: documents.remove_document(document, actor=current_user), section="documents",
            error_field=form.submit, done=f"{document.filename} removed.", next_url=back,
        )
        if response:
            return response
    return _page("remove.html", need, form, thing=document.filename, back=back)


@bp.get("/needs/<int:need_id>/documents/<int:document_id>")
def download_document(need_id, document_id):
    need = db.get_or_404(Need, need_id)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)  # a draft is not public: don't confirm it exists
    document = _document(need, document_id)
    return serving.send_stored_file(document)


# Check and publish ---------------------------------------------------------------------


def _check_page(need: Need, *, attempted: bool = False):
    return _page(
        "check.html",
        need,
        None,
        problems=services.problems(need),
        attempted=attempted,
        publish_form=ConfirmForm(),
        can_publish=can(current_user, Action.PUBLISH_NEED, need),
        can_edit=can(current_user, Action.EDIT_NEED, need),
        schedules=[(lot, services.payment_schedule(need, lot)) for lot in need.lots],
        current_documents=documents.current_documents(need),
        section_urls={key: url_for(endpoint, need_id=need.id) for key, _, endpoint in SECTIONS},
    )


@bp.get("/needs/<int:need_id>/check")
@login_required
def check_need(need_id):
    return _check_page(_managed(need_id))


@bp.post("/needs/<int:need_id>/publish")
@login_required
def publish_need(need_id):
    need = _managed(need_id)
    require(current_user, Action.PUBLISH_NEED, need)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.publish_need(need, actor=current_user)
    except services.NeedError:
        db.session.rollback()
        return _check_page(need, attempted=True)
    db.session.commit()
    flash(f"Need published. Providers can find it and bid until {london(need.closes_at)}.", "success")
    return redirect(_manage_url(need))


# Withdraw and cancel -------------------------------------------------------------------


def _end(need_id: int, action: Action, service, template: str, done: str):
    need = _managed(need_id)
    require(current_user, action, need)
    form = EndNeedForm()
    if form.validate_on_submit():
        try:
            service(need, actor=current_user, reason=form.reason.data)
        except services.NeedError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
        else:
            db.session.commit()
            flash(done, "success")
            return redirect(_manage_url(need))
    return _page(template, need, form)


@bp.route("/needs/<int:need_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw_need(need_id):
    return _end(need_id, Action.WITHDRAW_NEED, services.withdraw_need, "withdraw.html", "Need withdrawn. Providers following it have been told.")


@bp.route("/needs/<int:need_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel_need(need_id):
    return _end(need_id, Action.CANCEL_NEED, services.cancel_need, "cancel.html", "Need cancelled. Providers following it have been told.")


# The commissioner's home page ----------------------------------------------------------


def commissioning_overview(user, now=None) -> dict | None:
    """For the home page: the needs of the areas the user commissions for, counted by
    status, and what needs their action. None when the user commissions nowhere."""
    areas = [m.area for m in user.area_memberships(Role.COMMISSIONER)]
    if not areas:
        return None
    now = now or utcnow()
    area_ids = {a.id for a in areas} | {c.id for a in areas if a.kind == AreaKind.REGION for c in a.children}
    status = sa.case(
        (Need.cancelled_at.is_not(None), NeedStatus.CANCELLED.value),
        (Need.withdrawn_at.is_not(None), NeedStatus.WITHDRAWN.value),
        (Need.awarded_at.is_not(None), NeedStatus.AWARDED.value),
        (Need.not_awarded_at.is_not(None), NeedStatus.NOT_AWARDED.value),
        (Need.published_at.is_(None), NeedStatus.DRAFT.value),
        (Need.closes_at <= now, NeedStatus.CLOSED.value),
        else_=NeedStatus.OPEN.value,
    )
    counts = dict(
        db.session.execute(sa.select(status, sa.func.count()).where(Need.area_id.in_(area_ids)).group_by(status)).all()
    )
    listed = db.session.scalars(
        sa.select(Need)
        .where(Need.area_id.in_(area_ids), status.in_([NeedStatus.DRAFT.value, NeedStatus.OPEN.value, NeedStatus.CLOSED.value]))
        .order_by(Need.closes_at.is_(None), Need.closes_at, Need.id)
        .limit(60)
    ).all()
    by_status: dict[NeedStatus, list[Need]] = {}
    for need in listed:
        by_status.setdefault(need.status_at(now), []).append(need)
    unanswered = db.session.execute(
        sa.select(Need, sa.func.count(Question.id))
        .join(Question, Question.need_id == Need.id)
        .where(Need.area_id.in_(area_ids), Question.answered_at.is_(None))
        .group_by(Need.id)
        .order_by(Need.closes_at)
    ).all()
    closing = db.session.scalars(
        sa.select(Need)
        .where(Need.area_id.in_(area_ids), Need.open_clause(now), Need.closes_at <= services.closing_soon_cutoff(now))
        .order_by(Need.closes_at)
    ).all()
    return {
        "counts": [(s, counts.get(s.value, 0)) for s in NeedStatus],
        "by_status": by_status,
        "unanswered": unanswered,
        "closing": closing,
    }

