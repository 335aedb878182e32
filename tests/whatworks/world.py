"""Contracts with approved outcome reports, for the /what-works tests: each report's
people and outcome lines are given, so the right answers can be worked out by hand."""

import sqlalchemy as sa

from marketplace.delivery import decisions, drafts
from marketplace.extensions import db
from marketplace.organisations.models import IncomeBand, LegalForm
from marketplace.reference.models import ServiceCategory

from .. import factories


def contract(
    *,
    legal_form=LegalForm.REGISTERED_CHARITY,
    band=IncomeBand.MICRO,
    name=None,
    category_code=None,
    **need_kwargs,
):
    """A contract whose lead organisation has this legal form and income band (and whose
    need is moved to another service category, by its code)."""
    made = factories.make_contract(**need_kwargs)
    if category_code:
        made.contract.need.category = db.session.scalar(
            sa.select(ServiceCategory).where(ServiceCategory.code == category_code)
        )
    organisation = made.contract.organisation
    organisation.legal_form, organisation.income_band = legal_form, band
    organisation.charity_number = organisation.company_number = None
    if name:
        organisation.name = name
    db.session.flush()
    return made


def report(made, milestone: int, *, started: int, completed: int, lines: dict, approve: bool = True):
    """Report a milestone: `lines` is {outcome index of the contract: (achieved, partly,
    not)}, nobody for the outcomes left out; submitted, and approved unless told not to."""
    outcomes = made.contract.outcomes
    draft = drafts.start_report(made.contract.milestones[milestone], made.provider)
    drafts.save_report(
        draft,
        referred=started,
        started=started,
        completed=completed,
        outcomes={o.id: lines.get(i, (0, 0, 0)) for i, o in enumerate(outcomes)},
        narrative="Going well.",
        case_study="",
        actor=made.provider,
    )
    drafts.submit_report(draft, made.provider)
    if approve:
        decisions.approve_report(draft, made.commissioner)
    db.session.flush()
    return draft


def move(made, area_code: str) -> None:
    """Move the contract's need to another area (once its reports are decided: only the
    area's commissioner decides them)."""
    made.contract.need.area = factories.area(area_code)
    db.session.flush()
