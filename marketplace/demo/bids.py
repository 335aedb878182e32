"""The demo providers' bids on today's needs, each made and submitted through the bid
services at a time before its need closed: a consortium of the charity and the CIC, a
draft, on the closed need an abnormally low bid from the large company, and on the need
being scored one from the CIC, both flagged at closing. `demo_bid` is how HISTORY's bids
are made too."""

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..accounts import services as account_services
from ..accounts.models import User
from ..bids import closing, consortium, drafting, lifecycle, parties, submission
from ..extensions import db
from ..needs.models import Need, Reservation
from ..timeutil import utcnow

OPEN_NEED = "Women's centre support in East Kent"
CLOSED_NEED = "Allotment and growing project in East Kent"
SCORING_NEED = "Community groups and volunteering in Maidstone"
MODERATION_NEED = "Through-the-gate mentoring in East Kent"
FINISHED_NEED = "Employment support in East Kent"

# Every bid goes through the bid services, so it obeys their rules; bids on the closed
# need are made and submitted at times before it closed. The closing-soon need is left
# without bids, for people trying the portal to bid on.
BIDS: list[dict[str, Any]] = [
    {
        "need": OPEN_NEED,
        "lot": 1,
        "lead": "charity@demo.test",
        "partners": [("cic@demo.test", 30, 25)],
        "lead_share": (70, 75),
        "price": 8_850_000,
        "people": 80,
        "answers": (
            "Our key workers already run a weekly drop-in in Margate; we will open it to every woman referred by "
            "probation and phone, text or visit each one who misses a session the same day. Women with lived "
            "experience, trained as peer mentors, meet newcomers at the door. Green Shoots runs a weekly growing "
            "session on our allotment, which many women find easier to come to than an office.",
            "A named key worker for each woman agrees a plan with her probation practitioner in the first two weeks "
            "and joins three-way meetings every month. We share progress through the probation referral system and "
            "refer on to housing, debt advice and GP services we already work with in Thanet.",
        ),
        "social_value": "Two of the key worker posts are for women with lived experience of the justice system, "
        "paid the Real Living Wage, and every peer mentor is offered an accredited qualification.",
        "submit": True,
    },
    {
        "need": OPEN_NEED,
        "lot": 2,
        "lead": "bigco@demo.test",
        "price": 4_300_000,
        "people": 40,
        "answers": (
            "We will contact every referred woman within two working days and offer groups at two times of day.",
            "Our regional partnerships team meets probation managers monthly and reports on attendance.",
        ),
        "social_value": "One apprenticeship for a local young person.",
        "submit": True,
    },
    {
        "need": OPEN_NEED,
        "lot": 2,
        "lead": "cic@demo.test",
        "price": 4_200_000,
        "people": 40,
        "answers": ("Groups will meet at the allotment in Folkestone and finish with a shared meal.",),
        "submit": False,  # a draft: one answer, no social value or declarations yet
    },
    {
        "need": CLOSED_NEED,
        "lot": 1,
        "lead": "charity@demo.test",
        "price": 2_900_000,
        "people": 40,
        "answers": (
            "Each woman sets her own wellbeing goals with a key worker and we measure them with WEMWBS every three months.",
        ),
        "social_value": "Produce from the allotment goes to the Margate food bank.",
        "submit": True,
    },
    {
        "need": CLOSED_NEED,
        "lot": 1,
        "lead": "cic@demo.test",
        "price": 2_750_000,
        "people": 40,
        "answers": ("Our growers have run these sessions for six years; we use WEMWBS at the start, middle and end.",),
        "social_value": "Two paid sessional posts for people who came to us through probation.",
        "submit": True,
    },
    {
        # Half the price of the others: flagged abnormally low when the need closed.
        "need": CLOSED_NEED,
        "lot": 1,
        "lead": "bigco@demo.test",
        "price": 1_400_000,
        "people": 40,
        "answers": ("We will deliver the sessions through our national wellbeing programme.",),
        "social_value": "A donation of tools to each allotment site.",
        "submit": True,
    },
    {
        "need": SCORING_NEED,
        "lot": 1,
        "lead": "cafe@demo.test",
        "price": 3_450_000,
        "people": 45,
        "answers": (
            "Our cafe already hosts a Tuesday group; we will add a Saturday one and match each person with a "
            "volunteering place in the first month, with a mentor who phones after every missed session.",
        ),
        "social_value": "Volunteers who stay six months are offered paid shifts in the cafe.",
        "submit": True,
    },
    {
        "need": SCORING_NEED,
        "lot": 1,
        "lead": "learning@demo.test",
        "price": 3_300_000,
        "people": 45,
        "answers": (
            "Groups meet in our Maidstone centre and lead to volunteering with the partners on our community course.",
        ),
        "social_value": "Every volunteer can take a free accredited course with us.",
        "submit": True,
    },
    {
        # Well below the others: flagged abnormally low at closing, and asked to explain.
        "need": SCORING_NEED,
        "lot": 1,
        "lead": "cic@demo.test",
        "price": 2_200_000,
        "people": 45,
        "answers": ("People join our growers on the allotment twice a week and take produce to local food banks.",),
        "social_value": "Our volunteers' produce goes to two Maidstone food banks.",
        "submit": True,
    },
    {
        "need": MODERATION_NEED,
        "lot": 1,
        "lead": "charity@demo.test",
        "price": 2_300_000,
        "people": 30,
        "answers": (
            "Two mentors are on call for every release day; if one is ill, our partner's volunteer driver goes instead.",
        ),
        "social_value": "Mentors are people who have been through the gate themselves, paid the Real Living Wage.",
        "submit": True,
    },
    {
        "need": MODERATION_NEED,
        "lot": 1,
        "lead": "cic@demo.test",
        "price": 2_250_000,
        "people": 30,
        "answers": ("We will meet people at the gate when we are told of the release date in time.",),
        "social_value": "Fresh food parcels from our allotment for the first week.",
        "submit": True,
    },
    {
        "need": FINISHED_NEED,
        "lot": 1,
        "lead": "charity@demo.test",
        "price": 1_950_000,
        "people": 50,
        "answers": (
            "Job clubs in Margate and Canterbury, a named employment worker, and six months of in-work support.",
        ),
        "social_value": "We recruit two trainees a year from the people we support.",
        "submit": True,
    },
    {
        "need": FINISHED_NEED,
        "lot": 1,
        "lead": "bigco@demo.test",
        "price": 1_800_000,
        "people": 50,
        "answers": ("Our national employability programme, delivered online with monthly meetings.",),
        "social_value": "An apprenticeship in our head office.",
        "submit": True,
    },
]


def add_bids() -> None:
    now = utcnow()
    for index, spec in enumerate(BIDS):
        need = db.session.scalar(sa.select(Need).where(Need.title == spec["need"]))
        if need is None or need.published_at is None:
            continue
        lot = need.lots[spec["lot"] - 1]
        lead = account_services.find_user(spec["lead"])
        assert lead is not None  # made by demo/people.py
        organisation = lead.organisations[0]
        if parties.bid_for(organisation.id, lot) is not None:
            continue
        if lot.reservation == Reservation.VCSE and not organisation.is_vcse:
            continue  # a need made by an older demo, when this lot was reserved
        assert need.closes_at is not None  # published: ck_needs_published_has_dates
        if need.closes_at <= now:
            if need.bids_checked_at is not None:
                continue  # closed and checked before these bids existed: leave it be
            start = need.closes_at - timedelta(days=3)
        else:
            start = max(need.published_at + timedelta(hours=1), now - timedelta(days=1))
        start = min(start + timedelta(hours=2 * index), now - timedelta(hours=3))  # not all at once, all in the past
        if not lifecycle.need_is_open(need, start):
            continue
        demo_bid(spec, lot, lead, organisation, start)
    for title in (CLOSED_NEED, SCORING_NEED, MODERATION_NEED, FINISHED_NEED):
        closed = db.session.scalar(sa.select(Need).where(Need.title == title))
        if closed is not None:
            closing.check_at_closing(closed, now=now)
    db.session.flush()


def demo_bid(spec: dict, lot, lead: User, organisation, start: datetime):
    need = lot.need
    bid = drafting.start_bid(lot, organisation=organisation, actor=lead, now=start)
    answers = {c.id: text for c, text in zip(need.criteria, spec["answers"], strict=False)}
    drafting.save_answers(bid, answers=answers, actor=lead, now=start)
    price = spec["price"]
    drafting.save_price(
        bid,
        price_pence=price,
        breakdown=drafting.suggested_breakdown(bid, price),
        people=spec["people"],
        actor=lead,
        now=start,
    )
    if not bid.local_pdu_ids:  # no staff or premises where the need is: say so
        drafting.save_local_presence(bid, pdu_ids=[], none=True, actor=lead, now=start)
    if not spec["submit"]:
        return bid
    drafting.save_social_value(bid, text=spec["social_value"], actor=lead, now=start)
    drafting.save_declarations(
        bid, declarations=["eligible", "no_conflict", "accurate"], conflict_details="", actor=lead, now=start
    )
    partners = []
    for email, work_percent, price_percent in spec.get("partners", []):
        member = account_services.find_user(email)
        assert member is not None  # made by demo/people.py
        partner, _ = consortium.invite_partner(
            bid,
            organisation=member.organisations[0],
            work_percent=work_percent,
            price_percent=price_percent,
            actor=lead,
            now=start,
        )
        partners.append((partner, member))
    if partners:
        lead_work, lead_price = spec["lead_share"]
        consortium.set_shares(
            bid,
            lead_work_percent=lead_work,
            lead_price_percent=lead_price,
            partner_shares={p.id: (p.work_percent, p.price_percent) for p, _ in partners},
            actor=lead,
            now=start,
        )
        for partner, member in partners:
            consortium.confirm_partner(partner, actor=member, now=start + timedelta(hours=2))
    revision = submission.submit_bid(bid, actor=lead, now=start + timedelta(hours=3))
    revision.recorded_at = revision.submitted_at  # written when it is dated, not today
    return bid
