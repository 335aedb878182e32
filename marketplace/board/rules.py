"""Who may read an area's dashboard and rate or answer a partnership review: the rows
`area.dashboard`, `contract.rate` and `review.respond` of the table in
marketplace/permissions.py, registered there by @rule."""

from ..accounts.models import Role
from ..contracts.rules import leads_contract, not_a_party
from ..permissions import Action, commissions, has_area_role, oversees, rule


@rule(Action.VIEW_DASHBOARD)
def _view_dashboard(user, area) -> bool:
    return area is not None and oversees(user, area)


@rule(Action.RATE_PARTNERSHIP)
def _rate_partnership(user, contract) -> bool:
    return has_area_role(user, Role.BOARD_MEMBER, contract.need.area) and not_a_party(user, contract)


@rule(Action.RESPOND_TO_REVIEW)
def _respond_to_review(user, review) -> bool:
    contract = review.contract
    return leads_contract(user, contract) or (commissions(user, contract.need.area) and not_a_party(user, contract))
