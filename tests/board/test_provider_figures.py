"""A provider's own figures, against a fixture whose right answers were worked out by hand.

Organisation "Ours" (O), its rival X, Y (which leads a consortium with O) and Z (which
invited O, who declined). All needs are East Kent's, published yesterday unless said;
the period is the last 60 days. Decisions took effect today (summaries sent now).

Bids:
- need 1: O bids, X bids £44,444; O is awarded.              O led, decided, won
- need 2: O bids, X bids; X is awarded.                       O led, decided, lost
- need 3: Y leads, O a confirmed partner; Y's bid awarded.    O partner, decided, won
- need 4: O bids then withdraws; the lot is not awarded.      not counted
- need 5: O's draft, never submitted.                         not counted
- need 6: Z invited O, O declined and was removed; Z awarded. nothing for O
- need 7: published 820 days ago; O bid alone and won 800 days ago (old contract).
So O led 2 counted bids (needs 1, 2), 1 as a partner (need 3); as lead 2 decided, 1 won
(1/2); as partner 1 decided, 1 won (1/1).

Contracts O leads: C1 (need 1, £40,000, started yesterday for 400 days) is running;
C_old (need 7, £5,000, ended 400 days ago) is not. So 1 running, worth £40,000.

Payments (payable at noon UTC, so London and UTC dates agree):
- C1 advance £10,000, payable 30 days ago, paid 4 days later;
- C1 milestone 1 £16,000, payable 20 days ago, paid 12 days later;
- C1 milestone 2 £14,000, payable 11 days ago, unpaid: overdue now;
- C_old's last payment £4,000, payable 40 days ago, paid 10 days later (on target);
- C_old's first payment £1,000, paid 500 days ago: outside the period.
So 3 paid in the period, £10,000 + £16,000 + £4,000 = £30,000; days 4, 10, 12: median 10; 2 within 10 days; 1 overdue.
X's and Y's contracts have payments (paid and overdue) that must not count.

Outcomes (reports approved in the period):
- C1, women's services: outcome a 6 achieved / 2 partly / 4 not, outcome b 3 / 4 / 5:
  achieved 9, partly 6, not 9, 24 people, score 12, rate 1/2; C1 expected 40 people.
  C1's second report is submitted but not approved: not counted.
- C_old, in another category: 2 / 1 / 1: 4 people, score 2.5, rate 5/8; expected 10.
Y's contract (O only a partner) has an approved report that must not count.
"""

import base64
import csv
import html
import io
import re
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.bids import consortium as bid_consortium
from marketplace.bids import submission
from marketplace.board.reporting.competition import Success
from marketplace.board.reporting.organisation import (
    OrganisationFigures,
    organisation_figures,
)
from marketplace.board.reporting.outcomes import outcomes_by_category
from marketplace.board.reporting.scope import Period, Scope
from marketplace.board.reporting.timeliness import Timeliness, timeliness
from marketplace.contracts.models import (
    Contract,
    ContractMilestone,
    ContractParty,
    PartyRole,
)
from marketplace.delivery.models import (
    OutcomeReport,
    ReportDecision,
    ReportOutcome,
    ReportSubmission,
)
from marketplace.evaluation.models import AwardDecision, AwardOutcome
from marketplace.extensions import db
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.reference.models import ServiceCategory
from marketplace.timeutil import london_date, utcnow

from .. import factories
from ..helpers import error_summary, page_text, sign_in

pytestmark = pytest.mark.clock

RIVAL_PRICE = 4_444_400  # £44,444: X's bid on need 1
SECRETS = (
    "£44,444",
    "4444400",
    "£33,333",
    "3333300",
    "£7,777",
    "777700",
    "£8,888",
    "888800",
    "Rival X",
    "Lead Y",
    "Inviter Z",
)


def _noon(days_ago: int) -> datetime:
    return datetime.combine(london_date(utcnow()) - timedelta(days=days_ago), time(12, 0), tzinfo=UTC)


def _decide(lot, bid, commissioner, *, when=None, outcome=AwardOutcome.AWARD):
    when = when or utcnow()
    decision = AwardDecision(
        lot_id=lot.id,
        outcome=outcome,
        bid_id=bid.id if bid is not None else None,
        reasons="Best value.",
        decided_at=when,
        decided_by_id=commissioner.id,
        summaries_sent_at=when,
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def _contract(decision, bid, commissioner, *, value, starts_ago, days=400, people=40, partners=()):
    starts_on = london_date(utcnow()) - timedelta(days=starts_ago)
    contract = Contract(
        need_id=bid.need_id,
        lot_id=bid.lot_id,
        bid_id=bid.id,
        decision_id=decision.id,
        organisation_id=bid.organisation_id,
        title=f"Contract for {bid.need.title}",
        value_pence=value,
        expected_people=people,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days),
        created_by_id=commissioner.id,
    )
    contract.parties.append(
        ContractParty(
            organisation_id=bid.organisation_id,
            role=PartyRole.LEAD,
            work_percent=100 - 30 * len(partners),
            price_percent=100 - 30 * len(partners),
        )
    )
    for organisation in partners:
        contract.parties.append(
            ContractParty(organisation_id=organisation.id, role=PartyRole.PARTNER, work_percent=30, price_percent=30)
        )
    db.session.add(contract)
    db.session.flush()
    return contract


def _payment(contract, number, amount, *, payable_days_ago, paid_after=None):
    milestone = ContractMilestone(
        contract_id=contract.id,
        number=number,
        title=f"Payment {number}",
        amount_pence=amount,
        due_on=contract.starts_on,
    )
    db.session.add(milestone)
    db.session.flush()
    payable = _noon(payable_days_ago)
    payment = Payment(contract_id=contract.id, milestone_id=milestone.id, amount_pence=amount, payable_at=payable)
    if paid_after is not None:
        payment.status = PaymentStatus.PAID
        payment.paid_at = payable + timedelta(days=paid_after)
        payment.paid_on = london_date(payable) + timedelta(days=paid_after)
    db.session.add(payment)
    db.session.flush()
    return milestone


def _report(contract, milestone, user, lines, *, decided_days_ago=0, approved=True):
    report = OutcomeReport(
        contract_id=contract.id, milestone_id=milestone.id, created_by_id=user.id, started=24, completed=10
    )
    db.session.add(report)
    db.session.flush()
    for outcome, (achieved, partly, not_achieved) in zip(contract.need.category.outcomes, lines, strict=False):
        db.session.add(
            ReportOutcome(
                report_id=report.id, outcome_id=outcome.id, achieved=achieved, partly=partly, not_achieved=not_achieved
            )
        )
    when = utcnow() - timedelta(days=decided_days_ago)
    db.session.add(
        ReportSubmission(
            report_id=report.id,
            number=1,
            content={},
            submitted_at=when,
            submitted_by_id=user.id,
            decision=ReportDecision.APPROVED if approved else None,
            decided_at=when if approved else None,
            decided_by_id=user.id if approved else None,
        )
    )
    db.session.flush()


@pytest.fixture
def world(db_session):
    ours = factories.make_organisation("Ours")
    owner = factories.make_provider(Role.OWNER, ours)
    member = factories.make_provider(Role.MEMBER, ours)
    x_owner = factories.make_provider(Role.OWNER, factories.make_organisation("Rival X"))
    y_owner = factories.make_provider(Role.OWNER, factories.make_organisation("Lead Y"))
    z_owner = factories.make_provider(Role.OWNER, factories.make_organisation("Inviter Z"))
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    needs = [factories.make_need(commissioner=commissioner, title=f"Need {n}") for n in range(1, 8)]

    won = factories.make_bid(needs[0], provider=owner, price_pence=4_000_000)
    rival = factories.make_bid(needs[0], provider=x_owner, price_pence=RIVAL_PRICE)
    factories.make_bid(needs[1], provider=owner)  # lost to X
    x_won = factories.make_bid(needs[1], provider=x_owner, price_pence=3_333_300)

    consortium = factories.make_bid(needs[2], provider=y_owner, submit=False)
    partner, _ = bid_consortium.invite_partner(
        consortium, organisation=ours, work_percent=30, price_percent=30, actor=y_owner
    )
    bid_consortium.set_shares(
        consortium, lead_work_percent=70, lead_price_percent=70, partner_shares={partner.id: (30, 30)}, actor=y_owner
    )
    bid_consortium.confirm_partner(partner, actor=owner)
    submission.submit_bid(consortium, actor=y_owner)

    withdrawn = factories.make_bid(needs[3], provider=owner)
    submission.withdraw_bid(withdrawn, actor=owner, reason="We cannot staff it.", now=utcnow() + timedelta(seconds=1))
    factories.make_bid(needs[4], provider=owner, submit=False)

    declined_bid = factories.make_bid(needs[5], provider=z_owner, submit=False)
    declined, _ = bid_consortium.invite_partner(
        declined_bid, organisation=ours, work_percent=30, price_percent=30, actor=z_owner
    )
    bid_consortium.decline_partner(declined, actor=owner)
    bid_consortium.remove_partner(declined, actor=z_owner)
    submission.submit_bid(declined_bid, actor=z_owner)

    old = factories.make_bid(needs[6], provider=owner, price_pence=500_000)
    for need in needs:
        factories.close_need(need)
    needs[6].published_at = utcnow() - timedelta(days=820)

    # Decisions, and the contracts they made.
    c1 = _contract(_decide(needs[0].lots[0], won, commissioner), won, commissioner, value=4_000_000, starts_ago=1)
    x_contract = _contract(
        _decide(needs[1].lots[0], x_won, commissioner), x_won, commissioner, value=3_333_300, starts_ago=1
    )
    y_contract = _contract(
        _decide(needs[2].lots[0], consortium, commissioner),
        consortium,
        commissioner,
        value=4_000_000,
        starts_ago=1,
        partners=(ours,),
    )
    _decide(needs[3].lots[0], None, commissioner, outcome=AwardOutcome.NOT_AWARDED)
    _decide(needs[5].lots[0], declined_bid, commissioner)
    old_decision = _decide(needs[6].lots[0], old, commissioner, when=utcnow() - timedelta(days=800))
    c_old = _contract(old_decision, old, commissioner, value=500_000, starts_ago=800, days=400, people=10)
    other_category = db.session.scalar(
        sa.select(ServiceCategory)
        .where(ServiceCategory.id != needs[6].category_id, ServiceCategory.outcomes.any())
        .order_by(ServiceCategory.name)
    )
    needs[6].category = other_category

    # Payments.
    _payment(c1, 0, 1_000_000, payable_days_ago=30, paid_after=4)
    m1 = _payment(c1, 1, 1_600_000, payable_days_ago=20, paid_after=12)
    m2 = _payment(c1, 2, 1_400_000, payable_days_ago=11)
    _payment(c_old, 0, 100_000, payable_days_ago=510, paid_after=10)
    old_last = _payment(c_old, 1, 400_000, payable_days_ago=40, paid_after=10)
    _payment(x_contract, 0, 777_700, payable_days_ago=20, paid_after=1)
    _payment(x_contract, 1, 100_000, payable_days_ago=30)
    y_milestone = _payment(y_contract, 0, 888_800, payable_days_ago=20, paid_after=2)
    _payment(y_contract, 1, 100_000, payable_days_ago=30)

    # Outcome reports.
    _report(c1, m1, owner, [(6, 2, 4), (3, 4, 5)])
    _report(c1, m2, owner, [(12, 0, 0), (12, 0, 0)], approved=False)
    _report(c_old, old_last, owner, [(2, 1, 1)], decided_days_ago=5)
    _report(y_contract, y_milestone, y_owner, [(20, 0, 0)])

    today = london_date(utcnow())
    return {
        "ours": ours,
        "owner": owner,
        "member": member,
        "x_owner": x_owner,
        "rival": rival,
        "categories": (needs[0].category.name, other_category.name),
        "period": Period(today - timedelta(days=60), today),
    }


def test_the_organisations_figures_are_the_hand_worked_ones(world):
    figures = organisation_figures(world["ours"].id, world["period"], utcnow())
    assert (figures.bids_led, figures.bids_as_partner) == (2, 1)
    lead, partner = figures.success
    assert (lead.key, lead.bids, lead.won, lead.rate) == ("lead", 2, 1, Fraction(1, 2))
    assert (partner.key, partner.bids, partner.won, partner.rate) == ("partner", 1, 1, 1)
    assert (figures.contracts_running, figures.contracts_value_pence) == (1, 4_000_000)
    p = figures.payments
    assert (p.paid, figures.paid_pence, p.median_days, p.within_target, p.overdue_now) == (3, 3_000_000, 10, 2, 1)
    assert p.share_within_target == Fraction(2, 3)
    women, other = world["categories"]
    rows = {r.category: r for r in figures.outcomes}
    assert [r.category for r in figures.outcomes] == sorted(rows) and set(rows) == {women, other}
    c1 = rows[women]
    assert (c1.contracts, c1.expected_people, c1.achieved, c1.partly, c1.not_achieved) == (1, 40, 9, 6, 9)
    assert (c1.people, c1.score, c1.rate) == (24, 12, Fraction(1, 2))
    old = rows[other]
    assert (old.contracts, old.expected_people, old.people, old.score, old.rate) == (
        1,
        10,
        4,
        Fraction(5, 2),
        Fraction(5, 8),
    )


def test_the_rivals_figures_are_only_its_own(world):
    """X led 2 counted bids (needs 1 and 2), both decided, one won; one contract of
    £33,333 with £7,777 paid after 1 day and one payment overdue; no outcomes."""
    x = world["x_owner"].organisations[0]
    figures = organisation_figures(x.id, world["period"], utcnow())
    assert (figures.bids_led, figures.bids_as_partner) == (2, 0)
    assert [(s.bids, s.won) for s in figures.success] == [(2, 1), (0, 0)]
    assert (figures.contracts_running, figures.contracts_value_pence, figures.paid_pence) == (1, 3_333_300, 777_700)
    assert (figures.payments.median_days, figures.payments.overdue_now, figures.outcomes) == (1, 1, ())


def test_an_empty_period_has_no_figures_but_what_is_overdue_now(world):
    long_ago = Period(
        world["period"].start.replace(year=2020), world["period"].start.replace(year=2020) + timedelta(days=30)
    )
    figures = organisation_figures(world["ours"].id, long_ago, utcnow())
    assert (figures.bids_led, figures.bids_as_partner, figures.contracts_running, figures.contracts_value_pence) == (
        0,
        0,
        0,
        0,
    )
    assert [(s.bids, s.won, s.rate) for s in figures.success] == [(0, 0, None), (0, 0, None)]
    p = figures.payments
    assert (p.paid, figures.paid_pence, p.median_days, p.within_target, p.share_within_target) == (0, 0, None, 0, None)
    # Overdue is "now", whatever the period: C1's second milestone is still unpaid.
    assert p.overdue_now == 1 and figures.outcomes == ()


def test_an_organisation_with_no_bids_has_nothing(world):
    figures = organisation_figures(factories.make_organisation("New").id, world["period"], utcnow())
    assert figures == OrganisationFigures(
        0,
        0,
        (Success("lead", 0, 0), Success("partner", 0, 0)),
        0,
        0,
        0,
        Timeliness(0, None, 0, 0),
        (),
    )


def test_the_dashboards_timeliness_and_outcomes_are_unchanged_by_sharing_their_code(world):
    """The area's figures include every organisation's: 5 payments paid in the period
    (4, 10, 12, 1, 2 days: median 4; 4 within 10 days), 3 overdue now; outcomes from C1,
    C_old and Y's contract."""
    scope = Scope(area_ids=(factories.area("N57EKNT").id,))
    t = timeliness(scope, world["period"], utcnow())
    assert (t.paid, t.median_days, t.within_target, t.overdue_now) == (5, 4, 4, 3)
    rows = {r.category: r for r in outcomes_by_category(scope, world["period"])}
    women, other = world["categories"]
    assert (rows[women].contracts, rows[women].expected_people, rows[women].achieved) == (2, 80, 29)
    assert (rows[other].contracts, rows[other].people) == (1, 4)


# Through HTTP ------------------------------------------------------------------------------------------


def _as(client, user):
    browser = client.application.test_client()
    sign_in(browser, user.email)
    return browser


def _url(world, suffix="", **query):
    query = {"from": world["period"].start.isoformat(), "to": world["period"].end.isoformat(), **query}
    return f"/organisations/{world['ours'].id}/figures{suffix}?" + "&".join(f"{k}={v}" for k, v in query.items())


def _csv(browser, url):
    response = browser.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def _table(page: str, caption: str) -> list[list[str]]:
    """The body cells of the table with this caption, as text."""
    block = re.search(re.escape(caption) + r"\s*</caption>(.*?)</table>", page, re.S)
    assert block, f"no table {caption!r}"
    body = block.group(1).split("<tbody", 1)[1]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>|\s+", " ", cell)).strip()
            for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def _summary(page: str) -> dict[str, str]:
    pairs = re.findall(
        r'govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>', page, re.S
    )
    return {html.unescape(k).strip(): html.unescape(re.sub(r"\s+", " ", v)).strip() for k, v in pairs}


def test_a_member_reads_the_figures_and_the_csv_has_the_tables_numbers(client, world):
    browser = _as(client, world["member"])
    response = browser.get(_url(world))
    assert response.status_code == 200
    page = page_text(response)
    assert "Your organisation&#39;s figures" in page or "Your organisation's figures" in page

    table = _table(page, "Your bids and how often they won")
    assert table == [["As lead", "2", "2", "1", "50.0%"], ["As a consortium partner", "1", "1", "1", "100.0%"]]
    rows = _csv(browser, _url(world, "/bids.csv"))
    assert rows[0] == ["role", "bids", "decided", "won", "success_rate"]
    assert [r[:4] for r in rows[1:]] == [t[:4] for t in table]
    assert [f"{100 * float(r[4]):.1f}%" for r in rows[1:]] == [t[4] for t in table]

    summary = _summary(page)
    assert (summary["Running in the period"], summary["Their value"]) == ("1", "£40,000")
    assert _csv(browser, _url(world, "/contracts.csv"))[1] == ["1", "4000000", "£40,000"]

    assert (summary["Payments made"], summary["Amount paid"], summary["Median days from approval to payment"]) == (
        "3",
        "£30,000",
        "10.0",
    )
    assert (summary["Paid within 10 days"], summary["Unpaid and overdue now"]) == ("2 (66.7%)", "1")
    payments = _csv(browser, _url(world, "/payments.csv"))
    assert payments == [
        ["payments_paid", "paid_pence", "paid", "median_days", "paid_within_10_days", "overdue_now"],
        ["3", "3000000", "£30,000", "10.0000", "2", "1"],
    ]

    outcomes = _table(page, "Outcomes achieved, by service category (your reports approved in the period)")
    women, other = world["categories"]
    expected = sorted([[women, "1", "40", "24", "12", "50.0%"], [other, "1", "10", "4", "2.5", "62.5%"]])
    assert outcomes == expected
    rows = _csv(browser, _url(world, "/outcomes.csv"))
    assert rows[0] == [
        "category",
        "contracts",
        "people_expected",
        "achieved",
        "partly_achieved",
        "not_achieved",
        "score",
        "rate",
    ]
    assert [
        [r[0], r[1], r[2], str(sum(int(n) for n in r[3:6])), f"{float(r[6]):g}", f"{100 * float(r[7]):.1f}%"]
        for r in rows[1:]
    ] == expected
    # Each table has its chart beside it, drawn from the same numbers.
    charts = re.findall(r'<img class="lp-chart" src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', page)
    assert [alt.split(",")[0] for _, alt in charts] == [
        "Bar chart of how often your bids as lead and as a partner won",
        "Bar chart of payments paid within 10 days of becoming payable",
        "Bar chart of the share of outcomes achieved in each service category (partly achieved counts half). The numbers are in the table beside it.",
    ]
    outcomes_svg = base64.b64decode(charts[2][0]).decode()
    assert "50.0%" in outcomes_svg and "62.5%" in outcomes_svg


def test_the_default_period_is_the_financial_year(client, world):
    page = page_text(_as(client, world["owner"]).get(f"/organisations/{world['ours'].id}/figures"))
    year = Period.financial_year(london_date(utcnow()))
    assert f'value="{year.start.isoformat()}"' in page and f'value="{year.end.isoformat()}"' in page


def test_an_empty_period_on_the_page(client, world):
    browser = _as(client, world["owner"])
    page = page_text(browser.get(_url(world, **{"from": "2020-04-01", "to": "2020-06-30"})))
    assert _table(page, "Your bids and how often they won") == [
        ["As lead", "0", "0", "0", "None decided"],
        ["As a consortium partner", "0", "0", "0", "None decided"],
    ]
    assert "None of your outcome reports were approved in this period." in page and "No payments" in page
    assert _csv(browser, _url(world, "/outcomes.csv", **{"from": "2020-04-01", "to": "2020-06-30"}))[1:] == []


def test_no_other_organisations_bids_or_prices_appear(client, world):
    browser = _as(client, world["owner"])
    texts = [page_text(browser.get(_url(world)))]
    texts += [
        browser.get(_url(world, f"/{figure}.csv")).get_data(as_text=True)
        for figure in ("bids", "contracts", "payments", "outcomes")
    ]
    for text in texts:
        assert not [secret for secret in SECRETS if secret in text]


@pytest.mark.parametrize(
    "who, status",
    [
        ("member", 200),
        ("owner", 200),
        ("other_organisation", 403),
        ("commissioner", 403),
        ("board", 403),
        ("evaluator", 403),
        ("finance", 403),
        ("admin", 403),
    ],
)
def test_who_may_read_the_figures(client, world, who, status):
    users = {
        "member": lambda: world["member"],
        "owner": lambda: world["owner"],
        "other_organisation": lambda: world["x_owner"],
        "commissioner": lambda: factories.make_area_staff(Role.COMMISSIONER),
        "board": lambda: factories.make_area_staff(Role.BOARD_MEMBER),
        "evaluator": lambda: factories.make_area_staff(Role.EVALUATOR),
        "finance": lambda: factories.make_area_staff(Role.FINANCE),
        "admin": lambda: factories.make_user(admin=True),
    }
    browser = _as(client, users[who]())
    assert browser.get(_url(world)).status_code == status
    assert browser.get(_url(world, "/bids.csv")).status_code == status


def test_anonymous_visitors_are_asked_to_sign_in(client, world):
    for url in (_url(world), _url(world, "/payments.csv")):
        response = client.application.test_client().get(url)
        assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_unknown_organisations_and_figures_are_not_found(client, world):
    browser = _as(client, world["owner"])
    assert browser.get("/organisations/999999/figures").status_code == 404
    assert browser.get("/organisations/99999999999999999999/figures").status_code == 404
    assert browser.get("/organisations/abc/figures").status_code == 404
    assert browser.get(_url(world, "/unknown.csv")).status_code == 404
    assert browser.get("/organisations/999999/figures/bids.csv").status_code == 404


@pytest.mark.parametrize(
    "query, field, message",
    [
        ({"from": "2026-06-01", "to": "2026-05-01"}, "to", "The end date must be the same as or after the start date"),
        ({"from": "1900-01-01"}, "from", "Enter a date between 2015 and 2100"),
        ({"to": "9999-12-31"}, "to", "Enter a date between 2015 and 2100"),
        ({"from": "yesterday"}, "from", "Enter a real date, like 2026-04-01"),
        ({"from": "01/04/2026"}, "from", "Enter a real date, like 2026-04-01"),
        ({"to": "2026-02-30"}, "to", "Enter a real date, like 2026-04-01"),
        ({"from": "x" * 5000}, "from", "Enter a real date, like 2026-04-01"),
    ],
)
def test_bad_dates_are_explained_and_kept(client, world, query, field, message):
    browser = _as(client, world["owner"])
    base = f"/organisations/{world['ours'].id}/figures"
    url = base + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = browser.get(url)
    assert response.status_code == 400
    assert error_summary(response) == [message]
    page = page_text(response)
    assert f'href="#{field}"' in page and f'id="{field}-error"' in page
    assert f'value="{html.escape(query[field], quote=True)}"' in page  # the input is kept
    csv_response = browser.get(base + "/bids.csv?" + "&".join(f"{k}={v}" for k, v in query.items()))
    assert csv_response.status_code == 400 and message in page_text(csv_response)


def test_the_links_to_the_figures(client, world):
    url = f"/organisations/{world['ours'].id}/figures"
    member = _as(client, world["member"])
    assert f'href="{url}">Figures for Ours</a>' in page_text(member.get("/"))
    assert url in page_text(member.get(f"/organisations/{world['ours'].id}"))
    rival = _as(client, world["x_owner"])
    assert url not in page_text(rival.get(f"/organisations/{world['ours'].id}"))
    assert url not in page_text(rival.get("/"))
