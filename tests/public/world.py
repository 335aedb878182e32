"""One awarded grant whose right answers were worked out by hand, for the public pages
and the 360Giving file.

The contract (East Kent, women's services, a lead and one partner) started 30 days ago:
- its advance became payable at the start and was paid 2 days later;
- milestone 1's outcome report was approved 20 days ago (10 referred, 8 started, 5
  completed) and paid 6 days later;
so the days to pay are 2 and 6, and the median is 4. People around it have names and
emails that must never appear on a public page or in a file.
"""

from datetime import timedelta
from types import SimpleNamespace

from marketplace.accounts.models import Role
from marketplace.delivery import decisions, drafts
from marketplace.extensions import db
from marketplace.payments import services as payments
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..delivery.helpers import complete, make_setup

SECRET_PEOPLE = ("Zelda Quistworth", "zelda.quistworth@example.org", "07700 900123", "Ottoline Brackenbury")


def make_world() -> SimpleNamespace:
    s = make_setup(starts_in_days=-30)
    contract = s.contract
    lead = contract.organisation
    lead.name, lead.charity_number, lead.company_number = "Canterbury Women's Centre", "1123456", None
    lead.contact_name, lead.contact_email, lead.contact_phone = SECRET_PEOPLE[0], SECRET_PEOPLE[1], SECRET_PEOPLE[2]
    partner = next(p.organisation for p in contract.parties if p.role.value == "partner")
    partner.name, partner.contact_name = "Thanet Peer Mentors", SECRET_PEOPLE[3]
    s.owner.name = s.commissioner.name = SECRET_PEOPLE[3]
    finance = factories.make_area_staff(Role.FINANCE)
    now = utcnow()

    [advance] = payments.payments_of(contract)
    payments.record_ledger_payment(
        advance, paid_on=contract.starts_on + timedelta(days=2), reference="BACS-1", actor=finance
    )
    report = drafts.start_report(s.milestone, s.owner, now=now - timedelta(days=21))
    drafts.save_report(report, **complete(s), actor=s.owner)
    drafts.submit_report(report, s.owner, now=now - timedelta(days=21))
    approved_at = now - timedelta(days=20)
    decisions.approve_report(report, s.commissioner, now=approved_at)
    milestone_payment = payments.payment_for(s.milestone)
    payments.record_ledger_payment(
        milestone_payment, paid_on=london_date(approved_at) + timedelta(days=6), reference="BACS-2", actor=finance
    )
    db.session.flush()
    return SimpleNamespace(s=s, contract=contract, lead=lead, partner=partner, approved_at=approved_at)


def visible_text(response) -> str:
    """The page as a reader sees it: tags and scripts dropped, entities read, white space
    run together."""
    import html
    import re

    raw = response.get_data(as_text=True)
    raw = re.sub(r"<(script|style|template)\b.*?</\1>", " ", raw, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", raw))).strip()
