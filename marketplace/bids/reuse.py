"""Asked once, reused everywhere: an organisation's own earlier answers, to copy into a
new one ("Use an earlier answer").

What an organisation wrote before: the answers and social value of every bid it leads
(each draft as it is now, and each revision it submitted), and its profile's social value
statement; each with the question it answered, the need's title and when. The same text
is listed once (where it was written last), newest first. Two queries, however many bids
(drafts with their needs' questions; submitted revisions), and only ever the
organisation's own: another organisation's answers, and bids it is only a partner in, are
never read here.

Each text is named by an opaque reference (a digest of the text): a copy names the
reference, and copy_earlier finds it again among the organisation's own texts, so posted
text is never trusted and another organisation's answer can never be named.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..i18n import current_language
from ..needs.models import Criterion, Need
from . import drafting
from .models import Bid, BidRevision

SOCIAL_VALUE = "social_value"  # the key of a bid's social value, beside its criterion ids


@dataclass(frozen=True)
class Earlier:
    text: str
    question: str
    need_title: str
    when: datetime | None  # None: the profile, as it is now
    bid_id: int | None
    key: str  # a criterion id, SOCIAL_VALUE, or "statement" (the profile's)

    @property
    def reference(self) -> str:
        return reference_of(self.text)

    def matches(self, words: list[str]) -> bool:
        haystack = f"{self.text}\n{self.need_title}".casefold()
        return all(word in haystack for word in words)


def reference_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _local(title: str, title_cy: str) -> str:
    """The need's title in the page's language (as i18n.Bilingual), from its two columns."""
    return title_cy if title_cy and current_language() == "cy" else title


def _from_drafts(organisation_id: int) -> list[Earlier]:
    """Each bid the organisation leads, as its draft is now: one row per question."""
    rows = db.session.execute(
        sa.select(
            Bid.id,
            Bid.answers,
            Bid.social_value,
            Bid.updated_at,
            Need.title,
            Need.title_cy,
            Criterion.id,
            Criterion.question,
        )
        .join(Need, Need.id == Bid.need_id)
        .outerjoin(Criterion, Criterion.need_id == Need.id)
        .where(Bid.organisation_id == organisation_id)
    ).all()
    found: dict[tuple[int, str], Earlier] = {}
    social_value_question = _("Social value commitments")
    for bid_id, answers, social_value, updated_at, english, welsh, criterion_id, question in rows:
        title = _local(english, welsh)
        found[(bid_id, SOCIAL_VALUE)] = Earlier(
            social_value or "", social_value_question, title, updated_at, bid_id, SOCIAL_VALUE
        )
        if criterion_id is not None:
            text = (answers or {}).get(str(criterion_id), "")
            found[(bid_id, str(criterion_id))] = Earlier(text, question, title, updated_at, bid_id, str(criterion_id))
    return list(found.values())


def _from_revisions(organisation_id: int) -> list[Earlier]:
    """Every revision the organisation submitted of a bid it leads, as submitted."""
    rows = db.session.execute(
        sa.select(BidRevision.bid_id, BidRevision.content, BidRevision.submitted_at, Need.title, Need.title_cy)
        .join(Bid, Bid.id == BidRevision.bid_id)
        .join(Need, Need.id == Bid.need_id)
        .where(Bid.organisation_id == organisation_id)
    ).all()
    found = []
    social_value_question = _("Social value commitments")
    for bid_id, content, submitted_at, english, welsh in rows:
        title = _local(english, welsh)
        found.append(
            Earlier(content.get("social_value") or "", social_value_question, title, submitted_at, bid_id, SOCIAL_VALUE)
        )
        for answer in content.get("answers", []):
            key = str(answer.get("criterion_id"))
            found.append(
                Earlier(answer.get("answer") or "", answer.get("question", ""), title, submitted_at, bid_id, key)
            )
    return found


def earlier_texts(organisation, *, bid: Bid, key: str) -> list[Earlier]:
    """The organisation's own earlier texts, newest first, each text once, without the
    one `key` of `bid` holds now (copying it would change nothing)."""
    current = _current_text(bid, key)
    everything = _from_drafts(organisation.id) + _from_revisions(organisation.id)
    everything.sort(key=lambda e: e.when.timestamp() if e.when else 0.0, reverse=True)
    statement = (organisation.social_value_statement or "").strip()
    if statement:
        profile = _("Your organisation's profile")
        everything.insert(0, Earlier(statement, _("Social value statement"), profile, None, None, "statement"))
    seen = {current.strip()}
    listed = []
    for earlier in everything:
        text = earlier.text.strip()
        if text and text not in seen:
            seen.add(text)
            listed.append(earlier)
    return listed


def search(earlier: list[Earlier], query: str) -> list[Earlier]:
    """Those holding every word of `query` (in any case), in their text or their need's title."""
    words = query.casefold().split()
    return [e for e in earlier if e.matches(words)] if words else earlier


def _current_text(bid: Bid, key: str) -> str:
    if key == SOCIAL_VALUE:
        return bid.social_value or ""
    return (bid.answers or {}).get(key, "")


def find(organisation, *, bid: Bid, key: str, reference: str) -> Earlier | None:
    """The organisation's own earlier text named by `reference`, or None."""
    return next((e for e in earlier_texts(organisation, bid=bid, key=key) if e.reference == reference), None)


def copy_earlier(bid: Bid, earlier: Earlier, *, key: str, actor) -> None:
    """Copy the text into this bid's answer to `key` (a criterion id or SOCIAL_VALUE), as
    typing it would: saved even over a limit, which then stops submission. Audited and
    refused (closed need, not the lead) by the drafting service, like any save."""
    if key == SOCIAL_VALUE:
        drafting.save_social_value(bid, text=earlier.text, actor=actor)
    else:
        drafting.save_answers(bid, answers={int(key): earlier.text}, actor=actor)
