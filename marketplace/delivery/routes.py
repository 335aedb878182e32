"""Outcome report pages, one report per milestone of a contract (not the advance).

    delivery.report            GET/POST /contracts/<c>/milestones/<m>/report
    delivery.evidence          GET/POST /contracts/<c>/milestones/<m>/report/evidence
    delivery.remove_evidence   POST     /contracts/<c>/milestones/<m>/report/evidence/<d>/remove
    delivery.download_evidence GET      /contracts/<c>/milestones/<m>/report/evidence/<d>
    delivery.review            POST     /contracts/<c>/milestones/<m>/report/review
    delivery.submission        GET      /contracts/<c>/milestones/<m>/report/submissions/<n>
    delivery.outcomes          GET      /contracts/<c>/outcomes

Who may: everyone who reads the contract (Action.VIEW_CONTRACT: its parties, the area's
commissioners, board members and finance officers) reads its reports; everyone else gets
404. Members of the lead organisation (Action.REPORT_OUTCOMES) see the report's form while
it is a draft or returned, and its page otherwise; others get 403 on anything that
changes it. The area's commissioner who is not a member of a party (Action.REVIEW_REPORT)
approves or returns the latest submission from the report's page.

A refusal is shown by its field with the input kept, status 400, nothing written.
"""

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

from ..contracts.models import Contract, ContractMilestone
from ..documents import serving, uploads
from ..extensions import db
from ..forms import ConfirmForm
from ..permissions import Action, can, require
from ..refusals import Refusal, committed
from ..timeutil import utcnow
from . import bp, services
from .forms import APPROVE, EvidenceForm, ReviewForm, report_form
from .models import OutcomeReport, ReportDocument, ReportState, ReportSubmission
from .services import PARTS, ReportIncomplete, outcome_field


def _milestone(contract_id: int, milestone_id: int) -> tuple[Contract, ContractMilestone]:
    """The contract and one of its milestones (not the advance), for those who read the
    contract; 404 for everyone else."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can(current_user, Action.VIEW_CONTRACT, contract):
        abort(404)
    milestone = db.session.get(ContractMilestone, milestone_id)
    if milestone is None or milestone.contract_id != contract.id or milestone.is_advance:
        abort(404)
    return contract, milestone


def _urls(contract: Contract, milestone: ContractMilestone) -> dict:
    ids = {"contract_id": contract.id, "milestone_id": milestone.id}
    return {
        "report": url_for("delivery.report", **ids),
        "evidence": url_for("delivery.evidence", **ids),
        "review": url_for("delivery.review", **ids),
        "contract": url_for("contracts.show", contract_id=contract.id),
    }


def _document_urls(contract: Contract, milestone: ContractMilestone, report: OutcomeReport | None) -> dict[str, str]:
    """Download links by sha256, for the documents of the report (a submission names
    its documents by digest)."""
    if report is None:
        return {}
    return {
        d.sha256: url_for("delivery.download_evidence", contract_id=contract.id, milestone_id=milestone.id, document_id=d.id)
        for d in report.documents
    }


def _saved_data(report: OutcomeReport | None) -> dict:
    if report is None:
        return {}
    data = {
        "referred": report.referred, "started": report.started, "completed": report.completed,
        "narrative": report.narrative, "case_study": report.case_study,
    }
    for line in report.outcomes:
        for part, _ in PARTS:
            data[outcome_field(line.outcome_id, part)] = getattr(line, part)
    return data


# The report: the provider's form, or its page ------------------------------------------


def _report_page(contract, milestone, report, *, review_form=None, status: int = 200):
    latest = report.latest if report is not None else None
    may_review = report is not None and can(current_user, Action.REVIEW_REPORT, report)
    if may_review and report.state == ReportState.SUBMITTED and review_form is None:
        review_form = ReviewForm()
    return (
        render_template(
            "delivery/report.html",
            contract=contract,
            milestone=milestone,
            report=report,
            state=report.state if report is not None else None,
            latest=latest,
            history=services.history(report) if report is not None else [],
            may_report=can(current_user, Action.REPORT_OUTCOMES, contract),
            may_review=may_review,
            form=review_form if may_review else None,
            show_review=may_review and report.state == ReportState.SUBMITTED,
            not_started=services.not_started(contract),
            document_urls=_document_urls(contract, milestone, report),
            urls=_urls(contract, milestone),
        ),
        status,
    )


@bp.route("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report", methods=["GET", "POST"])
@login_required
def report(contract_id, milestone_id):
    contract, milestone = _milestone(contract_id, milestone_id)
    report = services.report_for(milestone)
    may_report = can(current_user, Action.REPORT_OUTCOMES, contract)
    if request.method == "GET" and (not may_report or not services.is_editable(report)):
        return _report_page(contract, milestone, report)
    if request.method == "POST" and not may_report:
        abort(403)
    now = utcnow()
    outcomes = contract.outcomes
    form = report_form(outcomes) if request.method == "POST" else report_form(outcomes, data=_saved_data(report))
    if form.validate_on_submit():
        submitting = form.submitting

        def save():
            target = report or services.start_report(milestone, current_user, now)
            services.save_report(
                target,
                referred=form.referred.number, started=form.started.number, completed=form.completed.number,
                outcomes=form.outcome_numbers(), narrative=form.narrative.data, case_study=form.case_study.data,
                actor=current_user, now=now,
            )
            if submitting:
                services.submit_report(target, current_user, now)

        try:
            save()
        except ReportIncomplete as error:
            db.session.rollback()
            for problem in error.problems:
                field = form[problem.field] if problem.field in form else form.save
                field.errors = [*field.errors, problem.message]
        except Refusal as error:
            db.session.rollback()
            field = form[error.field] if error.field and error.field in form else form.save
            field.errors = [*field.errors, error.message]
        else:
            db.session.commit()
            if submitting:
                flash("Report submitted. The commissioner has been told and will approve it or return it with comments.", "success")
                return redirect(url_for("delivery.report", contract_id=contract.id, milestone_id=milestone.id))
            flash("Draft saved. You can come back to it and submit it when it is complete.", "success")
            return redirect(url_for("delivery.report", contract_id=contract.id, milestone_id=milestone.id))
        report = services.report_for(milestone)
    elif request.method == "POST" and not form.errors:
        abort(400)
    return (
        render_template(
            "delivery/report_form.html",
            contract=contract,
            milestone=milestone,
            report=report,
            state=report.state if report is not None else ReportState.DRAFT,
            form=form,
            history=services.history(report) if report is not None else [],
            problems=services.problems(report) if report is not None else [],
            not_started=services.not_started(contract, now),
            document_urls=_document_urls(contract, milestone, report),
            urls=_urls(contract, milestone),
            narrative_limit=services.NARRATIVE_WORD_LIMIT,
            case_study_limit=services.CASE_STUDY_WORD_LIMIT,
        ),
        400 if form.errors else 200,
    )


@bp.post("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report/review")
@login_required
def review(contract_id, milestone_id):
    contract, milestone = _milestone(contract_id, milestone_id)
    report = services.report_for(milestone)
    if report is None:
        abort(404)
    require(current_user, Action.REVIEW_REPORT, report)
    form = ReviewForm()
    now = utcnow()
    if form.validate_on_submit():
        approving = form.decision.data == APPROVE
        if committed(
            (lambda: services.approve_report(report, current_user, now)) if approving
            else (lambda: services.return_report(report, form.comments.data, current_user, now)),
            form,
            form.decision,
        ):
            flash(
                "Report approved. The milestone's payment is now payable and the provider has been told." if approving
                else "Report returned to the provider with your comments.",
                "success",
            )
            return redirect(url_for("delivery.report", contract_id=contract.id, milestone_id=milestone.id))
    elif not form.errors:
        abort(400)
    db.session.expire_all()
    report = services.report_for(milestone)
    return _report_page(contract, milestone, report, review_form=form, status=400)


@bp.get("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report/submissions/<int:number>")
@login_required
def submission(contract_id, milestone_id, number):
    contract, milestone = _milestone(contract_id, milestone_id)
    report = services.report_for(milestone)
    if report is None:
        abort(404)
    shown = db.session.scalar(
        sa.select(ReportSubmission).where(ReportSubmission.report_id == report.id, ReportSubmission.number == number)
    )
    if shown is None:
        abort(404)
    return render_template(
        "delivery/submission.html",
        contract=contract, milestone=milestone, report=report, submission=shown,
        document_urls=_document_urls(contract, milestone, report), urls=_urls(contract, milestone),
    )


# Evidence ------------------------------------------------------------------------------


def _lead(contract_id: int, milestone_id: int):
    contract, milestone = _milestone(contract_id, milestone_id)
    require(current_user, Action.REPORT_OUTCOMES, contract)
    return contract, milestone, services.report_for(milestone)


@bp.route("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report/evidence", methods=["GET", "POST"])
@login_required
def evidence(contract_id, milestone_id):
    contract, milestone, report = _lead(contract_id, milestone_id)
    if request.method == "GET" and not services.is_editable(report):
        flash("The report has been submitted: its evidence can no longer be changed.")
        return redirect(url_for("delivery.report", contract_id=contract.id, milestone_id=milestone.id))
    form = EvidenceForm()
    now = utcnow()
    if form.validate_on_submit():
        upload = form.document.data
        data = uploads.read_limited(upload.stream)

        def add():
            target = report or services.start_report(milestone, current_user, now)
            services.add_evidence(target, upload.filename, data, current_user, now)

        if committed(add, form, form.document):
            flash(f"{uploads.clean_filename(upload.filename)} uploaded.", "success")
            return redirect(url_for("delivery.evidence", contract_id=contract.id, milestone_id=milestone.id))
    elif request.method == "POST" and not form.errors:
        abort(400)
    return (
        render_template(
            "delivery/evidence.html",
            contract=contract,
            milestone=milestone,
            report=report,
            documents=report.current_documents if report is not None else [],
            form=form,
            remove_form=ConfirmForm(),
            not_started=services.not_started(contract, now),
            human_size=uploads.human_size,
            max_mb=current_app.config["DOCUMENT_MAX_MB"],
            urls=_urls(contract, milestone),
        ),
        400 if form.errors else 200,
    )


def _document(report: OutcomeReport | None, document_id: int) -> ReportDocument:
    document = db.session.get(ReportDocument, document_id)
    if report is None or document is None or document.report_id != report.id:
        abort(404)
    return document


@bp.post("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report/evidence/<int:document_id>/remove")
@login_required
def remove_evidence(contract_id, milestone_id, document_id):
    contract, milestone, report = _lead(contract_id, milestone_id)
    document = _document(report, document_id)
    if document.removed_at is not None:
        abort(404)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.remove_evidence(document, current_user)
    except Refusal as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("delivery.report", contract_id=contract.id, milestone_id=milestone.id))
    db.session.commit()
    flash(f"{document.filename} removed.", "success")
    return redirect(url_for("delivery.evidence", contract_id=contract.id, milestone_id=milestone.id))


@bp.get("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report/evidence/<int:document_id>")
@login_required
def download_evidence(contract_id, milestone_id, document_id):
    """A file of the report, for those permissions.READ_EVIDENCE allows: a draft's files
    only to the provider's members, sent files (even removed since) to all who read the
    contract."""
    _, milestone = _milestone(contract_id, milestone_id)
    report = services.report_for(milestone)
    document = _document(report, document_id)
    if not can(current_user, Action.READ_EVIDENCE, document):
        abort(404)
    return serving.send_stored_file(document)


# Outcomes so far -----------------------------------------------------------------------


@bp.get("/contracts/<int:contract_id>/outcomes")
@login_required
def outcomes(contract_id):
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can(current_user, Action.VIEW_CONTRACT, contract):
        abort(404)
    reports = services.reports_of(contract)
    return render_template(
        "delivery/outcomes.html",
        contract=contract,
        so_far=services.outcomes_so_far(contract),
        milestones=[(m, reports.get(m.id)) for m in contract.milestones if not m.is_advance],
    )
