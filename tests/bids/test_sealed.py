"""THE permission table of every bid page: each endpoint of the `bids` blueprint (read from
the app's URL map, so a new page fails here until it is added to TABLE) x every kind of
user x before and after the need closes.

For each: the status code; that no part of the bid (a marker in its answers, its unusual
price, the bytes of its document) is in a response to anyone not allowed to read it; and
that each refused read by the commissioning side before closing is audited, while nothing
else is. Then every POST by someone refused leaves the bid exactly as it was.

Who may read a bid: its parties (members of the lead organisation and of a partner that
has not declined), at any time; commissioners and board members of the need's area, and
the evaluators on its panel who declared no conflict with the bidders, only once the need
has closed, and only through the commissioning pages. Nobody else: not other providers,
not evaluators off the panel or conflicted, not staff of other areas, not admins.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_login.utils import _create_identifier

import config
from marketplace import create_app
from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.bids import consortium, drafting, submission
from marketplace.bids.models import Bid, BidDocument, BidPartner, BidRevision
from marketplace.evaluation import panel
from marketplace.extensions import db
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count, csrf_token, page_text, sign_in

ANSWER_MARKER = "Sealed-marker-5d1e: the answer nobody may read early"
PRICE_PENCE = 4_712_345
PRICE_MARKERS = ("£47,123.45", "4712345")
DOCUMENT_BYTES = b"month,women\nsealed-document-marker-9b2c,10\n"

ACTORS = [
    "anonymous",
    "other_provider",
    "commissioner",
    "commissioner_elsewhere",
    "evaluator",
    "evaluator_off_panel",
    "evaluator_conflicted",
    "board_member",
    "admin",
    "partner",
    "lead",  # last: some of the lead's POSTs change the bid
]
PARTIES = {"lead", "partner"}
AREA_STAFF = {"commissioner", "evaluator", "board_member"}  # who reads the bid after closing
OVERSEERS = {"commissioner", "board_member"}  # before closing, their reads are refused and audited
PROVIDERS = {"other_provider", "lead", "partner"}


def _bid_endpoints() -> list[str]:
    app = create_app(config.TestConfig())
    return sorted({rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("bids.")})


BID_ENDPOINTS = _bid_endpoints()


# Expected status by (actor, closed) -------------------------------------------------------
# 302 for anonymous is the redirect to sign in (checked below).


def party_read(actor, closed):
    return 302 if actor == "anonymous" else 200 if actor in PARTIES else 404


def lead_edit(actor, closed):
    """A section of the lead's draft: after closing, the lead is sent back to the bid."""
    if actor == "anonymous":
        return 302
    if actor == "lead":
        return 302 if closed else 200
    return 403 if actor == "partner" else 404


def lead_only(actor, closed):
    if actor == "anonymous":
        return 302
    return 200 if actor == "lead" else 403 if actor == "partner" else 404


def lead_post(actor, closed):
    """A POST-only button of the lead's: it redirects back, saying what happened."""
    if actor == "anonymous":
        return 302
    return 302 if actor == "lead" else 403 if actor == "partner" else 404


def partner_only(actor, closed):
    if actor == "anonymous":
        return 302
    return 200 if actor == "partner" else 403 if actor == "lead" else 404


def any_provider(actor, closed):
    """Starting a bid on the need: any provider (after closing, a page saying it closed)."""
    if actor == "anonymous":
        return 302
    return 200 if actor in PROVIDERS else 403


def signed_in(actor, closed):
    return 302 if actor == "anonymous" else 200


def invitation(actor, closed):
    """The emailed link is a secret: whoever holds it sees the invitation (anonymous: to
    sign in or register), but only a provider can accept it."""
    if actor == "anonymous":
        return 200
    return 200 if actor in PROVIDERS else 403


def commissioning_list(actor, closed):
    """Panels are made after closing: before it, only those who oversee the need."""
    if actor == "anonymous":
        return 302
    if closed:
        return 200 if actor in AREA_STAFF | {"evaluator_conflicted"} else 403
    return 200 if actor in OVERSEERS else 403


def commissioning_read(actor, closed):
    if actor == "anonymous":
        return 302
    return 200 if actor in AREA_STAFF and closed else 403


TABLE = {
    # Provider pages (routes.py)
    "bids.start_bid": any_provider,
    "bids.my_bids": signed_in,
    "bids.show_bid": party_read,
    "bids.edit_answers": lead_edit,
    "bids.edit_price": lead_edit,
    "bids.edit_social_value": lead_edit,
    "bids.edit_local_presence": lead_edit,
    "bids.edit_declarations": lead_edit,
    "bids.earlier_answers": lead_edit,
    "bids.earlier_social_value": lead_edit,
    "bids.documents": lead_edit,
    "bids.remove_document": lead_post,
    "bids.download_document": party_read,
    "bids.check": party_read,
    "bids.receipt": party_read,
    "bids.withdraw": lead_edit,
    # Consortium (routes_consortium.py)
    "bids.partners": lead_only,
    "bids.add_partner": lead_edit,
    "bids.invite_partner": lead_edit,
    "bids.remove_partner": lead_only,
    "bids.partner_share": partner_only,
    "bids.accept_invitation": invitation,
    # Commissioning side (routes_commissioning.py)
    "bids.need_bids": commissioning_list,
    "bids.view_submitted": commissioning_read,
    "bids.submitted_document": commissioning_read,
}

# The commissioning side's reads of a bid: refused before closing, and audited.
AUDITED = {"bids.view_submitted", "bids.submitted_document"}

# A party allowed to GET a page may still be refused its POST.
POST_REFUSED = {("bids.check", "partner"): 403}


def test_every_bid_endpoint_is_in_the_table():
    missing = sorted(set(BID_ENDPOINTS) - set(TABLE))
    assert not missing, f"Add these bid endpoints to the permission table in {__file__}: {missing}"
    stale = sorted(set(TABLE) - set(BID_ENDPOINTS))
    assert not stale, f"These endpoints are in the table but not in the app: {stale}"


# The world: one consortium bid, submitted, with a document; everyone else around it ------


@pytest.fixture
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def _world(closed: bool) -> dict:
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")
    need = factories.make_need(commissioner=commissioner, lots=(5_000_000,))
    lead = factories.make_provider(organisation=factories.make_organisation("Lead Charity"))
    partner_user = factories.make_provider(organisation=factories.make_organisation("Partner CIC"))
    bid = factories.make_bid(need, provider=lead, price_pence=PRICE_PENCE, submit=False)
    drafting.save_answers(bid, answers={c.id: ANSWER_MARKER for c in need.criteria}, actor=lead)
    partner, _ = consortium.invite_partner(
        bid, organisation=partner_user.organisations[0], work_percent=30, price_percent=30, actor=lead
    )
    consortium.set_shares(
        bid, lead_work_percent=70, lead_price_percent=70, partner_shares={partner.id: (30, 30)}, actor=lead
    )
    consortium.confirm_partner(partner, actor=partner_user)
    document = drafting.add_document(bid, filename="plan.csv", data=DOCUMENT_BYTES, actor=lead)
    submission.submit_bid(bid, actor=lead)
    # An open invitation to a second partner, for the invitation link.
    _, token = consortium.invite_partner(
        bid, name="Invited Org", email="invited@example.org", work_percent=1, price_percent=0, actor=lead
    )
    evaluator = factories.make_area_staff(Role.EVALUATOR, "N57EKNT")
    conflicted = factories.make_area_staff(Role.EVALUATOR, "N57EKNT")
    if closed:
        now = utcnow()
        need.question_deadline = now - timedelta(hours=2)
        need.closes_at = now - timedelta(minutes=1)
        for member, conflict in ((evaluator, False), (conflicted, True)):
            panel.assign_evaluator(need, member, actor=commissioner)
            panel.declare_conflicts(
                need,
                member,
                {
                    o.id: (conflict, "I was its trustee until last year." if conflict else "")
                    for o in panel.bidding_organisations(need)
                },
            )
    users = {
        "anonymous": None,
        "other_provider": factories.make_provider(),
        "commissioner": commissioner,
        "commissioner_elsewhere": factories.make_area_staff(Role.COMMISSIONER, "N56ESXN"),
        "evaluator": evaluator,
        "evaluator_off_panel": factories.make_area_staff(Role.EVALUATOR, "N57EKNT"),
        "evaluator_conflicted": conflicted,
        "board_member": factories.make_area_staff(Role.BOARD_MEMBER, "N57EKNT"),
        "admin": factories.make_user(admin=True),
        "partner": partner_user,
        "lead": lead,
    }
    db.session.flush()
    values = {
        "bid_id": bid.id,
        "need_id": need.id,
        "document_id": document.id,
        "number": 1,
        "criterion_id": need.criteria[0].id,
        "partner_id": partner.id,
        "token": token,
    }
    return {"bid": bid, "need": need, "users": users, "values": values}


def _url(app, endpoint: str, values: dict) -> tuple[str, set[str]]:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    unknown = set(rule.arguments) - set(values)
    assert not unknown, f"{endpoint}: give the test a value for {sorted(unknown)}"
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **{k: values[k] for k in rule.arguments}), set(rule.methods) - {"HEAD", "OPTIONS"}


def _client(app, user):
    """A browser signed in as `user`. Flask-Login's session is written directly: the table
    signs in hundreds of times and checking a password each time is slow on purpose (the
    sign-in page itself is tested in tests/accounts, and once here)."""
    client = app.test_client()
    if user is not None:
        with app.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()  # "strong" session protection checks it
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["two_factor_done"] = user.id  # and the code given, for staff
            session["_fresh"] = True
            session["_id"] = identifier
    return client


def test_signing_in_for_the_table_is_signing_in(app, db_session):
    user = factories.make_provider()
    written, signed_in = _client(app, user), app.test_client()
    assert sign_in(signed_in, user.email).status_code == 302
    for client in (written, signed_in):
        assert client.get("/sign-in").status_code == 302  # already signed in
        assert client.get("/bids").status_code == 200
    assert app.test_client().get("/bids").status_code == 302


def _token_page(user) -> str:
    return "/sign-in" if user is None else "/"


def _refusals() -> int:
    return count(AuditEvent, AuditEvent.action == "bid.sealed_access_refused")


def _shows_the_bid(response) -> bool:
    body = response.get_data()
    text = body.decode("utf-8", "replace")
    return ANSWER_MARKER in text or any(marker in text for marker in PRICE_MARKERS) or DOCUMENT_BYTES in body


def _may_read(actor: str, closed: bool) -> bool:
    return actor in PARTIES or (actor in AREA_STAFF and closed)


@pytest.mark.parametrize("closed", [False, True], ids=["before_closing", "after_closing"])
@pytest.mark.parametrize("endpoint", BID_ENDPOINTS)
def test_permission_table(app, db_session, uploads, endpoint, closed):
    assert endpoint in TABLE, f"{endpoint} is not in the permission table"
    world = _world(closed)
    url, methods = _url(app, endpoint, world["values"])
    expected_for = TABLE[endpoint]
    failures = []
    for actor in ACTORS:
        user = world["users"][actor]
        client = _client(app, user)
        refusals = _refusals()
        if "GET" in methods:
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client, _token_page(user))})
        expected = expected_for(actor, closed)
        if response.status_code != expected:
            failures.append(f"{actor}: {response.status_code}, expected {expected}")
            continue
        if expected == 302 and actor == "anonymous":
            assert "/sign-in" in response.headers["Location"], (endpoint, response.headers["Location"])
        if _shows_the_bid(response) and not _may_read(actor, closed):
            failures.append(f"{actor}: the response shows the bid")
        audited = endpoint in AUDITED and actor in OVERSEERS and not closed
        if _refusals() != refusals + (1 if audited else 0):
            failures.append(f"{actor}: {_refusals() - refusals} refusals audited, expected {int(audited)}")
    assert not failures, f"{endpoint} {'after' if closed else 'before'} closing: " + "; ".join(failures)


def test_the_parties_read_the_bid(app, db_session, uploads):
    """The table's "shows the bid" check finds the bid where it is shown."""
    world = _world(closed=False)
    values = world["values"]
    for actor, page in (("lead", "check"), ("partner", "check")):
        client = _client(app, world["users"][actor])
        response = client.get(f"/bids/{values['bid_id']}/{page}")
        assert _shows_the_bid(response), (actor, page)
        assert client.get(f"/bids/{values['bid_id']}/documents/{values['document_id']}").data == DOCUMENT_BYTES


def test_the_commissioning_side_reads_the_bid_after_closing_and_only_then(app, db_session, uploads):
    """The table's 200s for the commissioning side are the real bid, not an empty page."""
    world = _world(closed=True)
    values = world["values"]
    client = _client(app, world["users"]["evaluator"])
    page = page_text(client.get(f"/needs/{values['need_id']}/bids/{values['bid_id']}"))
    assert ANSWER_MARKER in page and PRICE_MARKERS[0] in page
    assert client.get(f"/needs/{values['need_id']}/bids/{values['bid_id']}/documents/1").data == DOCUMENT_BYTES
    assert PRICE_MARKERS[0] in page_text(client.get(f"/needs/{values['need_id']}/bids"))


def _state(bid_id: int):
    """Everything about the bid a POST could change."""
    db.session.expire_all()
    bid = db.session.get(Bid, bid_id)
    return (
        submission.digest_of(submission.bid_content(bid)),
        bid.withdrawn_at,
        count(BidRevision, BidRevision.bid_id == bid_id),
        [
            (
                p.organisation_id,
                p.work_percent,
                p.price_percent,
                p.confirmed_at,
                p.declined_at,
                p.removed_at,
                p.invite_token_hash,
            )
            for p in db.session.scalars(
                sa.select(BidPartner).where(BidPartner.bid_id == bid_id).order_by(BidPartner.id)
            )
        ],
        [(d.id, d.removed_at) for d in db.session.scalars(sa.select(BidDocument).where(BidDocument.bid_id == bid_id))],
    )


POST_DATA = {
    "lead_work": "1",
    "lead_price": "1",
    "organisation": "1",
    "work_percent": "10",
    "price_percent": "10",
    "name": "Hijack Ltd",
    "email": "hijack@example.org",
    "decision": "decline",
    "reason": "Hijacked",
    "social_value": "Hijacked",
    "price": "£1",
    "people": "1",
    "declarations": "eligible",
    "pdus": "none",
    "query": "x",
    "lot": "1",
}


@pytest.mark.parametrize("closed", [False, True], ids=["before_closing", "after_closing"])
@pytest.mark.parametrize("endpoint", BID_ENDPOINTS)
def test_refused_posts_change_nothing(app, db_session, uploads, endpoint, closed):
    world = _world(closed)
    url, methods = _url(app, endpoint, world["values"])
    if "POST" not in methods:
        return
    before = _state(world["bid"].id)
    failures = []
    for actor in ACTORS:
        expected = POST_REFUSED.get((endpoint, actor)) or TABLE[endpoint](actor, closed)
        if actor != "anonymous" and expected not in (403, 404):
            continue  # allowed: what it may change is tested with the page
        user = world["users"][actor]
        client = _client(app, user)
        data = {**POST_DATA, f"answer_{world['need'].criteria[0].id}": "Hijacked"}
        response = client.post(url, data={**data, "csrf_token": csrf_token(client, _token_page(user))})
        if actor == "anonymous":
            if response.status_code not in (200, 302) or (
                response.status_code == 302 and "/sign-in" not in response.headers["Location"]
            ):
                failures.append(f"anonymous: {response.status_code}")
        elif response.status_code != expected:
            failures.append(f"{actor}: {response.status_code}, expected {expected}")
        if _shows_the_bid(response) and not _may_read(actor, closed):
            failures.append(f"{actor}: the response shows the bid")
        if _state(world["bid"].id) != before:
            failures.append(f"{actor}: the bid changed")
            before = _state(world["bid"].id)
    assert not failures, f"POST {endpoint} {'after' if closed else 'before'} closing: " + "; ".join(failures)


def test_an_area_account_whose_email_is_not_verified_reads_no_bid(db_session):
    """One sealed-bid rule: bids.access asks permissions.py who is on the commissioning
    side, with the same account checks as every other rule. A commissioner or board member
    whose email address is not verified reads nothing, even after closing."""
    from werkzeug.exceptions import Forbidden

    from marketplace.bids import access

    need = factories.make_need()
    factories.make_bid(need)
    factories.close_need(need)
    for role in (Role.COMMISSIONER, Role.BOARD_MEMBER):
        verified = factories.make_area_staff(role)
        assert len(access.submitted_bids(need, verified)) == 1
        unverified = factories.make_area_staff(role)
        unverified.email_verified_at = None
        assert not access.commissioning_side(unverified, need) and not access.oversees(unverified, need)
        with pytest.raises(Forbidden):
            access.submitted_bids(need, unverified)
