"""Who may read and change a contract: the rows `contract.*`, `variation.*` and
`area.contracts` of the table in marketplace/permissions.py, registered there by @rule;
and the two checks the rules of delivery, payments and board share (who leads a
contract, who is no party)."""

from ..accounts.models import Role
from ..permissions import (
    Action,
    account,
    commissions,
    has_area_role,
    is_member_of,
    oversees,
    rule,
)
from .services import is_party


def leads_contract(user, contract) -> bool:
    return account(user) and is_member_of(user, contract.organisation_id)


def not_a_party(user, contract) -> bool:
    """Nobody acts for the commissioning side on a contract of their own organisation."""
    return not is_party(user, contract)


@rule(Action.VIEW_CONTRACT)
def reads_contract(user, contract) -> bool:
    return account(user) and (
        is_party(user, contract)
        or oversees(user, contract.need.area)
        or has_area_role(user, Role.FINANCE, contract.need.area)
    )


@rule(Action.VIEW_AREA_CONTRACTS)
def reads_area_contracts(user, area) -> bool:
    """Commissioners, board members and finance officers of the area (or of its region)."""
    return account(user) and area is not None and (oversees(user, area) or has_area_role(user, Role.FINANCE, area))


@rule(Action.REPORT_OUTCOMES)
def _report_outcomes(user, contract) -> bool:
    return leads_contract(user, contract)


@rule(Action.VARY_CONTRACT)
def _vary_contract(user, contract) -> bool:
    return commissions(user, contract.need.area) and not_a_party(user, contract)


@rule(Action.ANSWER_VARIATION)
def _answer_variation(user, variation) -> bool:
    return variation.is_waiting and leads_contract(user, variation.contract)
