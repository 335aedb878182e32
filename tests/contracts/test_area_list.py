"""An area's contracts (/areas/<id>/contracts, issue 21 item 2): the list its commissioners,
finance officers and board members read, with what each has been paid, its next payment
and its reports waiting; filters, and bad filters told by the filter; paging; and the same
number of SQL statements whatever the number of contracts."""

import re
from datetime import timedelta

import pytest

from marketplace.accounts.models import Role
from marketplace.delivery import drafts
from marketplace.extensions import db
from marketplace.payments import services as payments
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..delivery.helpers import complete
from ..helpers import StatementCount, error_summary, page_text, sign_in

pytestmark = pytest.mark.clock

ELSEWHERE = "N56ESXN"  # Essex North, in another region


def _signed_in(client, role=Role.COMMISSIONER, code="N57EKNT"):
    user = factories.make_area_staff(role, code)
    sign_in(client, user.email)
    return user


def _url(code="N57EKNT", **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/areas/{factories.area(code).id}/contracts" + (f"?{query}" if query else "")


def _titles(response) -> list[str]:
    return re.findall(r'href="/contracts/\d+">([^<]+)</a>', page_text(response))


def _submitted_report(made):
    milestone = next(m for m in made.contract.milestones if m.number == 1)
    report = drafts.start_report(milestone, made.provider)
    drafts.save_report(
        report, **complete(type("S", (), {"outcomes": list(made.contract.outcomes)})()), actor=made.provider
    )
    drafts.submit_report(report, made.provider)
    return report


def test_the_list_shows_each_contract_with_paid_so_far_next_payment_and_reports_waiting(client):
    made = factories.make_contract(starts_in_days=-5)
    advance = payments.payment_for(next(m for m in made.contract.milestones if m.number == 0))
    payments.record_ledger_payment(
        advance, paid_on=london_date(utcnow()), reference="BACS 7", actor=factories.make_area_staff(Role.FINANCE)
    )
    _submitted_report(made)
    _signed_in(client)
    response = client.get(_url())
    text = page_text(response)
    assert response.status_code == 200
    assert _titles(response) == [made.contract.title]
    row = re.search(
        r"<tr class=\"govuk-table__row\">\s*<td[^>]*><a[^>]*>" + re.escape(made.contract.title) + r".*?</tr>",
        text,
        re.S,
    )
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]
    first_line = next(m for m in made.contract.milestones if m.number == 1)
    assert cells[1] == made.contract.organisation.name
    assert cells[2] == "Active"
    assert cells[4] == f"£{advance.amount_pence / 100:,.2f}".replace(".00", "")
    assert cells[5].startswith(f"{first_line.title}, due")
    assert cells[6] == "1"


def test_a_regions_list_holds_its_delivery_units_contracts_and_not_another_regions(client):
    here = factories.make_contract()
    there = factories.make_contract()
    there.contract.need.area_id = factories.area(ELSEWHERE).id  # as if commissioned there
    db.session.flush()
    _signed_in(client, code="N57")
    assert _titles(client.get(_url("N57"))) == [here.contract.title]
    assert there.contract.title not in page_text(client.get(_url("N57")))


def test_the_contract_page_links_back_to_the_list_for_those_who_may_read_it(app, client):
    made = factories.make_contract()
    _signed_in(client, Role.FINANCE)
    text = page_text(client.get(f"/contracts/{made.contract.id}"))
    assert f'href="{_url()}">All contracts in' in text
    provider = app.test_client()
    sign_in(provider, made.provider.email)
    assert "All contracts in" not in page_text(provider.get(f"/contracts/{made.contract.id}"))


@pytest.mark.parametrize(
    "role, code, status",
    [
        (Role.COMMISSIONER, "N57EKNT", 200),
        (Role.COMMISSIONER, "N57", 200),
        (Role.FINANCE, "N57EKNT", 200),
        (Role.BOARD_MEMBER, "N57EKNT", 200),
        (Role.EVALUATOR, "N57EKNT", 403),
        (Role.COMMISSIONER, ELSEWHERE, 403),
    ],
)
def test_who_may_read_the_list(client, role, code, status):
    _signed_in(client, role, code)
    assert client.get(_url()).status_code == status


def test_providers_are_refused_and_an_unknown_area_is_not_found(app, client):
    made = factories.make_contract()
    sign_in(client, made.provider.email)
    assert client.get(_url()).status_code == 403
    staff = app.test_client()
    _signed_in(staff)
    assert staff.get("/areas/999999/contracts").status_code == 404


# Filters --------------------------------------------------------------------------------


def test_filters_by_status_provider_category_pdu_ending_and_whats_waiting(client):
    started = factories.make_contract(starts_in_days=-5)
    future = factories.make_contract(starts_in_days=20)
    _submitted_report(started)
    _signed_in(client, code="N57")
    region = "N57"
    assert _titles(client.get(_url(region, status="not_started"))) == [future.contract.title]
    assert _titles(client.get(_url(region, status="active"))) == [started.contract.title]
    assert _titles(client.get(_url(region, status="ended"))) == []
    provider_id = future.contract.organisation_id
    assert _titles(client.get(_url(region, provider=provider_id))) == [future.contract.title]
    category_id = started.contract.need.category_id
    assert len(_titles(client.get(_url(region, category=category_id)))) == 2
    pdu = factories.area("N57EKNT").id
    assert len(_titles(client.get(_url(region, pdu=pdu)))) == 2
    other_pdu = next(a.id for a in factories.area("N57").children if a.code != "N57EKNT")
    assert _titles(client.get(_url(region, pdu=other_pdu))) == []
    assert _titles(client.get(_url(region, waiting="reports"))) == [started.contract.title]
    assert _titles(client.get(_url(region, waiting="variations"))) == []
    # Both end 400 days after they start: neither within 90 days, both within 430.
    assert _titles(client.get(_url(region, ending=90))) == []
    assert len(_titles(client.get(_url(region, ending=430)))) == 2
    text = page_text(client.get(_url(region, ending=90)))
    assert "No contracts match" in text and "Clear filters" in text


@pytest.mark.parametrize(
    "args, messages",
    [
        ({"status": "cancelled"}, ["Select a status from the list"]),
        ({"provider": "999999"}, ["Select a provider from the list"]),
        ({"provider": "abc"}, ["Select a provider from the list"]),
        ({"category": "-1"}, ["Select a service category from the list"]),
        ({"pdu": "ELSEWHERE"}, ["Select a delivery unit of this area from the list"]),
        ({"ending": "soon"}, ["Enter the number of days as a whole number, like 90"]),
        ({"ending": "99999999999999999999"}, ["Enter a number of days from 1 to 3,650"]),
        ({"ending": "0"}, ["Enter a number of days from 1 to 3,650"]),
        ({"waiting": "money"}, ["Select what is waiting from the list"]),
        (
            {"status": "x", "ending": "-3"},
            ["Select a status from the list", "Enter the number of days as a whole number, like 90"],
        ),
    ],
)
def test_a_bad_filter_is_told_by_the_filter_with_status_400(client, args, messages):
    made = factories.make_contract()
    _signed_in(client)
    response = client.get(_url(**args))
    assert response.status_code == 400
    assert error_summary(response) == messages
    assert "govuk-error-message" in page_text(response)
    assert _titles(response) == [made.contract.title]  # the bad filter is not applied


def test_a_delivery_unit_of_another_area_is_refused(client):
    _signed_in(client)
    elsewhere = factories.area(ELSEWHERE).id
    response = client.get(_url(pdu=elsewhere))
    assert response.status_code == 400
    assert error_summary(response) == ["Select a delivery unit of this area from the list"]


def test_a_page_past_the_end_says_so_and_links_to_the_first(client):
    factories.make_contract()
    _signed_in(client)
    for page in ("2", "100000000000"):
        response = client.get(_url(page=page))
        assert response.status_code == 200
        text = page_text(response)
        assert "There is no page" in text and "Go to the first page" in text
    assert client.get(_url(page="abc")).status_code == 200


def test_fifty_contracts_a_page_with_govuk_pagination(client, monkeypatch):
    from marketplace.contracts import area

    monkeypatch.setattr(area, "PER_PAGE", 1)
    first, second = factories.make_contract(), factories.make_contract()
    _signed_in(client)
    text = page_text(client.get(_url()))
    assert _titles(client.get(_url())) == [second.contract.title]  # newest first
    assert "govuk-pagination" in text and "2 contracts, page 1 of 2" in text
    assert _titles(client.get(_url(page=2))) == [first.contract.title]


def _cells(response, title) -> list[str]:
    row = re.search(
        r"<tr class=\"govuk-table__row\">\s*<td[^>]*><a[^>]*>" + re.escape(title) + r".*?</tr>",
        page_text(response),
        re.S,
    )
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]


def test_a_later_page_shows_its_own_contracts_paid_so_far_and_reports_waiting(client, monkeypatch):
    """The page's contracts are chosen before what each row shows is read: page 2 shows
    the older contract with its own payment and report, page 1 the newer with none."""
    from marketplace.contracts import area

    monkeypatch.setattr(area, "PER_PAGE", 1)
    older = factories.make_contract(starts_in_days=-5)
    advance = payments.payment_for(next(m for m in older.contract.milestones if m.number == 0))
    payments.record_ledger_payment(
        advance, paid_on=london_date(utcnow()), reference="BACS 8", actor=factories.make_area_staff(Role.FINANCE)
    )
    _submitted_report(older)
    newer = factories.make_contract(starts_in_days=-5)
    _signed_in(client)
    first, second = client.get(_url()), client.get(_url(page=2))
    assert (_titles(first), _titles(second)) == ([newer.contract.title], [older.contract.title])
    assert _cells(first, newer.contract.title)[4:7:2] == ["£0", "0"]
    assert _cells(second, older.contract.title)[4:7:2] == [f"£{advance.amount_pence / 100:,.0f}", "1"]
    assert _titles(client.get(_url(page=2, waiting="reports"))) == []
    assert _titles(client.get(_url(waiting="reports"))) == [older.contract.title]


def test_the_list_asks_the_same_number_of_statements_whatever_the_number_of_contracts(client):
    made = factories.make_contract(starts_in_days=-5)
    _submitted_report(made)
    _signed_in(client, code="N57")
    url = _url("N57", status="active")
    client.get(url)  # the first request of the session reads the areas
    with StatementCount() as one:
        assert client.get(url).status_code == 200
    for _ in range(3):
        more = factories.make_contract(starts_in_days=-5)
        _submitted_report(more)
    db.session.flush()
    client.get(url)
    with StatementCount() as four:
        response = client.get(url)
    assert len(_titles(response)) == 4
    assert four.count == one.count, "\n".join(four.statements)


def test_the_home_of_a_commissioner_links_to_the_areas_list(client):
    _signed_in(client)
    assert f'href="{_url()}"' in page_text(client.get("/"))


def test_the_ending_filter_counts_from_today(client):
    made = factories.make_contract(starts_in_days=-395)  # ends in 5 days
    _signed_in(client)
    assert made.contract.ends_on == london_date(utcnow()) + timedelta(days=5)
    assert _titles(client.get(_url(ending=5))) == [made.contract.title]
    assert _titles(client.get(_url(ending=4))) == []
