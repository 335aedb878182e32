"""Who may manage a contract's feedback link and read or publish the comments held: the
rows `feedback.*` of the table in marketplace/permissions.py, registered there by @rule.
The counts and published comments are read under contract.view, an area's page under
area.dashboard."""

from ..accounts.models import Role
from ..contracts.rules import leads_contract, not_a_party
from ..permissions import Action, account, commissions, oversees, rule


@rule(Action.MANAGE_FEEDBACK_LINK)
def manages_link(user, contract) -> bool:
    return leads_contract(user, contract) or (commissions(user, contract.need.area) and not_a_party(user, contract))


@rule(Action.READ_HELD_FEEDBACK)
def reads_held(user, contract) -> bool:
    return leads_contract(user, contract) or oversees(user, contract.need.area)


@rule(Action.PUBLISH_FEEDBACK)
def publishes(user, contract) -> bool:
    owner = account(user) and user.role_in(contract.organisation) == Role.OWNER
    return owner or (commissions(user, contract.need.area) and not_a_party(user, contract))
