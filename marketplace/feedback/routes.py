"""The staff's pages of a contract's feedback: the answers as charts beside tables with the
published comments (whoever reads the contract, contract.view: 404 otherwise), the comments
held (feedback.read_held) with the publish or decline form (feedback.publish), the
printable poster and the button that turns the link off or on (feedback.link); and an
area's page of its partnerships' feedback (area.dashboard)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..contracts.models import Contract
from ..extensions import db
from ..forms import ConfirmForm
from ..i18n import current_language, in_language
from ..permissions import Action, can, require
from ..reference.models import Area
from ..refusals import committed
from . import bp, charts, services, summaries, views
from .forms import DecideForm
from .models import FeedbackResponse


def _contract(contract_id: int) -> Contract:
    contract = db.session.get(Contract, contract_id)
    if contract is None or not can(current_user, Action.VIEW_CONTRACT, contract):
        abort(404)
    return contract


def _page(contract: Contract, forms: dict | None = None, failed=None):
    summary = summaries.summary(contract)
    held = services.held_comments(contract) if can(current_user, Action.READ_HELD_FEEDBACK, contract) else []
    may_publish = can(current_user, Action.PUBLISH_FEEDBACK, contract)
    forms = dict(forms or {})
    for response in held if may_publish else []:
        if response.id not in forms:
            forms[response.id] = DecideForm(
                prefix=f"comment-{response.id}", formdata=None, data={"text": response.comment}
            )
    return render_template(
        "feedback/contract.html",
        contract=contract,
        summary=summary,
        charts={q.key: charts.chart(q) for q in summary.questions},
        published=services.published_comments([contract.id]),
        held=held,
        forms=forms,
        **({"form": failed} if failed is not None else {}),
    ), 400 if failed is not None else 200


@bp.get("/contracts/<int:contract_id>/feedback")
@login_required
def contract_feedback(contract_id):
    return _page(_contract(contract_id))


@bp.post("/contracts/<int:contract_id>/feedback/comments/<int:response_id>")
@login_required
def decide(contract_id, response_id):
    contract = _contract(contract_id)
    response = db.session.get(FeedbackResponse, response_id)
    if response is None or response.contract_id != contract.id:
        abort(404)
    require(current_user, Action.PUBLISH_FEEDBACK, contract)
    form = DecideForm(prefix=f"comment-{response.id}")
    publish = bool(form.publish.data)
    if form.validate_on_submit() and committed(
        lambda: services.decide(response, publish=publish, text=form.text.data, actor=current_user), form, form.text
    ):
        flash(_("The comment has been published.") if publish else _("The comment will not be published."), "success")
        return redirect(url_for("feedback.contract_feedback", contract_id=contract.id))
    if not form.errors:
        abort(400)
    return _page(contract, {response.id: form}, failed=form)


@bp.post("/contracts/<int:contract_id>/feedback/link")
@login_required
def switch_link(contract_id):
    contract = _contract(contract_id)
    require(current_user, Action.MANAGE_FEEDBACK_LINK, contract)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    link = services.link_of(contract) or services.make_link(contract, actor=current_user)
    services.switch_link(link, turn_on=not link.is_open, actor=current_user)
    db.session.commit()
    flash(_("The feedback link is on again.") if link.is_open else _("The feedback link is turned off."), "success")
    return redirect(url_for("contracts.show", contract_id=contract.id) + "#feedback")


@bp.get("/contracts/<int:contract_id>/feedback/poster")
@login_required
def poster(contract_id):
    contract = _contract(contract_id)
    require(current_user, Action.MANAGE_FEEDBACK_LINK, contract)
    link = services.link_of(contract) or services.make_link(contract, actor=current_user)
    db.session.commit()
    url = views.short_url(link)
    # In Wales, Welsh and English (Welsh first); elsewhere, the page's language.
    languages = ["cy", "en"] if contract.need.area.in_wales else [current_language()]
    return render_template("feedback/poster.html", contract=contract, link=link, url=url, sides=_sides(url, languages))


def _sides(url: str, languages: list[str]) -> list[dict]:
    """The poster's words in each language, whatever the page's language."""
    sides = []
    for language in languages:
        with in_language(language):
            sides.append(
                {
                    "lang": language,
                    "heading": _("Tell us what you think"),
                    "scan": _("Scan the code with your phone camera, or type this link:"),
                    "no_name": _("You do not have to give your name."),
                    "time": _("It takes about 2 minutes."),
                    "qr": views.qr_svg(url, _("QR code for %(url)s", url=url), scale=8),
                }
            )
    return sides


@bp.get("/areas/<int:area_id>/feedback")
@login_required
def area_feedback(area_id):
    area = db.get_or_404(Area, area_id)
    require(current_user, Action.VIEW_DASHBOARD, area)
    rows = summaries.by_partnership(area.ids_covered)
    return render_template("feedback/area.html", area=area, rows=rows)
