"""What other pages show of a contract's feedback: the section of the contract page
(through signals.contract_page, as contracts sits below this package), the QR code, and
the summary the partnership review page shows beside the outcomes.

The contract's link is made the first time someone who manages it opens the contract
page, so every contract has a way to get one.
"""

from dataclasses import dataclass

import segno
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from .. import signals
from ..contracts.models import Contract
from ..delivery.so_far import outcomes_so_far
from ..extensions import db
from ..notifications import external_url
from ..permissions import Action, can
from . import services, summaries
from .models import FeedbackLink


@dataclass(frozen=True)
class LinkPanel:
    link: FeedbackLink | None
    url: str | None
    qr: Markup | None
    manage: bool
    responses: int
    held: int


def short_url(link: FeedbackLink) -> str:
    return external_url("feedback.give", code=link.code)


def qr_svg(url: str, label: str, scale: int = 4) -> Markup:
    """The QR code of `url` as inline SVG, an image named by `label` (drawn by segno)."""
    svg = segno.make(url, error="m").svg_inline(scale=scale, dark="#0b0c0c", light="#ffffff", svgclass="lp-qr")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" focusable="false" ', 1))


def link_panel(contract: Contract) -> LinkPanel | None:
    """The contract page's section, for whoever reads the contract; the link itself (made
    now if it has none) for those who manage it."""
    if not can(current_user, Action.VIEW_CONTRACT, contract):
        return None
    manage = can(current_user, Action.MANAGE_FEEDBACK_LINK, contract)
    link = services.link_of(contract)
    if link is None and manage:
        link = services.make_link(contract, actor=current_user)
        db.session.commit()
    held = len(services.held_comments(contract)) if can(current_user, Action.READ_HELD_FEEDBACK, contract) else 0
    url = short_url(link) if manage and link is not None else None
    return LinkPanel(
        link=link if manage else None,
        url=url,
        qr=qr_svg(url, _("QR code for the feedback link %(url)s", url=url)) if url else None,
        manage=manage,
        responses=summaries.response_count(contract),
        held=held,
    )


@signals.contract_page.connect
def _on_the_contract_page(contract: Contract) -> dict:
    return {"feedback_panel": link_panel(contract)}


def review_values(contract: Contract) -> dict:
    """For the partnership review page, beside the outcomes: the answers in numbers and the
    published comments (whoever reads the review reads these)."""
    return {
        "feedback_summary": summaries.summary(contract),
        "feedback_published": services.published_comments([contract.id]),
        "so_far": outcomes_so_far(contract),
    }
