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

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ..contracts.models import Contract, ContractMilestone
from ..documents import serving, uploads
from ..extensions import db
from ..forms import ConfirmForm
from ..permissions import Action, can, require
from ..refusals import committed
from . import bp, drafts, reports
from . import evidence as evidence_files
from .decisions import review_report
from .forms import EvidenceForm, ReviewForm, report_form
from .models import OutcomeReport, ReportDocument, ReportState
from .reports import PARTS, ReportIncomplete, outcome_field
from .so_far import outcomes_so_far


def _contract(contract_id: int) -> Contract:
    """The contract, for those who read it; 404 for everyone else."""
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can(current_user, Action.VIEW_CONTRACT, contract):
        abort(404)
    return contract


def _milestone(contract_id: int, milestone_id: int) -> tuple[Contract, ContractMilestone]:
    """The contract and one of its milestones (not the advance), for those who read the
    contract; 404 for everyone else."""
    contract = _contract(contract_id)
    milestone = db.session.get(ContractMilestone, milestone_id)
    if milestone is None or milestone.contract_id != contract.id or milestone.is_advance:
        abort(404)
    return contract, milestone


def _urls(contract: Contract, milestone: ContractMilestone) -> dict:
    ids: dict[str, Any] = {"contract_id": contract.id, "milestone_id": milestone.id}
    return {
        "report": url_for("delivery.report", **ids),
        "evidence": url_for("delivery.evidence", **ids),
        "review": url_for("delivery.review", **ids),
        "contract": url_for("contracts.show", contract_id=contract.id),
    }


def _back_to_report(milestone: ContractMilestone):
    return redirect(url_for("delivery.report", contract_id=milestone.contract_id, milestone_id=milestone.id))


def _document_urls(contract: Contract, milestone: ContractMilestone, report: OutcomeReport | None) -> dict[str, str]:
    """Download links by sha256, for the documents of the report (a submission names
    its documents by digest)."""
    if report is None:
        return {}
    return {
        d.sha256: url_for(
            "delivery.download_evidence", contract_id=contract.id, milestone_id=milestone.id, document_id=d.id
        )
        for d in report.documents
    }


def _saved_data(report: OutcomeReport | None) -> dict:
    if report is None:
        return {}
    data = {
        "referred": report.referred,
        "started": report.started,
        "completed": report.completed,
        "narrative": report.narrative,
        "case_study": report.case_study,
    }
    for line in report.outcomes:
        for part, _label in PARTS:
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
            history=reports.history(report) if report is not None else [],
            may_report=can(current_user, Action.REPORT_OUTCOMES, contract),
            may_review=may_review,
            form=review_form if may_review else None,
            show_review=may_review and report.state == ReportState.SUBMITTED,
            not_started=reports.not_started(contract),
            document_urls=_document_urls(contract, milestone, report),
            urls=_urls(contract, milestone),
        ),
        status,
    )


def _form_page(contract, milestone, form):
    report = reports.report_for(milestone)
    return (
        render_template(
            "delivery/report_form.html",
            contract=contract,
            milestone=milestone,
            report=report,
            state=report.state if report is not None else ReportState.DRAFT,
            form=form,
            history=reports.history(report) if report is not None else [],
            problems=reports.problems(report) if report is not None else [],
            not_started=reports.not_started(contract),
            document_urls=_document_urls(contract, milestone, report),
            urls=_urls(contract, milestone),
            narrative_limit=reports.NARRATIVE_WORD_LIMIT,
            case_study_limit=reports.CASE_STUDY_WORD_LIMIT,
        ),
        400 if form.errors else 200,
    )


def _reported(call, form) -> bool:
    """committed(call), but a submission refused for several problems (ReportIncomplete)
    shows every one by its field, not only the first."""

    def call_showing_every_problem():
        try:
            call()
        except ReportIncomplete as error:
            for problem in error.problems[1:]:
                field = form[problem.field] if problem.field in form else form.save  # noqa: SIM401 (a form has no .get)
                field.errors = [*field.errors, problem.message]
            raise

    return committed(call_showing_every_problem, form, form.save)


SUBMITTED = _l("Report submitted. The commissioner has been told and will approve it or return it with comments.")
SAVED = _l("Draft saved. You can come back to it and submit it when it is complete.")


@bp.route("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report", methods=["GET", "POST"])
@login_required
def report(contract_id, milestone_id):
    contract, milestone = _milestone(contract_id, milestone_id)
    may_report = can(current_user, Action.REPORT_OUTCOMES, contract)
    if request.method == "GET" and (not may_report or not reports.is_editable(reports.report_for(milestone))):
        return _report_page(contract, milestone, reports.report_for(milestone))
    if not may_report:
        abort(403)
    saved = {} if request.method == "POST" else {"data": _saved_data(reports.report_for(milestone))}
    form = report_form(contract.outcomes, **saved)
    if form.validate_on_submit() and _reported(
        lambda: drafts.write_report(milestone, submit=form.submitting, actor=current_user, **form.answers()), form
    ):
        flash(str(SUBMITTED if form.submitting else SAVED), "success")
        return _back_to_report(milestone)
    if request.method == "POST" and not form.errors:
        abort(400)
    return _form_page(contract, milestone, form)


@bp.post("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report/review")
@login_required
def review(contract_id, milestone_id):
    contract, milestone = _milestone(contract_id, milestone_id)
    report = reports.report_for(milestone)
    if report is None:
        abort(404)
    require(current_user, Action.REVIEW_REPORT, report)
    form = ReviewForm()
    if form.validate_on_submit() and committed(
        lambda: review_report(report, approve=form.approving, comments=form.comments.data, actor=current_user),
        form,
        form.decision,
    ):
        flash(
            _("Report approved. The milestone's payment is now payable and the provider has been told.")
            if form.approving
            else _("Report returned to the provider with your comments."),
            "success",
        )
        return _back_to_report(milestone)
    if not form.errors:
        abort(400)
    db.session.expire_all()
    return _report_page(contract, milestone, reports.report_for(milestone), review_form=form, status=400)


@bp.get("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report/submissions/<int:number>")
@login_required
def submission(contract_id, milestone_id, number):
    contract, milestone = _milestone(contract_id, milestone_id)
    report = reports.report_for(milestone)
    shown = reports.submission_of(report, number) if report is not None else None
    if shown is None:
        abort(404)
    return render_template(
        "delivery/submission.html",
        contract=contract,
        milestone=milestone,
        report=report,
        submission=shown,
        document_urls=_document_urls(contract, milestone, report),
        urls=_urls(contract, milestone),
    )


# Evidence ------------------------------------------------------------------------------


def _lead(contract_id: int, milestone_id: int):
    contract, milestone = _milestone(contract_id, milestone_id)
    require(current_user, Action.REPORT_OUTCOMES, contract)
    return contract, milestone, reports.report_for(milestone)


def _evidence_page(contract, milestone, report, form):
    return (
        render_template(
            "delivery/evidence.html",
            contract=contract,
            milestone=milestone,
            report=report,
            documents=report.current_documents if report is not None else [],
            form=form,
            remove_form=ConfirmForm(),
            not_started=reports.not_started(contract),
            human_size=uploads.human_size,
            max_mb=current_app.config["DOCUMENT_MAX_MB"],
            urls=_urls(contract, milestone),
        ),
        400 if form.errors else 200,
    )


@bp.route("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report/evidence", methods=["GET", "POST"])
@login_required
def evidence(contract_id, milestone_id):
    contract, milestone, report = _lead(contract_id, milestone_id)
    if request.method == "GET" and not reports.is_editable(report):
        flash(_("The report has been submitted: its evidence can no longer be changed."))
        return _back_to_report(milestone)
    form = EvidenceForm()
    if form.validate_on_submit() and committed(
        lambda: evidence_files.upload_evidence(milestone, form.filename, form.contents(), actor=current_user),
        form,
        form.document,
    ):
        flash(f"{uploads.clean_filename(form.filename)} uploaded.", "success")
        return redirect(url_for("delivery.evidence", contract_id=contract.id, milestone_id=milestone.id))
    if request.method == "POST" and not form.errors:
        abort(400)
    return _evidence_page(contract, milestone, report, form)


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
    if not committed(lambda: evidence_files.remove_evidence(document, current_user), form, form.submit):
        flash(form.submit.errors[-1], "error")
        return _back_to_report(milestone)
    flash(f"{document.filename} removed.", "success")
    return redirect(url_for("delivery.evidence", contract_id=contract.id, milestone_id=milestone.id))


@bp.get("/contracts/<int:contract_id>/milestones/<int:milestone_id>/report/evidence/<int:document_id>")
@login_required
def download_evidence(contract_id, milestone_id, document_id):
    """A file of the report, for those permissions.READ_EVIDENCE allows: a draft's files
    only to the provider's members, sent files (even removed since) to all who read the
    contract."""
    _, milestone = _milestone(contract_id, milestone_id)
    report = reports.report_for(milestone)
    document = _document(report, document_id)
    if not can(current_user, Action.READ_EVIDENCE, document):
        abort(404)
    return serving.send_stored_file(document)


# Outcomes so far -----------------------------------------------------------------------


@bp.get("/contracts/<int:contract_id>/outcomes")
@login_required
def outcomes(contract_id):
    contract = _contract(contract_id)
    by_milestone = reports.reports_of(contract)
    return render_template(
        "delivery/outcomes.html",
        contract=contract,
        so_far=outcomes_so_far(contract),
        milestones=[(m, by_milestone.get(m.id)) for m in contract.milestones if not m.is_advance],
    )
