"""Plain functions that make rows with sensible defaults; each flushes, none commits."""

import itertools

import pyotp
import sqlalchemy as sa

from marketplace.accounts.models import Membership, Role, User
from marketplace.accounts.services import hash_password
from marketplace.extensions import db
from marketplace.organisations.models import IncomeBand, LegalForm, Organisation
from marketplace.reference.models import Area
from marketplace.timeutil import utcnow

from .helpers import PASSWORD

_counter = itertools.count(1)
_password_hash = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def area(code: str) -> Area:
    return db.session.scalar(sa.select(Area).where(Area.code == code))


def make_user(
    email: str | None = None,
    *,
    name: str = "Test User",
    verified: bool = True,
    admin: bool = False,
    two_factor: bool | None = None,
    **extra,
) -> User:
    """A user with the password helpers.PASSWORD. `two_factor` (by default for admins, as
    staff must have it) sets up an authenticator app with a random secret, whose codes
    helpers.sign_in gives when the portal asks."""
    n = next(_counter)
    if two_factor if two_factor is not None else admin:
        extra.setdefault("totp_secret", pyotp.random_base32())
        extra.setdefault("two_factor_enabled_at", utcnow())
    user = User(
        email=(email or f"user{n}@example.org").lower(),
        name=name,
        password_hash=_hash(),
        email_verified_at=utcnow() if verified else None,
        is_admin=admin,
        **extra,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_organisation(
    name: str | None = None,
    *,
    legal_form=LegalForm.REGISTERED_CHARITY,
    verified: bool = True,
    verifier: User | None = None,
    **extra,
) -> Organisation:
    n = next(_counter)
    defaults = {
        "charity_number": f"{1000000 + n}" if legal_form in (LegalForm.REGISTERED_CHARITY, LegalForm.CIO) else None,
        "company_number": f"{n:08d}"
        if legal_form in (LegalForm.CIC, LegalForm.CLG, LegalForm.COMPANY_LIMITED_BY_SHARES)
        else None,
        "income_band": IncomeBand.SMALL,
        "contact_name": "Contact Person",
        "contact_email": f"contact{n}@example.org",
    }
    defaults.update(extra)
    organisation = Organisation(name=name or f"Organisation {n}", legal_form=legal_form, **defaults)
    if verified:
        verifier = verifier or make_user(admin=True)
        organisation.verified_at = utcnow()
        organisation.verified_by_id = verifier.id
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_provider(role: Role = Role.OWNER, organisation: Organisation | None = None, **user_kwargs) -> User:
    user = make_user(**user_kwargs)
    organisation = organisation or make_organisation()
    db.session.add(Membership(user=user, organisation=organisation, role=role))
    db.session.flush()
    return user


def make_area_staff(role: Role, code: str = "N57EKNT", **user_kwargs) -> User:
    """Staff with an authenticator app set up (two_factor=False for one still to set up)."""
    user_kwargs.setdefault("two_factor", True)
    user = make_user(**user_kwargs)
    db.session.add(Membership(user=user, area=area(code), role=role))
    db.session.flush()
    return user


def make_need(
    *,
    area_code: str = "N57EKNT",
    commissioner: User | None = None,
    title: str | None = None,
    published: bool = True,
    closes_in_days: int = 30,
    lots: tuple[int, ...] = (5_000_000,),
    **extra,
):
    """A complete need (publishable), published by default, closing in `closes_in_days`.

    Lots are given in pence. short_form=True gives it the short grant form's questions
    (its lots must then be under £25,000, e.g. lots=(1_800_000,)). Dates are set directly, so a test can make a need that
    closes soon or has closed without waiting.
    """
    from datetime import timedelta

    from marketplace.needs.models import Criterion, Lot, Milestone, Need, Procedure
    from marketplace.reference.models import ServiceCategory

    n = next(_counter)
    the_area = area(area_code)
    commissioner = commissioner or make_area_staff(Role.COMMISSIONER, area_code)
    category = db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code == "womens-services"))
    now = utcnow()
    need = Need(
        area=the_area,
        title=title or f"Need {n}",
        summary="Support for women on probation in East Kent.",
        category=category,
        cohort="Women on probation",
        expected_people=40,
        duration_months=12,
        procedure=extra.pop("procedure", Procedure.GRANT),
        social_value_weight=20,
        price_weight=20,
        social_value_word_limit=extra.pop("social_value_word_limit", 500),
        conditions=["safeguarding"],
        advance_percent=25,
        question_deadline=now + timedelta(days=closes_in_days - 5),
        closes_at=now + timedelta(days=closes_in_days),
        created_by_id=commissioner.id,
        **extra,
    )
    need.pdus = [the_area] if the_area.parent_id else [the_area.children[0]]
    need.outcomes = list(category.outcomes[:2])
    need.lots = [Lot(number=i, title=f"Lot {i}", description="", value_pence=v) for i, v in enumerate(lots, start=1)]
    need.value_pence = sum(lots)
    if need.short_form:  # the short grant form's three fixed questions, 20% each
        from marketplace.needs.proportion import SHORT_FORM_QUESTIONS

        need.criteria = [
            Criterion(number=number, question=question, weight=20, word_limit=limit)
            for number, (question, limit) in enumerate(SHORT_FORM_QUESTIONS, start=1)
        ]
    else:
        need.criteria = [
            Criterion(number=1, question="How will you reach women who do not engage?", weight=60, word_limit=500)
        ]
    need.milestones = [
        Milestone(number=1, title="Six months", percent=40, due_month=6),
        Milestone(number=2, title="End of service", percent=35, due_month=12),
    ]
    if published:
        need.published_at = now - timedelta(days=1)
    db.session.add(need)
    db.session.flush()
    return need


def make_bid(
    need,
    *,
    provider: User | None = None,
    lot=None,
    price_pence: int | None = None,
    submit: bool = True,
    people: int | None = None,
):
    """A complete bid by `provider`'s organisation (a new provider when not given) on the
    first lot of `need`, submitted by default. Returns the Bid."""
    from marketplace.bids import drafting, submission

    provider = provider or make_provider()
    organisation = provider.organisations[0]
    lot = lot or need.lots[0]
    bid = drafting.start_bid(lot, organisation=organisation, actor=provider)
    drafting.save_answers(
        bid, answers={c.id: "We run a weekly drop-in with peer mentors." for c in need.criteria}, actor=provider
    )
    price = price_pence or lot.value_pence
    drafting.save_price(
        bid,
        price_pence=price,
        breakdown=drafting.suggested_breakdown(bid, price),
        people=people or need.expected_people or 10,
        actor=provider,
    )
    if not need.short_form:
        drafting.save_social_value(bid, text="Two paid posts for women with lived experience.", actor=provider)
    drafting.save_local_presence(bid, pdu_ids=[p.id for p in need.pdus], actor=provider)
    drafting.save_declarations(
        bid, declarations=["eligible", "no_conflict", "accurate"], conflict_details="", actor=provider
    )
    if submit:
        submission.submit_bid(bid, actor=provider)
    db.session.flush()
    return bid


def close_need(need) -> None:
    """Move a need's closing time into the past (as if the clock had passed it)."""
    from datetime import timedelta

    now = utcnow()
    need.question_deadline = now - timedelta(days=2)
    need.closes_at = now - timedelta(days=1)
    db.session.flush()


def make_evaluation(
    *,
    prices: tuple[int, ...] = (4_000_000, 4_500_000),
    evaluators: int = 2,
    lots: tuple[int, ...] = (5_000_000,),
    **need_kwargs,
):
    """A closed need with one submitted bid per price on its first lot, a panel of
    `evaluators` who have declared no conflicts, and its commissioner. Returns a
    SimpleNamespace(need, lot, commissioner, evaluators, bids, providers)."""
    from types import SimpleNamespace

    from marketplace.evaluation.panel import (
        assign_evaluator,
        bidding_organisations,
        declare_conflicts,
    )

    commissioner = make_area_staff(Role.COMMISSIONER)
    need = make_need(commissioner=commissioner, lots=lots, **need_kwargs)
    providers = [make_provider() for _ in prices]
    bids = [make_bid(need, provider=p, price_pence=price) for p, price in zip(providers, prices, strict=True)]
    close_need(need)
    panel = [make_area_staff(Role.EVALUATOR) for _ in range(evaluators)]
    for evaluator in panel:
        assign_evaluator(need, evaluator, actor=commissioner)
        declare_conflicts(need, evaluator, {o.id: (False, "") for o in bidding_organisations(need)})
    db.session.flush()
    return SimpleNamespace(
        need=need, lot=need.lots[0], commissioner=commissioner, evaluators=panel, bids=bids, providers=providers
    )


def score_all(ev, scores: dict | None = None, *, agree: bool = True, close: bool = True) -> None:
    """Every panel member scores every bid (3 for every part unless `scores` maps
    bid index -> score), then the commissioner agrees the same and closes moderation."""
    from marketplace.evaluation import moderation, scoring

    parts = scoring.parts(ev.need)
    for index, bid in enumerate(ev.bids):
        value = (scores or {}).get(index, 3)
        for evaluator in ev.evaluators:
            scoring.save_sheet(bid, evaluator, {p.key: (value, "Clear evidence of reach.") for p in parts}, submit=True)
        if agree:
            moderation.agree_scores(bid, {p.key: (value, "The panel agreed.") for p in parts}, actor=ev.commissioner)
    if agree and close:
        moderation.close_moderation(ev.lot, actor=ev.commissioner)
    db.session.flush()


def make_contract(*, starts_in_days: int = -1, prices: tuple[int, ...] = (4_000_000, 4_500_000), **need_kwargs):
    """A contract made from an evaluated grant need (no standstill), awarded to the first
    bid, starting `starts_in_days` from today (in the past by default, so the advance is
    due). Returns SimpleNamespace(contract, ev, provider, commissioner)."""
    from datetime import timedelta
    from types import SimpleNamespace

    from marketplace.contracts import services as contracts
    from marketplace.evaluation.award import decide
    from marketplace.timeutil import london_date

    ev = make_evaluation(prices=prices, **need_kwargs)
    score_all(ev, {0: 4})
    decision = decide(ev.lot, bid=ev.bids[0], reasons="Best value.", actor=ev.commissioner)
    starts_on = london_date(utcnow()) + timedelta(days=starts_in_days)
    contract = contracts.create_contract(
        decision,
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=400),
        schedule=[
            contracts.Line(
                line.number, line.title, line.amount_pence, min(line.due_on, starts_on + timedelta(days=400))
            )
            for line in contracts.proposed_schedule(decision, starts_on)
        ],
        outcome_ids=[o.id for o in ev.need.outcomes],
        actor=ev.commissioner,
    )
    db.session.flush()
    return SimpleNamespace(contract=contract, ev=ev, provider=ev.providers[0], commissioner=ev.commissioner)
