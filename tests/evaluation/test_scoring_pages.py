"""Scoring, the sheets side by side, moderation and the ranking through HTTP: bad input
is a clear error by the field with the input kept, status 400 and nothing written;
evaluators score independently; and the whole path, from assigning the panel to the
ranking, gives the totals worked out by hand.
"""

import re
from datetime import timedelta

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.evaluation import errors, moderation, panel, scoring
from marketplace.evaluation.models import (
    AgreedScore,
    LowBidOutcome,
    LowBidReview,
    ModerationClosure,
    Score,
    ScoreSheet,
)
from marketplace.extensions import db
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import count, csrf_token, error_summary, page_text, post_form, sign_in
from .pages import radio_checked, signed_in

MARKER_A = "Justification-marker-a1: evaluator A gave these reasons"
MARKER_B = "Justification-marker-b2: evaluator B gave these reasons"


def _post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **data})


def _sheet_data(parts, score, text, *, button="submit_scores"):
    data = {button: "1"}
    for part in parts:
        data[f"score_{part.key}"] = str(score)
        data[f"justification_{part.key}"] = text
    return data


def _rows():
    return count(ScoreSheet), count(Score), count(AgreedScore), count(ModerationClosure)


def _ready():
    """Commit the test's rows (a SAVEPOINT release; the test is still rolled back at the
    end) so that a view rolling back a refused change keeps them."""
    db.session.commit()


# Scoring -------------------------------------------------------------------------------------


def test_scores_outside_0_to_4_or_not_numbers_are_errors_by_the_field(app, db_session):
    ev = factories.make_evaluation()
    _ready()
    evaluator, bid = ev.evaluators[0], ev.bids[0]
    parts = scoring.parts(ev.need)
    question, social = parts
    client = signed_in(app, evaluator)
    url = f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/score"
    page = page_text(client.get(url))
    assert "We run a weekly drop-in with peer mentors." in page  # the answer beside its score
    assert "Two paid posts for women with lived experience." in page
    assert "£40,000" in page and "Excellent: meets the need fully, with evidence" in page
    assert 'data-maxwords="300"' in page
    assert "Submitted scores are final" in page
    before = _rows()
    for bad in ("5", "-1", "abc", "3.5", "4 OR 1=1"):
        for button in ("submit_scores", "save_draft"):
            data = _sheet_data(parts, 3, "Kept reasons.", button=button)
            data[f"score_{question.key}"] = bad
            response = _post(client, url, data)
            assert response.status_code == 400, (bad, button)
            assert error_summary(response) == ["The score for question 1 must be a whole number from 0 to 4"], (
                bad,
                button,
            )
            text = page_text(response)
            assert f'href="#score_{question.key}"' in text
            assert "Kept reasons." in text and radio_checked(text, f"score_{social.key}", "3")
    assert _rows() == before


def test_submitting_without_every_score_and_justification_is_refused(app, db_session):
    ev = factories.make_evaluation()
    _ready()
    evaluator, bid = ev.evaluators[0], ev.bids[0]
    question, social = scoring.parts(ev.need)
    client = signed_in(app, evaluator)
    url = f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/score"
    before = _rows()
    data = _sheet_data([question, social], 3, "Reasons.")
    data[f"justification_{social.key}"] = "   "
    response = _post(client, url, data)
    assert response.status_code == 400
    assert error_summary(response) == ["Give a justification for your score for social value"]
    assert f'href="#justification_{social.key}"' in page_text(response)
    assert radio_checked(page_text(response), f"score_{question.key}", "3")
    data = _sheet_data([question, social], 3, "Reasons.")
    del data[f"score_{question.key}"]
    response = _post(client, url, data)
    assert response.status_code == 400
    assert error_summary(response) == ["Choose a score for question 1"]
    # Over the word limit: refused by each justification.
    data = _sheet_data([question, social], 3, "word " * (errors.JUSTIFICATION_WORD_LIMIT + 1))
    response = _post(client, url, data)
    assert error_summary(response) == [
        "The justification for question 1 must be 300 words or fewer",
        "The justification for social value must be 300 words or fewer",
    ]
    assert _rows() == before


def test_a_draft_is_kept_then_submitted_once(app, db_session):
    ev = factories.make_evaluation()
    _ready()
    evaluator, bid = ev.evaluators[0], ev.bids[0]
    question, social = scoring.parts(ev.need)
    client = signed_in(app, evaluator)
    url = f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/score"
    response = _post(
        client, url, {"save_draft": "1", f"score_{question.key}": "2", f"justification_{question.key}": "Half way."}
    )
    assert response.status_code == 302
    sheet = scoring.sheet_of(bid, evaluator)
    assert sheet.submitted_at is None and sheet.score_for(question.key).score == 2
    assert sheet.score_for(social.key).score is None
    page = page_text(client.get(response.headers["Location"]))
    assert (
        "Your draft has been saved" in page
        and "Half way." in page
        and radio_checked(page, f"score_{question.key}", "2")
    )
    assert "Draft saved" in page_text(client.get(f"/needs/{ev.need.id}/evaluation/mine"))

    response = _post(client, url, _sheet_data([question, social], 4, MARKER_A))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/bids/{bid.id}/scores")
    db.session.expire_all()
    sheet = scoring.sheet_of(bid, evaluator)
    assert sheet.submitted_at is not None and [s.score for s in sheet.scores] == [4, 4]
    assert count(AuditEvent, AuditEvent.action == "scores.submitted", AuditEvent.actor_id == evaluator.id) == 1
    # Final: the form sends the evaluator to the scores; a crafted POST changes nothing.
    assert client.get(url).status_code == 302
    response = _post(client, url, _sheet_data([question, social], 0, "Changed my mind."))
    assert response.status_code == 302
    db.session.expire_all()
    assert [s.score for s in scoring.sheet_of(bid, evaluator).scores] == [4, 4]
    assert "Submitted" in page_text(client.get(f"/needs/{ev.need.id}/evaluation/mine"))


def test_scoring_after_moderation_closed_is_refused(app, db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev)
    # An evaluator put on the panel after moderation closed (or with the page left open).
    late = factories.make_area_staff(Role.EVALUATOR)
    panel.assign_evaluator(ev.need, late, actor=ev.commissioner)
    panel.declare_conflicts(ev.need, late, {o.id: (False, "") for o in panel.bidding_organisations(ev.need)})
    parts = scoring.parts(ev.need)
    _ready()
    client = signed_in(app, late)
    url = f"/needs/{ev.need.id}/evaluation/bids/{ev.bids[0].id}/score"
    page = page_text(client.get(url))
    assert "Moderation of this lot closed on" in page and "Submit scores" not in page
    before = _rows()
    response = _post(client, url, _sheet_data(parts, 2, "Too late reasons."))
    assert response.status_code == 400
    assert error_summary(response) == ["Moderation of this lot is closed: scores can no longer be changed"]
    assert "Too late reasons." in page_text(response)
    assert _rows() == before
    mine = page_text(client.get(f"/needs/{ev.need.id}/evaluation/mine"))
    assert "Moderation closed" in mine


# Independence ---------------------------------------------------------------------------------


def test_an_evaluator_sees_the_others_scores_only_after_submitting(app, db_session):
    ev = factories.make_evaluation()
    _ready()
    a, b = ev.evaluators
    bid = ev.bids[0]
    parts = scoring.parts(ev.need)
    client_a, client_b = signed_in(app, a), signed_in(app, b)
    base = f"/needs/{ev.need.id}/evaluation/bids/{bid.id}"
    assert _post(client_a, f"{base}/score", _sheet_data(parts, 3, MARKER_A)).status_code == 302

    # B has not scored, then has only a draft: refused, told to submit first.
    for step in ("nothing", "draft"):
        if step == "draft":
            assert (
                _post(client_b, f"{base}/score", _sheet_data(parts, 1, MARKER_B, button="save_draft")).status_code
                == 302
            )
        response = client_b.get(f"{base}/scores")
        assert response.status_code == 403, step
        text = page_text(response)
        assert "Submit your scores first" in text and MARKER_A not in text, step
        # Nor on its scoring page.
        assert MARKER_A not in page_text(client_b.get(f"{base}/score")), step
    # A sees its own, not B's draft.
    text = page_text(client_a.get(f"{base}/scores"))
    assert MARKER_A in text and MARKER_B not in text

    assert _post(client_b, f"{base}/score", _sheet_data(parts, 1, MARKER_B)).status_code == 302
    text = page_text(client_b.get(f"{base}/scores"))
    assert MARKER_A in text and MARKER_B in text
    # The commissioner always sees them.
    text = page_text(signed_in(app, ev.commissioner).get(f"{base}/scores"))
    assert MARKER_A in text and MARKER_B in text


# Moderation -----------------------------------------------------------------------------------------


def test_moderating_without_every_score_is_refused(app, db_session):
    ev = factories.make_evaluation()
    a, _ = ev.evaluators
    bid = ev.bids[0]
    parts = scoring.parts(ev.need)
    scoring.save_sheet(bid, a, {p.key: (3, MARKER_A) for p in parts}, submit=True)
    _ready()
    client = signed_in(app, ev.commissioner)
    url = f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/moderate"
    page = page_text(client.get(url))
    assert MARKER_A in page and "Not every evaluator on the panel without a conflict has submitted" in page
    before = _rows()
    data = {"submit": "1"}
    for p in parts:
        data[f"score_{p.key}"], data[f"rationale_{p.key}"] = "3", "Kept rationale."
    response = _post(client, url, data)
    assert response.status_code == 400
    assert error_summary(response) == [
        "Every evaluator on the panel without a conflict must submit their scores for this bid before moderation"
    ]
    assert "Kept rationale." in page_text(response)
    assert _rows() == before


def test_moderation_errors_by_the_field_then_agreed_and_revised(app, db_session):
    ev = factories.make_evaluation()
    factories.score_all(ev, agree=False)
    _ready()
    bid = ev.bids[0]
    question, social = scoring.parts(ev.need)
    client = signed_in(app, ev.commissioner)
    url = f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/moderate"
    before = _rows()
    response = _post(
        client, url, {f"score_{question.key}": "7", f"rationale_{question.key}": "Kept.", f"score_{social.key}": "2"}
    )
    assert response.status_code == 400
    assert error_summary(response) == ["The score for question 1 must be a whole number from 0 to 4"]
    response = _post(
        client, url, {f"score_{question.key}": "3", f"rationale_{question.key}": "Kept.", f"score_{social.key}": "2"}
    )
    assert response.status_code == 400
    assert error_summary(response) == ["Give the rationale for the agreed score for social value"]
    assert f'href="#rationale_{social.key}"' in page_text(response)
    assert radio_checked(page_text(response), f"score_{social.key}", "2")
    assert _rows() == before

    good = {
        f"score_{question.key}": "3",
        f"rationale_{question.key}": "Strong reach.",
        f"score_{social.key}": "2",
        f"rationale_{social.key}": "Modest.",
    }
    response = _post(client, url, good)
    assert response.status_code == 302
    assert {k: a.score for k, a in moderation.agreed_scores(bid).items()} == {question.key: 3, social.key: 2}
    # Prefilled from the agreed scores, and revisable until closing.
    page = page_text(client.get(url))
    assert radio_checked(page, f"score_{question.key}", "3") and "Strong reach." in page
    response = _post(client, url, {**good, f"score_{social.key}": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert moderation.agreed_scores(bid)[social.key].score == 1
    assert count(AuditEvent, AuditEvent.action == "scores.moderated") == 2
    text = page_text(client.get(f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/scores"))
    assert "Agreed in moderation" in text and "Modest." in text


# The whole path, and the ranking's working -------------------------------------------------------------


def test_from_panel_to_ranking_through_the_pages(app, db_session):
    """Question 1 weighs 60, social value 20, price 20.

    Bid A: £40,000 (the lowest), agreed 3 and 2: 3/4 x 60 = 45 + 2/4 x 20 = 10, quality 55;
    price 40,000/40,000 x 20 = 20; total 75.00.
    Bid B: £45,000, agreed 4 and 4: 60 + 20 = 80; price 40,000/45,000 x 20 = 17.777...
    = 17.78; total 97.78. B ranks first.
    """
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000), evaluators=0)
    a = factories.make_area_staff(Role.EVALUATOR, name="Ada Evaluator")
    b = factories.make_area_staff(Role.EVALUATOR, name="Ben Evaluator")
    _ready()
    bid_a, bid_b = ev.bids
    need = ev.need
    commissioner = signed_in(app, ev.commissioner)
    base = f"/needs/{need.id}/evaluation"

    for user in (a, b):
        assert _post(commissioner, f"{base}/panel", {"user_id": str(user.id)}).status_code == 302
    assert {m.user_id for m in panel.panel(need)} == {a.id, b.id}

    clients = {}
    for user in (a, b):
        client = app.test_client()
        assert sign_in(client, user.email).status_code == 302
        clients[user.id] = client
        response = post_form(
            client,
            f"{base}/declarations",
            {f"org_{o.id}": "no" for o in panel.bidding_organisations(need)},
        )
        assert response.status_code == 302

    question, social = scoring.parts(need)
    for user in (a, b):
        for bid, (q, s) in ((bid_a, (3, 2)), (bid_b, (4, 4))):
            data = {
                "submit_scores": "1",
                f"score_{question.key}": str(q),
                f"justification_{question.key}": "Evidence.",
                f"score_{social.key}": str(s),
                f"justification_{social.key}": "Evidence.",
            }
            response = post_form(clients[user.id], f"{base}/bids/{bid.id}/score", data)
            assert response.status_code == 302, page_text(response)

    hub = page_text(commissioner.get(base))
    assert hub.count("Ready to moderate") == 2
    for bid, (q, s) in ((bid_a, (3, 2)), (bid_b, (4, 4))):
        data = {
            f"score_{question.key}": str(q),
            f"rationale_{question.key}": "Agreed.",
            f"score_{social.key}": str(s),
            f"rationale_{social.key}": "Agreed.",
        }
        assert _post(commissioner, f"{base}/bids/{bid.id}/moderate", data).status_code == 302
    assert page_text(commissioner.get(base)).count("Scores agreed") == 2

    response = _post(commissioner, f"{base}/lots/{ev.lot.id}/close-moderation", {})
    assert response.status_code == 302
    assert scoring.moderation_closure(ev.lot) is not None

    page = page_text(commissioner.get(f"{base}/lots/{ev.lot.id}/ranking"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Ranked bids for lot 1" in page
    assert "Question 1: 3/4 × 60 = 45.00" in text and "Social value: 2/4 × 20 = 10.00" in text
    assert "Question 1: 4/4 × 60 = 60.00" in text and "Social value: 4/4 × 20 = 20.00" in text
    assert "£40,000 / £40,000 × 20 = 20.00" in text
    assert "£40,000 / £45,000 × 20 = 17.78" in text
    assert "55.00" in text and "80.00" in text
    assert "97.78" in text and "75.00" in text
    b_name, a_name = bid_b.organisation.name, bid_a.organisation.name
    assert re.search(rf"1 {re.escape(b_name)} .*97\.78 2 {re.escape(a_name)} .*75\.00", text)
    # The board reads the ranking too; an evaluator does not.
    assert "97.78" in page_text(
        signed_in(app, factories.make_area_staff(Role.BOARD_MEMBER)).get(f"{base}/lots/{ev.lot.id}/ranking")
    )
    assert clients[a.id].get(f"{base}/lots/{ev.lot.id}/ranking").status_code == 403


def _score(ev, bid, question, social):
    parts = scoring.parts(ev.need)
    values = {parts[0].key: question, parts[1].key: social}
    for evaluator in ev.evaluators:
        scoring.save_sheet(bid, evaluator, {k: (v, "Reasons.") for k, v in values.items()}, submit=True)
    moderation.agree_scores(bid, {k: (v, "Agreed.") for k, v in values.items()}, actor=ev.commissioner)


def test_the_ranking_notes_ties_and_lists_rejected_bids(app, db_session):
    """A: £40,000, 3 and 2: 45 + 10 + 20 = 75.00 (quality 55).
    B: £80,000, 3 and 4: 45 + 20 + 40,000/80,000 x 20 = 10, so 75.00 too (quality 65):
    B ranks above A by its higher quality score.
    C: £40,000, 3 and 2, like A: tied with A.
    D: £20,000, rejected as abnormally low: not ranked, and not the lowest compliant price."""
    ev = factories.make_evaluation(prices=(4_000_000, 8_000_000, 4_000_000, 2_000_000))
    a, b, c, d = ev.bids
    _score(ev, a, 3, 2)
    _score(ev, b, 3, 4)
    _score(ev, c, 3, 2)
    now = utcnow()
    d.low_flagged_at = now - timedelta(days=5)
    d.low_flag_reason = "Price is 50% below the median"
    db.session.add(
        LowBidReview(
            bid_id=d.id,
            requested_at=now - timedelta(days=5),
            requested_by_id=ev.commissioner.id,
            request="Explain.",
            respond_by=now - timedelta(days=1),
            outcome=LowBidOutcome.REJECTED,
            outcome_reason="Cannot pay staff.",
            decided_at=now,
            decided_by_id=ev.commissioner.id,
        )
    )
    moderation.close_moderation(ev.lot, actor=ev.commissioner)
    _ready()
    page = page_text(signed_in(app, ev.commissioner).get(f"/needs/{ev.need.id}/evaluation/lots/{ev.lot.id}/ranking"))
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Same total as another bid: placed above it by its higher quality score" in text
    assert text.count("(tied)") == 2 and "Tied: the same total and the same quality score" in text
    assert re.search(
        rf"1 Same total as another bid: placed above it by its higher quality score {re.escape(b.organisation.name)} ",
        text,
    )
    assert re.search(rf"2 \(tied\) .*{re.escape(a.organisation.name)}", text)
    assert "Bids not ranked" in text
    assert re.search(rf"{re.escape(d.organisation.name)} £20,000 Rejected as abnormally low", text)
    assert "£20,000 /" not in text  # the rejected bid's price is not the lowest compliant one
