"""Who is told about a payment, queued in the transaction that moves it: the area's
finance officers when it becomes payable (they pay it), and the members of the provider
that leads the contract when it is paid (recorded by the ledger, or sent by Stripe)."""

from flask_babel import lazy_gettext as _l

from ..accounts.models import Role
from ..accounts.services import area_staff, members_of
from ..contracts.rules import not_a_party
from ..money import format_pounds
from ..notifications import external_url, queue_email
from ..timeutil import london_date
from .models import TARGET_DAYS, Payment


def tell_finance_payable(payment: Payment, *, backend: str) -> None:
    """The area's finance officers (not of a party to the contract): a payment to make."""
    contract = payment.contract
    link = external_url("payments.show", payment_id=payment.id)
    subject = _l(
        "Payment to make: %(amount)s to %(organisation)s",
        amount=format_pounds(payment.amount_pence),
        organisation=contract.organisation.name,
    )
    for user in area_staff(Role.FINANCE, contract.need.area):
        if not_a_party(user, contract):
            queue_email(
                user.email,
                subject,
                "payment_payable",
                user=user,
                payment=payment,
                contract=contract,
                milestone=payment.milestone,
                payable_on=london_date(payment.payable_at),
                target_days=TARGET_DAYS,
                backend=backend,
                link=link,
            )


def tell_provider_paid(payment: Payment) -> None:
    """The lead provider's members: the money is on its way."""
    contract = payment.contract
    link = external_url("payments.show", payment_id=payment.id)
    subject = _l(
        "Payment made: %(amount)s for %(milestone)s",
        amount=format_pounds(payment.amount_pence),
        milestone=payment.milestone.title,
    )
    for user in members_of([contract.organisation_id]):
        queue_email(
            user.email,
            subject,
            "payment_paid",
            user=user,
            payment=payment,
            contract=contract,
            milestone=payment.milestone,
            link=link,
        )
