"""Who may record, release and read payments, and set up payouts: the rows `payment.*`,
`area.payments` and `organisation.payments` of the table in marketplace/permissions.py,
registered there by @rule."""

from ..accounts.models import Role
from ..contracts.rules import not_a_party
from ..permissions import Action, account, has_area_role, oversees, rule


@rule(Action.RECORD_PAYMENT)
def _record_payment(user, payment) -> bool:
    contract = payment.contract
    return has_area_role(user, Role.FINANCE, contract.need.area) and not_a_party(user, contract)


@rule(Action.RELEASE_PAYMENT)
def _release_payment(user, payment) -> bool:
    contract = payment.contract
    area = contract.need.area
    return (has_area_role(user, Role.FINANCE, area) or has_area_role(user, Role.COMMISSIONER, area)) and not_a_party(
        user, contract
    )


@rule(Action.MANAGE_PAYOUTS)
def _manage_payouts(user, organisation) -> bool:
    return account(user) and organisation.is_verified and user.role_in(organisation) == Role.OWNER


@rule(Action.VIEW_AREA_PAYMENTS)
def _view_area_payments(user, area) -> bool:
    return account(user) and area is not None and (oversees(user, area) or user.has_area_role(Role.FINANCE, area))
