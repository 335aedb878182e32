"""Shared set-up for the delivery tests: a started contract, the people around it, and a
complete report's numbers."""

from types import SimpleNamespace

from marketplace.accounts.models import Membership, Role
from marketplace.contracts.models import ContractParty, PartyRole
from marketplace.extensions import db

from .. import factories

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def make_setup(**kwargs) -> SimpleNamespace:
    """A contract started yesterday (advance, milestones 1 and 2, two outcomes), with a
    lead member besides its owner, a partner, and the area's staff."""
    made = factories.make_contract(**kwargs)
    contract = made.contract
    lead = contract.organisation
    partner_org = factories.make_organisation()
    db.session.add(
        ContractParty(
            contract_id=contract.id,
            organisation_id=partner_org.id,
            role=PartyRole.PARTNER,
            work_percent=0,
            price_percent=0,
        )
    )
    db.session.flush()
    both = factories.make_area_staff(Role.COMMISSIONER)
    db.session.add(Membership(user=both, organisation=lead, role=Role.MEMBER))
    db.session.flush()
    db.session.expire(contract, ["parties"])
    milestones = {m.number: m for m in contract.milestones}
    return SimpleNamespace(
        contract=contract,
        milestone=milestones[1],
        milestone2=milestones[2],
        advance=milestones[0],
        owner=made.provider,
        member=factories.make_provider(role=Role.MEMBER, organisation=lead),
        partner=factories.make_provider(organisation=partner_org),
        commissioner=made.commissioner,
        both=both,
        other_commissioner=factories.make_area_staff(Role.COMMISSIONER, "N07"),
        board=factories.make_area_staff(Role.BOARD_MEMBER),
        finance=factories.make_area_staff(Role.FINANCE),
        outsider=factories.make_provider(),
        admin=factories.make_user(admin=True),
        outcomes=list(contract.outcomes),
    )


def complete(
    s, *, referred=10, started=8, completed=5, lines=None, narrative="Weekly sessions ran in Canterbury."
) -> dict:
    """Keyword arguments for drafts.save_report: a complete report."""
    lines = lines or [(4, 2, 2), (3, 3, 1)]
    return {
        "referred": referred,
        "started": started,
        "completed": completed,
        "outcomes": {o.id: line for o, line in zip(s.outcomes, lines, strict=True)},
        "narrative": narrative,
        "case_study": "",
    }
