"""GOV.UK conventions on every form page: a page showing an error summary has a title
starting "Error: ", and every form page but the start page has a back link.

Each page is visited as the person who uses it, in the state where its form is shown;
the world it needs (a draft need, a bid, an evaluation, a contract...) is made when a
page first asks for it."""

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property

import pytest
from flask import current_app

from marketplace.accounts import services as accounts
from marketplace.accounts import tokens
from marketplace.accounts.models import Role
from marketplace.bids import consortium
from marketplace.bids import drafting as bid_drafting
from marketplace.board import reviews
from marketplace.contracts import variations
from marketplace.delivery import drafts, evidence
from marketplace.evaluation import award, low_bids, panel, timing
from marketplace.extensions import db
from marketplace.needs import drafting, questions
from marketplace.payments import services as payments
from marketplace.timeutil import london_date, utcnow

from . import factories
from .helpers import page_text, post_form

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


class World:
    """The people and things the pages need, each made when first asked for."""

    # People -----------------------------------------------------------------------------

    @cached_property
    def commissioner(self):
        return factories.make_area_staff(Role.COMMISSIONER)

    @cached_property
    def board(self):
        return factories.make_area_staff(Role.BOARD_MEMBER)

    @cached_property
    def finance(self):
        return factories.make_area_staff(Role.FINANCE)

    @cached_property
    def admin(self):
        return factories.make_user(admin=True)

    @cached_property
    def provider(self):
        return factories.make_provider()

    @cached_property
    def organisation(self):
        return self.provider.organisations[0]

    @cached_property
    def area(self):
        return factories.area("N57EKNT")

    # Needs and bids ---------------------------------------------------------------------

    @cached_property
    def draft(self):
        return factories.make_need(commissioner=self.commissioner, published=False)

    @cached_property
    def unfinished(self):
        """A draft that cannot be published yet: its check page lists what is missing."""
        need = drafting.create_need(area=self.area, title="Unfinished need", actor=self.commissioner)
        db.session.flush()
        return need

    @cached_property
    def open_need(self):
        return factories.make_need(commissioner=self.commissioner, lots=(5_000_000, 2_000_000))

    @cached_property
    def bid(self):
        """A complete draft on lot 1 of the open need."""
        return factories.make_bid(self.open_need, provider=self.provider, submit=False)

    @cached_property
    def started(self):
        """A bid just started on lot 2: almost everything is missing."""
        bid = bid_drafting.start_bid(self.open_need.lots[1], organisation=self.organisation, actor=self.provider)
        db.session.flush()
        return bid

    @cached_property
    def bidder(self):
        """Another provider, with a submitted bid on the open need."""
        provider = factories.make_provider()
        provider.submitted = factories.make_bid(self.open_need, provider=provider)
        return provider

    @cached_property
    def partner(self):
        """A member of an organisation that is a partner in the draft bid."""
        member = factories.make_provider()
        place, _ = consortium.invite_partner(
            self.bid, organisation=member.organisations[0], work_percent=40, price_percent=40, actor=self.provider
        )
        member.place = place
        return member

    @cached_property
    def partner_invitation(self):
        """The link token of an organisation invited by email to the draft bid."""
        with current_app.test_request_context():
            _, token = consortium.invite_partner(
                self.bid,
                name="Invited Trust",
                email="invited@example.org",
                work_percent=10,
                price_percent=10,
                actor=self.provider,
            )
        return token

    @cached_property
    def question(self):
        return questions.ask_question(
            self.open_need, organisation=self.organisation, actor=self.provider, text="Can we bid for both lots?"
        )

    # Evaluation and award ---------------------------------------------------------------

    @cached_property
    def ev(self):
        """A closed need, its panel declared, no scores yet."""
        return factories.make_evaluation()

    @cached_property
    def newcomer(self):
        """An evaluator on the panel of `ev` who has not declared yet."""
        evaluator = factories.make_area_staff(Role.EVALUATOR)
        panel.assign_evaluator(self.ev.need, evaluator, actor=self.ev.commissioner)
        return evaluator

    @cached_property
    def scored(self):
        """An evaluation whose scores are all submitted, none agreed."""
        ev = factories.make_evaluation()
        factories.score_all(ev, agree=False, close=False)
        return ev

    @cached_property
    def low(self):
        """An evaluation with its cheapest bid flagged as abnormally low."""
        ev = factories.make_evaluation(prices=(2_000_000, 4_000_000, 4_500_000))
        ev.flagged = ev.bids[0]
        ev.flagged.low_flagged_at = utcnow()
        ev.flagged.low_flag_reason = "Much lower than the others"
        db.session.flush()
        return ev

    @cached_property
    def asked(self):
        """`low`, with its bidder asked to explain."""
        ev = self.low
        low_bids.request_explanation(
            ev.flagged,
            request="How do you pay staff?",
            respond_by=timing.earliest_respond_by(utcnow()),
            actor=ev.commissioner,
        )
        return ev

    @cached_property
    def waiting(self):
        """An award over the area's threshold, waiting for a board member's sign-off."""
        ev = factories.make_evaluation()
        factories.score_all(ev)
        ev.need.area.sign_off_threshold_pence = 1_000_000
        return award.decide(ev.lot, bid=ev.bids[0], reasons="Best.", actor=ev.commissioner)

    @cached_property
    def awarded(self):
        """A grant awarded (no standstill), its contract not made yet."""
        ev = factories.make_evaluation()
        factories.score_all(ev)
        award.decide(ev.lot, bid=ev.bids[0], reasons="Best.", actor=ev.commissioner)
        return ev

    # Contracts --------------------------------------------------------------------------

    @cached_property
    def made(self):
        """A contract that started yesterday."""
        return factories.make_contract()

    @cached_property
    def milestone(self):
        return next(m for m in self.made.contract.milestones if m.number == 1)

    @cached_property
    def report(self):
        """The provider's draft report for milestone 1."""
        return drafts.start_report(self.milestone, self.made.provider)

    @cached_property
    def submitted_report(self):
        report = self.report
        outcomes = {o.id: (1, 0, 0) for o in self.made.contract.outcomes}
        drafts.save_report(
            report,
            referred=3,
            started=2,
            completed=1,
            outcomes=outcomes,
            narrative="Weekly sessions.",
            case_study="",
            actor=self.made.provider,
        )
        evidence.add_evidence(report, "Attendance.pdf", PDF, self.made.provider)
        drafts.submit_report(report, self.made.provider)
        return report

    @cached_property
    def variation(self):
        contract = self.made.contract
        return variations.propose(
            contract,
            ends_on=contract.ends_on + timedelta(days=30),
            amounts={m.number: m.amount_pence for m in contract.milestones},
            due_dates={m.number: m.due_on for m in contract.milestones},
            reason="A month more.",
            actor=self.made.commissioner,
        )

    @cached_property
    def review(self):
        contract = self.made.contract
        [due, *_] = reviews.due(contract, london_date(utcnow()))
        return reviews.rate(contract, period=due.key, rating="good", comment="On track.", actor=self.board)

    @cached_property
    def advance(self):
        [payment] = payments.payments_of(self.made.contract)
        return payment

    # Links from emails ------------------------------------------------------------------

    @cached_property
    def reset_token(self):
        return tokens.make_token("reset-password", {"u": self.provider.id, "n": self.provider.session_nonce})

    @cached_property
    def invitation_token(self):
        with current_app.test_request_context():
            invitation = accounts.invite(
                email="newcomer@example.org", role=Role.MEMBER, actor=self.provider, organisation=self.organisation
            )
        return tokens.make_token("invitation", {"i": invitation.id, "e": invitation.email})


@dataclass(frozen=True)
class Page:
    """A form page: who uses it (a World attribute, or None when signed out), its address,
    and how to make it show errors: what to `post` (None: it shows them on GET, or cannot),
    sent to `post_url` when the form posts elsewhere."""

    name: str
    who: str | None
    url: object  # World -> str
    post: object = None  # dict, or World -> dict
    post_url: object = None  # World -> str
    errors: bool = True  # False: no input the page refuses with an error summary
    needs: tuple[str, ...] = ()  # World attributes to make first (what the page shows)


def _report_url(w):
    return f"/contracts/{w.made.contract.id}/milestones/{w.milestone.id}/report"


PAGES = [
    # Accounts (signed out; sign-in and register have no natural page before them: home)
    Page("sign in", None, lambda w: "/sign-in", {}),
    Page("register", None, lambda w: "/register", {}),
    Page("forgot password", None, lambda w: "/password/forgot", {}),
    Page("reset password", None, lambda w: f"/password/reset/{w.reset_token}", {}),
    Page("resend verification", None, lambda w: "/verify-email/resend", {}),
    Page("accept an invitation", None, lambda w: f"/invitations/{w.invitation_token}", {}),
    Page("sign out", "provider", lambda w: "/sign-out", errors=False),
    Page("email settings", "provider", lambda w: "/account/emails", {"frequency": "weekly"}),
    # Organisations and admin
    Page("edit organisation", "provider", lambda w: f"/organisations/{w.organisation.id}/edit", {"name": ""}),
    Page("organisation people", "provider", lambda w: f"/organisations/{w.organisation.id}/people", {}),
    Page("admin area", "admin", lambda w: f"/admin/areas/{w.area.id}", {}),
    Page("admin staff", "admin", lambda w: "/admin/staff", {}),
    Page("admin user", "admin", lambda w: f"/admin/users/{w.provider.id}", {}),
    # Needs: the commissioner's sections
    Page("new need", "commissioner", lambda w: "/needs/new", {}),
    Page("about", "commissioner", lambda w: f"/needs/{w.draft.id}/about", {}),
    Page("add a lot", "commissioner", lambda w: f"/needs/{w.draft.id}/lots/add", {}),
    Page("edit a lot", "commissioner", lambda w: f"/needs/{w.draft.id}/lots/{w.draft.lots[0].id}", {}),
    Page("remove a lot", "commissioner", lambda w: f"/needs/{w.open_need.id}/lots/{w.open_need.lots[1].id}/remove", {}),
    Page("weights", "commissioner", lambda w: f"/needs/{w.draft.id}/criteria", {}),
    Page("add a question", "commissioner", lambda w: f"/needs/{w.draft.id}/criteria/add", {}),
    Page("edit a question", "commissioner", lambda w: f"/needs/{w.draft.id}/criteria/{w.draft.criteria[0].id}", {}),
    Page(
        "remove a question",
        "commissioner",
        lambda w: f"/needs/{w.draft.id}/criteria/{w.draft.criteria[0].id}/remove",
        errors=False,
    ),
    Page("conditions", "commissioner", lambda w: f"/needs/{w.draft.id}/conditions", {"conditions": "bond"}),
    Page("payment", "commissioner", lambda w: f"/needs/{w.draft.id}/payment", {}),
    Page("dates", "commissioner", lambda w: f"/needs/{w.draft.id}/dates", {}),
    Page("need documents", "commissioner", lambda w: f"/needs/{w.draft.id}/documents", {}),
    Page("check a need", "commissioner", lambda w: f"/needs/{w.unfinished.id}/check"),
    Page("withdraw a need", "commissioner", lambda w: f"/needs/{w.open_need.id}/withdraw", {}),
    Page("cancel a need", "commissioner", lambda w: f"/needs/{w.open_need.id}/cancel", {}),
    # Questions and saved searches
    Page("ask a question", "provider", lambda w: f"/needs/{w.open_need.id}/questions/new", {}),
    Page(
        "answer a question", "commissioner", lambda w: f"/needs/{w.open_need.id}/questions/{w.question.id}/answer", {}
    ),
    Page("saved searches", "provider", lambda w: "/needs/saved-searches", {}),
    # Bids
    Page("start a bid", "provider", lambda w: f"/needs/{w.open_need.id}/bid", {}),
    Page(
        "answers",
        "provider",
        lambda w: f"/bids/{w.bid.id}/answers",
        lambda w: {f"answer_{w.open_need.criteria[0].id}": "word " * 501},
    ),
    Page(
        "use an earlier answer",
        "provider",
        lambda w: f"/bids/{w.bid.id}/answers/{w.open_need.criteria[0].id}/earlier?q={'x' * 201}",
    ),
    Page("price", "provider", lambda w: f"/bids/{w.bid.id}/price", {}),
    Page("social value", "provider", lambda w: f"/bids/{w.bid.id}/social-value", {}),
    Page("local presence", "provider", lambda w: f"/bids/{w.bid.id}/local-presence", {}),
    Page("declarations", "provider", lambda w: f"/bids/{w.bid.id}/declarations", {"declarations": "bond_paid"}),
    Page("bid documents", "provider", lambda w: f"/bids/{w.bid.id}/documents", {}),
    Page("check a bid", "provider", lambda w: f"/bids/{w.started.id}/check"),
    Page("withdraw a bid", "bidder", lambda w: f"/bids/{w.bidder.submitted.id}/withdraw", {}),
    Page("partners' shares", "provider", lambda w: f"/bids/{w.partner.place.bid_id}/partners", {}),
    Page("add a partner", "provider", lambda w: f"/bids/{w.bid.id}/partners/add", {}),
    Page("invite a partner", "provider", lambda w: f"/bids/{w.bid.id}/partners/invite", {}),
    Page(
        "remove a partner", "provider", lambda w: f"/bids/{w.bid.id}/partners/{w.partner.place.id}/remove", errors=False
    ),
    Page("a partner's share", "partner", lambda w: f"/bids/{w.partner.place.bid_id}/share", {}),
    Page("a partner's invitation", "bidder", lambda w: f"/bids/invitations/{w.partner_invitation}", errors=False),
    Page("explain a low bid", "asked.providers.0", lambda w: f"/bids/{w.asked.flagged.id}/explanation", {}),
    # Evaluation and award
    Page("the panel", "ev.commissioner", lambda w: f"/needs/{w.ev.need.id}/evaluation/panel", {}),
    Page("declare conflicts", "newcomer", lambda w: f"/needs/{w.ev.need.id}/evaluation/declarations", {}),
    Page(
        "score a bid",
        "ev.evaluators.0",
        lambda w: f"/needs/{w.ev.need.id}/evaluation/bids/{w.ev.bids[0].id}/score",
        {"submit_scores": "x"},
    ),
    Page(
        "moderate a bid",
        "scored.commissioner",
        lambda w: f"/needs/{w.scored.need.id}/evaluation/bids/{w.scored.bids[0].id}/moderate",
        {},
    ),
    Page(
        "close moderation",
        "scored.commissioner",
        lambda w: f"/needs/{w.scored.need.id}/evaluation",
        {},
        post_url=lambda w: f"/needs/{w.scored.need.id}/evaluation/lots/{w.scored.lot.id}/close-moderation",
    ),
    Page(
        "ask a low bid to explain",
        "low.commissioner",
        lambda w: f"/needs/{w.low.need.id}/evaluation/bids/{w.low.flagged.id}/abnormally-low",
        {},
        post_url=lambda w: f"/needs/{w.low.need.id}/evaluation/bids/{w.low.flagged.id}/abnormally-low/request",
    ),
    Page(
        "decide a low bid",
        "asked.commissioner",
        lambda w: f"/needs/{w.asked.need.id}/evaluation/bids/{w.asked.flagged.id}/abnormally-low",
        {},
        post_url=lambda w: f"/needs/{w.asked.need.id}/evaluation/bids/{w.asked.flagged.id}/abnormally-low/decision",
    ),
    Page("award", "scored.commissioner", lambda w: f"/needs/{w.scored.need.id}/lots/{w.scored.lot.id}/award", {}),
    Page("sign off an award", "board", lambda w: f"/sign-offs/{w.waiting.id}", {}),
    Page(
        "make the contract",
        "awarded.commissioner",
        lambda w: f"/needs/{w.awarded.need.id}/lots/{w.awarded.lot.id}/contract",
        {},
    ),
    # Contracts, reports, reviews and payments
    Page("vary a contract", "made.commissioner", lambda w: f"/contracts/{w.made.contract.id}/vary", {}),
    Page(
        "answer a variation",
        "made.provider",
        lambda w: f"/contracts/{w.made.contract.id}/variations/{w.variation.id}",
        {},
    ),
    Page("report outcomes", "made.provider", _report_url, {"referred": "-1", "save": "x"}),
    Page("report evidence", "made.provider", lambda w: f"{_report_url(w)}/evidence", {}, needs=("report",)),
    Page(
        "review a report",
        "made.commissioner",
        _report_url,
        {},
        post_url=lambda w: f"{_report_url(w)}/review",
        needs=("submitted_report",),
    ),
    Page("rate a partnership", "board", lambda w: f"/contracts/{w.made.contract.id}/reviews", {}),
    Page(
        "answer a rating",
        "made.provider",
        lambda w: f"/contracts/{w.made.contract.id}/reviews",
        {},
        post_url=lambda w: f"/reviews/{w.review.id}/responses",
        needs=("review",),
    ),
    Page(
        "record a payment",
        "finance",
        lambda w: f"/payments/{w.advance.id}",
        {},
        post_url=lambda w: f"/payments/{w.advance.id}/record",
    ),
    # Pages whose filters are checked by hand (GET)
    Page("record of decisions", "board", lambda w: f"/areas/{w.area.id}/decisions?from=soon"),
    Page("partnerships", "board", lambda w: f"/areas/{w.area.id}/partnerships?year=1066"),
    Page("board pack", "board", lambda w: f"/areas/{w.area.id}/board-pack?from=soon"),
    Page("a provider's figures", "provider", lambda w: f"/organisations/{w.organisation.id}/figures?from=soon"),
]

# Pages people land on from the navigation or their home page, so with no back link,
# whose query string is checked.
LANDING_PAGES_WITH_ERRORS = [
    Page("find a need", None, lambda w: "/needs?q=" + "x" * 300),
    Page("dashboard", "board", lambda w: f"/areas/{w.area.id}/dashboard?from=soon"),
]


def _id(page: Page) -> str:
    return page.name


@pytest.fixture(autouse=True)
def uploads(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(tmp_path / "uploads"))


@pytest.fixture
def world(db_session):
    return World()


def _person(world, who):
    """`who` names a World attribute, with dotted steps ("ev.evaluators.0")."""
    if who is None:
        return None
    value = world
    for step in who.split("."):
        value = value[int(step)] if step.isdigit() else getattr(value, step)
    return value


def _visit(client, world, page):
    """Sign in as the page's user (as signing in does, without its slow password check)
    and open the page; commits what the world made, so that a view rolling back a refused
    change keeps it."""
    for thing in page.needs:
        getattr(world, thing)
    user = _person(world, page.who)
    url = page.url(world)
    db.session.commit()
    with client.session_transaction() as session:
        session.clear()
        if user is not None:
            session["_user_id"] = user.get_id()
            session["two_factor_done"] = user.id  # and the code given, for staff
            session["_fresh"] = True
            session.permanent = True
    return url, client.get(url)


def _title(response) -> str:
    return TITLE.search(page_text(response)).group(1).strip()


@pytest.mark.parametrize("page", [p for p in PAGES + LANDING_PAGES_WITH_ERRORS if p.errors], ids=_id)
def test_a_page_showing_an_error_summary_has_a_title_starting_error(client, world, page):
    url, response = _visit(client, world, page)
    assert response.status_code in ((200,) if page.post is not None else (200, 400)), (url, response.status_code)
    if page.post is not None:
        assert "govuk-error-summary" not in page_text(response), "errors before anything was sent"
        assert not _title(response).startswith("Error: ")
        post_url = page.post_url(world) if page.post_url else url
        data = page.post(world) if callable(page.post) else page.post
        response = post_form(client, post_url, data, from_url=url)
    html = page_text(response)
    assert response.status_code in (200, 400), (url, response.status_code)
    assert 'class="govuk-error-summary"' in html, (url, _title(response))
    assert _title(response).startswith("Error: "), _title(response)


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_form_page_has_a_back_link(client, world, page):
    url, response = _visit(client, world, page)
    assert response.status_code in (200, 400), (
        url,
        response.status_code,
        response.headers.get("Location"),
    )  # 400: a query checked by hand
    link = re.search(r'<a href="([^"]+)" class="govuk-back-link">', page_text(response))
    assert link, f"no back link on {url}"
    assert link.group(1).startswith("/") and link.group(1) != url


def test_the_start_page_has_no_back_link(client, db_session):
    assert "govuk-back-link" not in page_text(client.get("/"))


EMPTY_HINT = re.compile(r'<div id="([^"]+)" class="govuk-hint[^"]*">\s*</div>')


@pytest.mark.parametrize("page", PAGES, ids=_id)
def test_every_form_page_shows_a_hint_only_with_words_and_describes_a_field_only_by_what_is_there(client, world, page):
    """A field is described (aria-describedby) by its hint and error only when they have words
    on the page: govuk-frontend-wtf gives radios and checkboxes an empty hint otherwise."""
    url, response = _visit(client, world, page)
    html = page_text(response)
    assert EMPTY_HINT.findall(html) == [], url
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    described_by = {name for names in re.findall(r'aria-describedby="([^"]+)"', html) for name in names.split()}
    assert described_by <= ids, (url, described_by - ids)
