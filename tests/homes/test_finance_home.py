"""The finance officer's home: the payments to record, oldest first with the days each has
waited since it became payable, linking to where each is recorded; gone once recorded;
only the officer's areas; a fixed number of SQL statements whatever the number."""

import html
import re
from datetime import timedelta
from html import unescape

import pytest

from marketplace.accounts.models import Membership, Role
from marketplace.extensions import db
from marketplace.payments import services as payments
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import StatementCount, page_text, sign_in
from .helpers import contract_won, task_links, tasks

pytestmark = pytest.mark.clock


def _home(client, user):
    client._cookies.clear()
    sign_in(client, user.email)
    return client.get("/")


def _advance(provider=None, *, waited_days: int = 0):
    contract = contract_won(provider or factories.make_provider()).contract
    [advance] = payments.payments_of(contract)
    advance.payable_at = utcnow() - timedelta(days=waited_days)
    db.session.flush()
    return advance


def _rows(response) -> list[tuple[str, str]]:
    """The waiting payments table: (link, days waited) per row."""
    body = page_text(response).split("Payments waiting, oldest first", 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', body, re.S)[1:]
    return [
        (
            re.search(r'href="([^"]+)"', row).group(1),
            re.sub(r"<[^>]+>", "", re.findall(r'govuk-table__cell--numeric">(.*?)</td>', row, re.S)[0]).strip(),
        )
        for row in rows
    ]


def test_payments_to_record_are_listed_oldest_first_with_the_days_waited(client, db_session):
    finance = factories.make_area_staff(Role.FINANCE)
    newer = _advance(waited_days=3)
    older = _advance(waited_days=12)
    home = _home(client, finance)
    [task] = tasks(home)
    assert task.startswith("Record payments to providers") and task.endswith("2 waiting")
    assert "Waiting since" in task
    assert task_links(home) == [f"/areas/{factories.area('N57EKNT').id}/payments"]
    assert _rows(home) == [(f"/payments/{older.id}", "12, overdue"), (f"/payments/{newer.id}", "3")]


def test_one_payment_links_straight_to_where_it_is_recorded_and_goes_once_recorded(client, db_session):
    finance = factories.make_area_staff(Role.FINANCE)
    advance = _advance()
    home = _home(client, finance)
    [task] = tasks(home)
    assert task.startswith("Record payment to providers") and task.endswith("1 waiting")
    assert task_links(home) == [f"/payments/{advance.id}"]
    payments.record_ledger_payment(advance, paid_on=london_date(utcnow()), reference="BACS-1", actor=finance)
    home = _home(client, finance)
    assert tasks(home) == [] and "No payments are waiting to be recorded" in page_text(home)


def test_a_payment_not_due_yet_is_not_to_record(client, db_session):
    finance = factories.make_area_staff(Role.FINANCE)
    contract_won(factories.make_provider(), starts_in_days=10)
    assert tasks(_home(client, finance)) == []


def test_a_finance_officer_sees_only_its_own_areas_payments(client, db_session):
    _advance()
    elsewhere = factories.make_area_staff(Role.FINANCE, "N07")
    home = _home(client, elsewhere)
    assert tasks(home) == [] and "Payments waiting" not in page_text(home)


def test_with_stripe_the_task_is_to_release_payments(client, app, db_session):
    app.config["PAYMENTS_BACKEND"] = "stripe"
    finance = factories.make_area_staff(Role.FINANCE)
    _advance()
    assert tasks(_home(client, finance))[0].startswith("Release payment to providers")


def test_the_home_page_sends_the_same_number_of_statements_for_one_payment_or_five(client, db_session):
    counted = {}
    for n, code in ((1, "N57EKNT"), (5, "N57EKNT")):
        finance = factories.make_area_staff(Role.FINANCE, code)
        for _ in range(n if n == 1 else n - 1):
            _advance(waited_days=2)
        _home(client, finance)
        db.session.expire_all()
        with StatementCount() as sql:
            response = client.get("/")
        assert tasks(response)[0].endswith(f"{n} waiting")
        counted[n] = sql.count
    assert counted[1] == counted[5], counted
    assert counted[5] <= 9, counted  # a small fixed number (one more on PostgreSQL: homes.serial_plans)


def test_the_home_links_to_the_contracts_of_each_of_the_officers_areas(client, db_session):
    finance = factories.make_area_staff(Role.FINANCE)
    db.session.add(Membership(user=finance, area=factories.area("N57KECL"), role=Role.FINANCE))
    contract = contract_won(factories.make_provider()).contract
    html = page_text(_home(client, finance))
    links = [
        (href, unescape(label))
        for href, label in re.findall(r'href="(/areas/\d+/contracts)">Contracts in ([^<]+)</a>', html)
    ]
    east, west = factories.area("N57EKNT"), factories.area("N57KECL")
    assert sorted(links) == sorted(
        [(f"/areas/{east.id}/contracts", east.label), (f"/areas/{west.id}/contracts", west.label)]
    )
    listing = client.get(f"/areas/{east.id}/contracts")
    assert listing.status_code == 200 and contract.title in page_text(listing)


def _payment_areas(response) -> list[str]:
    """The 'Payments to providers' list: one line of text per area followed."""
    body = page_text(response).split("Payments to providers</h2>", 1)[1].split("</ul>", 1)[0]
    items = re.findall(r"<li>(.*?)</li>", body, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", item)).split()) for item in items]


def test_each_area_followed_says_how_many_of_its_payments_are_overdue(client, db_session):
    """Counted in SQL by area: a region's line counts its delivery units' payments, a payment
    payable for fewer than 10 days is not overdue, and another area's payments are not
    counted in this one."""
    from marketplace.accounts.models import Membership

    for days in (12, 11, 3):
        _advance(waited_days=days)
    board = factories.make_area_staff(Role.BOARD_MEMBER, "N57")
    db.session.add(Membership(user=board, area=factories.area("N56ESXN"), role=Role.COMMISSIONER))
    db.session.flush()
    region, sussex = factories.area("N57"), factories.area("N56ESXN")
    lines = _payment_areas(_home(client, board))
    assert sorted(lines) == sorted(
        [
            f"Payments in {region.label}: 2 overdue (unpaid 10 days or more after becoming payable)",
            f"Payments in {sussex.label}",
        ]
    )
