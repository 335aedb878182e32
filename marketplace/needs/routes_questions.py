"""Clarification questions: a provider asks privately before the question deadline; the
commissioner answers, publishing the answer to everyone without naming the asker, or
privately to the organisation that asked. The rules are questions.py; who may,
permissions.py (Action.ASK_QUESTION, ANSWER_QUESTION, LIST_OWN_QUESTIONS and
VIEW_SENT_QUESTION)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice

from ..arrival import request_received_at
from ..extensions import db
from ..forms import FreeText, Radios
from ..organisations.models import Organisation
from ..permissions import Action, can, require
from . import bp, questions
from .models import Need, NeedError, Question, QuestionVisibility

QUESTION_MAX = 2000
ANSWER_MAX = 5000
ANSWER_PUBLISHED = _l("Answer published. Everyone can read it on the need page, without the name of who asked.")

VISIBILITY_LABELS = {
    QuestionVisibility.PUBLISHED: _l("Publish the answer to everyone (the question is shown without saying who asked)"),
    QuestionVisibility.PRIVATE: _l(
        "Answer privately to the organisation that asked (only when it reveals nothing that others need to know)"
    ),
}


class QuestionAskForm(FlaskForm):
    organisation = Radios(
        _l("Which organisation is asking?"),
        message=_l("Select the organisation asking the question"),
        widget=GovRadioInput(),
        description=_l("The commissioner sees which organisation asked; other providers never do."),
    )
    text = FreeText(
        _l("Your question"),
        noun=_l("Your question"),
        characters=QUESTION_MAX,
        empty=_l("Enter your question"),
        hint=_l(
            "Only the commissioner sees who asked. Do not include anything you would not want other providers "
            "to read: the answer may be published with your question."
        ),
    )
    submit = SubmitField(_l("Send question"), widget=GovSubmitInput())

    def __init__(self, *args, organisations: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        if len(organisations) > 1:
            self.organisation.choices = [SelectChoice(str(o.id), o.name) for o in organisations]
        else:
            del self.organisation  # one organisation: nothing to choose

    def asking(self) -> Organisation:
        """The organisation asking: the one chosen, or the user's only one."""
        chosen = self.organisation.data if "organisation" in self else str(self.organisations[0].id)
        return next(o for o in self.organisations if str(o.id) == chosen)


class QuestionAnswerForm(FlaskForm):
    answer = FreeText(_l("Your answer"), noun=_l("Your answer"), characters=ANSWER_MAX, empty=_l("Enter your answer"))
    visibility = Radios(
        _l("Who should see the answer?"),
        message=_l("Select who should see the answer"),
        choices=[SelectChoice(v.value, label) for v, label in VISIBILITY_LABELS.items()],
        widget=GovRadioInput(),
    )
    submit = SubmitField(_l("Send answer"), widget=GovSubmitInput())


def _need_or_404(need_id: int) -> Need:
    need = db.get_or_404(Need, need_id)
    if not can(current_user, Action.VIEW_NEED, need):
        abort(404)  # a draft is not public: don't confirm it exists
    return need


def _question_or_404(need: Need, question_id: int) -> Question:
    question = db.get_or_404(Question, question_id)
    if question.need_id != need.id:
        abort(404)
    return question


@bp.route("/needs/<int:need_id>/questions/new", methods=["GET", "POST"])
@login_required
def ask_question(need_id):
    need = _need_or_404(need_id)
    received_at = request_received_at()  # a question sent before the deadline counts
    reason = questions.why_no_questions(need, received_at)
    if reason:
        return render_template("needs/questions/closed.html", need=need, reason=reason)
    require(current_user, Action.ASK_QUESTION, need)
    form = QuestionAskForm(organisations=current_user.organisations)
    if form.validate_on_submit():
        try:
            question = questions.ask_question(
                need, organisation=form.asking(), actor=current_user, text=form.text.data, now=received_at
            )
        except NeedError as error:  # the deadline passed while the form was open
            db.session.rollback()
            return render_template("needs/questions/closed.html", need=need, reason=str(error))
        db.session.commit()
        return redirect(url_for("needs.question_sent", need_id=need.id, question_id=question.id))
    return render_template("needs/questions/ask.html", need=need, form=form)


@bp.get("/needs/<int:need_id>/questions/<int:question_id>/sent")
@login_required
def question_sent(need_id, question_id):
    need = _need_or_404(need_id)
    question = _question_or_404(need, question_id)
    if not can(current_user, Action.VIEW_SENT_QUESTION, question):
        abort(404)
    return render_template("needs/questions/sent.html", need=need, question=question)


@bp.get("/needs/<int:need_id>/questions")
@login_required
def list_questions(need_id):
    need = db.get_or_404(Need, need_id)
    require(current_user, Action.ANSWER_QUESTION, need)
    asked = questions.need_questions(need)
    return render_template(
        "needs/questions/list.html",
        need=need,
        unanswered=[q for q in asked if q.answered_at is None],
        answered=[q for q in asked if q.answered_at is not None],
    )


@bp.route("/needs/<int:need_id>/questions/<int:question_id>/answer", methods=["GET", "POST"])
@login_required
def answer_question(need_id, question_id):
    need = db.get_or_404(Need, need_id)
    question = _question_or_404(need, question_id)
    require(current_user, Action.ANSWER_QUESTION, need)
    back = url_for("needs.list_questions", need_id=need.id)
    if question.answered_at is not None:
        flash(_("This question has already been answered."), "error")
        return redirect(back)
    form = QuestionAnswerForm()
    if form.validate_on_submit():
        publish = form.visibility.data == QuestionVisibility.PUBLISHED.value
        try:
            questions.answer_question(question, actor=current_user, answer=form.answer.data, publish=publish)
        except NeedError as error:  # answered by a colleague a moment ago
            db.session.rollback()
            flash(str(error) + ".", "error")
            return redirect(back)
        db.session.commit()
        flash(
            str(ANSWER_PUBLISHED)
            if publish
            else _("Answer sent privately to %(organisation)s.", organisation=question.organisation.name),
            "success",
        )
        return redirect(back)
    return render_template("needs/questions/answer.html", need=need, question=question, form=form)


@bp.get("/needs/<int:need_id>/questions/mine")
@login_required
def my_questions(need_id):
    need = _need_or_404(need_id)
    require(current_user, Action.LIST_OWN_QUESTIONS, need)
    organisation_ids = [o.id for o in current_user.organisations]
    return render_template(
        "needs/questions/mine.html",
        need=need,
        mine=questions.asked_by(need, organisation_ids),
        published=questions.published_questions(need, excluding=organisation_ids),
        several=len(organisation_ids) > 1,
        can_ask=can(current_user, Action.ASK_QUESTION, need),
    )
