"""The evaluation in Welsh: a bidder reads its assessment summary, and is emailed it,
wholly in its language (the summary is frozen as facts and put into words when read, so
the same summary reads in English to an English reader); the evaluation's pages read in
Welsh with no sentence of the English catalogue left."""

import html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from marketplace.evaluation.models import AssessmentSummary, AwardDecision
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import page_text
from .test_award_pages import decide, make_scored, signed_in_as
from .test_low_bid_pages import _request as request_explanation
from .test_low_bid_pages import _urls as low_bid_urls

CATALOGUE = Path(__file__).resolve().parents[2] / "marketplace/translations/cy/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


@pytest.fixture(scope="module")
def english_sentences() -> set[str]:
    """The English catalogue's text that a Welsh page must not show: each message's runs
    of three words or more between its placeholders, where the Welsh differs."""
    with CATALOGUE.open("rb") as po:
        catalogue = read_po(po, locale="cy")
    found = set()
    for message in catalogue:
        if not message.id or not isinstance(message.id, str) or message.string == message.id:
            continue
        for run in PLACEHOLDER.split(re.sub(r"<[^>]*>", "", message.id)):
            if len(run.split()) >= 3:
                found.add(run.strip())
    return found


def visible_text(response) -> str:
    """What a reader of the page reads: its text without tags, entities decoded."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page_text(response), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def english_on(response, sentences: set[str]) -> list[str]:
    text = visible_text(response)
    return sorted(sentence for sentence in sentences if sentence in text)


def test_a_bidder_reads_its_assessment_summary_in_welsh(client, db_session, english_sentences):
    ev = make_scored()
    ev.providers[0].language = "cy"
    db.session.commit()
    signed_in_as(client, ev.commissioner)
    reasons = "Dim ond un cynigydd sydd ag adeilad yn yr ardal."
    assert decide(client, ev, str(ev.bids[1].id), reasons=reasons).status_code == 302

    signed_in_as(client, ev.providers[0])
    response = client.get(f"/bids/{ev.bids[0].id}/summary?lang=cy")
    text = visible_text(response)
    assert response.status_code == 200
    assert "Crynodeb asesu" in text and "Ni enillodd eich cynnig" in text
    assert "y cynnig buddugol" in text and reasons in text
    assert "Cwestiwn 1" in text and "allan o 4" in text and "Eich sgorau" in text
    assert english_on(response, english_sentences) == []
    for english in ("Your total", "Question 1", "out of 4", "Your scores", "Social value"):
        assert english not in text

    # The email went in the bidder's language; the other bidder's, in English.
    welsh = db.session.query(OutboxEmail).filter(OutboxEmail.to == ev.providers[0].email).all()
    summary_email = next(e for e in welsh if "Canlyniad eich cynnig" in e.subject)
    assert "Helo" in summary_email.body and "Eich sgorau" in summary_email.body
    assert "Your scores" not in summary_email.body and "out of 4" not in summary_email.body
    english_email = next(
        e
        for e in db.session.query(OutboxEmail).filter(OutboxEmail.to == ev.providers[2].email)
        if "The outcome of your bid" in e.subject
    )
    assert "Your scores" in english_email.body

    # The record keeps its English words; the same summary reads in English in English.
    summary = db.session.query(AssessmentSummary).filter(AssessmentSummary.bid_id == ev.bids[0].id).one()
    assert summary.content["why"].startswith("Your total of ")
    english = visible_text(client.get(f"/bids/{ev.bids[0].id}/summary?lang=en"))
    assert "Your total of " in english and "Your bid did not win" in english


def test_the_evaluation_pages_read_in_welsh(client, db_session, english_sentences):
    ev = make_scored(close=False)
    need, lot, bid = ev.need, ev.lot, ev.bids[0]
    pages = {
        ev.commissioner: [
            f"/needs/{need.id}/evaluation",
            f"/needs/{need.id}/evaluation/panel",
            f"/needs/{need.id}/evaluation/lots/{lot.id}/ranking",
            f"/needs/{need.id}/evaluation/bids/{bid.id}/moderate",
            f"/needs/{need.id}/evaluation/bids/{bid.id}/scores",
            f"/needs/{need.id}/lots/{lot.id}/award",
        ],
        ev.evaluators[0]: [
            f"/needs/{need.id}/evaluation/mine",
            f"/needs/{need.id}/evaluation/declarations",
            f"/needs/{need.id}/evaluation/bids/{bid.id}/scores",
        ],
    }
    for user, urls in pages.items():
        signed_in_as(client, user)
        for url in urls:
            response = client.get(f"{url}?lang=cy")
            assert response.status_code == 200, url
            assert english_on(response, english_sentences) == [], url


def test_a_new_evaluators_score_page_reads_in_welsh(client, db_session, english_sentences):
    ev = factories.make_evaluation()
    db.session.commit()
    signed_in_as(client, ev.evaluators[0])
    response = client.get(f"/needs/{ev.need.id}/evaluation/bids/{ev.bids[0].id}/score?lang=cy")
    assert response.status_code == 200
    text = visible_text(response)
    assert "Sgorio’r cynnig gan" in text and "Cadw fel drafft" in text
    assert english_on(response, english_sentences) == []


@pytest.fixture
def flagged(db_session):
    """An evaluation whose first bid is flagged as abnormally low."""
    ev = factories.make_evaluation(prices=(2_000_000, 4_000_000, 4_500_000))
    ev.flagged = ev.bids[0]
    ev.flagged.low_flagged_at = utcnow()
    ev.flagged.low_flag_reason = "Much lower than the other bids."
    db.session.commit()
    return ev


def test_the_abnormally_low_bid_pages_read_in_welsh(client, flagged, english_sentences):
    ev = flagged
    page, _, _ = low_bid_urls(ev)
    signed_in_as(client, ev.commissioner)
    before = client.get(f"{page}?lang=cy")
    assert "Gofyn i’r cynigydd esbonio ei bris" in visible_text(before)
    assert english_on(before, english_sentences) == []
    assert request_explanation(client, ev).status_code == 302
    after = client.get(f"{page}?lang=cy")
    assert "Heb ei anfon eto" in visible_text(after) and english_on(after, english_sentences) == []

    signed_in_as(client, ev.providers[0])
    explain = client.get(f"/bids/{ev.flagged.id}/explanation?lang=cy")
    assert "Esboniwch eich pris" in visible_text(explain)
    assert english_on(explain, english_sentences) == []


def test_the_board_signs_off_in_welsh(client, db_session, english_sentences):
    ev = make_scored(threshold_pence=1_000_00)
    signed_in_as(client, ev.commissioner)
    assert decide(client, ev, str(ev.bids[0].id)).status_code == 302
    signed_in_as(client, ev.board)
    waiting = client.get("/sign-offs?lang=cy")
    assert "Penderfyniadau sy’n aros i chi eu cymeradwyo" in visible_text(waiting)
    assert english_on(waiting, english_sentences) == []
    decision = db.session.query(AwardDecision).filter(AwardDecision.lot_id == ev.lot.id).one()
    page = client.get(f"/sign-offs/{decision.id}?lang=cy")
    assert "Ydych chi’n cymeradwyo’r penderfyniad hwn?" in visible_text(page)
    assert english_on(page, english_sentences) == []
