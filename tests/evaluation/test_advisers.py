"""A lived-experience adviser on a need's panel (evaluation/advisers.py), through HTTP and
the domain functions: the commissioner invites one by email (paid or not, the parts they
score), accepting puts them on the panel, they declare and score only their parts and
only the bids they may open, moderation shows their scores marked, every bidder is told
an adviser scored, and the commissioner takes them off or cancels the invitation."""

import pytest
import sqlalchemy as sa

from marketplace.accounts import services as accounts
from marketplace.accounts.models import Invitation, Membership, Role
from marketplace.audit import AuditEvent
from marketplace.bids.lifecycle import counting_revision
from marketplace.evaluation import advisers, award, moderation, panel, scoring, summaries
from marketplace.evaluation.errors import EvaluationError
from marketplace.evaluation.models import SOCIAL_VALUE, AdviserPlace, PanelMember, Score, ScoreSheet
from marketplace.extensions import db
from marketplace.notifications.models import OutboxEmail

from .. import factories
from ..helpers import count, error_summary, page_text
from .pages import csrf_for, radio_checked, signed_in

QUESTION = "How will you reach women who do not engage?"  # the factories' criterion
ADVISER_REASON = "Adviser-marker-5e1f: people like me would trust this peer mentor"


def _evaluation():
    ev = factories.make_evaluation(prices=(4_000_000, 4_500_000))
    db.session.commit()
    db.session.refresh(ev.commissioner)  # loaded again now, not in the middle of a change
    return ev


def _adviser(ev, *, email="ash.adviser@example.org", chosen=(SOCIAL_VALUE,), paid=False, fee=None):
    """An adviser with an account (and an authenticator), invited and accepted, declared."""
    user = factories.make_user(email=email, name="Ash Adviser", two_factor=True)
    place = advisers.invite_adviser(
        ev.need, name=user.name, email=email, paid=paid, fee_pence=fee, chosen=list(chosen), actor=ev.commissioner
    )
    accounts.accept_invitation(place.invitation, user)
    panel.declare_conflicts(ev.need, user, {o.id: (False, "") for o in panel.bidding_organisations(ev.need)})
    db.session.commit()
    db.session.refresh(ev.commissioner)
    return user


def _invite(app, ev, data):
    client = signed_in(app, ev.commissioner)
    url = f"/needs/{ev.need.id}/evaluation/panel/advisers/new"
    return client.post(url, data={"csrf_token": csrf_for(client, ev.commissioner), **data})


GOOD = {"name": "Sam Adviser", "email": "Sam.Adviser@example.org", "paid": "yes", "fee": "£150", "parts": SOCIAL_VALUE}


# Inviting ------------------------------------------------------------------------------------


def test_a_commissioner_invites_an_adviser_by_email_to_score_chosen_parts(app, db_session):
    ev = _evaluation()
    page = signed_in(app, ev.commissioner).get(f"/needs/{ev.need.id}/evaluation/panel/advisers/new")
    assert page.status_code == 200
    assert radio_checked(page_text(page), "parts", SOCIAL_VALUE)  # suggested
    response = _invite(app, ev, GOOD)
    assert response.status_code == 302
    place = db.session.scalar(sa.select(AdviserPlace))
    assert (place.name, place.paid, place.fee_pence, place.parts) == ("Sam Adviser", True, 15_000, [SOCIAL_VALUE])
    invitation = place.invitation
    assert (invitation.email, invitation.role, invitation.area_id) == (
        "sam.adviser@example.org",
        Role.ADVISER,
        ev.need.area_id,
    )
    email = db.session.scalar(sa.select(OutboxEmail).where(OutboxEmail.to == "sam.adviser@example.org"))
    assert "lived-experience adviser" in email.subject
    assert "Social value" in email.body and "£150" in email.body
    assert count(AuditEvent, AuditEvent.action == "panel.adviser_invited") == 1
    shown = page_text(signed_in(app, ev.commissioner).get(f"/needs/{ev.need.id}/evaluation/panel"))
    assert "Sam Adviser" in shown and "Paid: £150" in shown


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"parts": None}, "Select at least one part for the adviser to score"),
        ({"parts": "criterion-that-is-not-there"}, "Select the parts from the list"),
        ({"email": "not an email"}, "Enter an email address in the correct format, like name@example.com"),
        ({"fee": "a hundred pounds"}, "The fee must be an amount of money, like £12,500 or £12,500.50"),
        ({"fee": "-5"}, "The fee must be more than £0"),
        ({"paid": "no"}, "Give a fee only when the adviser is paid"),
        ({"paid": None}, "Select whether the adviser is paid"),
        ({"name": "<script>alert(1)</script>"}, "Full name must not contain < or >"),
    ],
)
def test_an_invitation_needs_a_part_a_good_email_and_a_fee_in_money(app, db_session, change, message):
    ev = _evaluation()
    data = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    invitations = count(Invitation)
    response = _invite(app, ev, data)
    assert response.status_code == 400
    assert message in " ".join(error_summary(response)), error_summary(response)
    assert count(AdviserPlace) == 0 and count(Invitation) == invitations
    assert "Sam Adviser" in page_text(response) or change.get("name")  # the input is kept


def test_someone_on_the_panel_or_already_invited_is_not_invited_again(app, db_session):
    ev = _evaluation()
    response = _invite(app, ev, {**GOOD, "email": ev.evaluators[0].email})
    assert response.status_code == 400
    assert f"{ev.evaluators[0].email} is already on the panel" in error_summary(response)
    assert _invite(app, ev, GOOD).status_code == 302
    again = _invite(app, ev, GOOD)
    assert again.status_code == 400
    assert "sam.adviser@example.org has already been invited to this panel" in error_summary(again)
    assert count(AdviserPlace) == 1


# Accepting -----------------------------------------------------------------------------------


def test_accepting_makes_the_account_the_adviser_role_and_the_panel_place(app, db_session):
    ev = _evaluation()
    place = advisers.invite_adviser(
        ev.need,
        name="Nia New",
        email="nia@example.org",
        paid=False,
        fee_pence=None,
        chosen=[SOCIAL_VALUE],
        actor=ev.commissioner,
    )
    with app.test_request_context():
        membership = accounts.accept_invitation_as_new_user(place.invitation, name="Nia New", password="x" * 14)
    assert (membership.role, membership.area_id) == (Role.ADVISER, ev.need.area_id)
    member = panel.panel_member(ev.need, membership.user)
    assert member.is_adviser and member.parts == [SOCIAL_VALUE] and place.panel_member_id == member.id
    assert scoring.parts_for(ev.need, membership.user) == [p for p in scoring.parts(ev.need) if p.key == SOCIAL_VALUE]
    assert count(AuditEvent, AuditEvent.action == "panel.adviser_joined") == 1


def test_an_adviser_of_the_area_is_invited_to_a_second_panel(app, db_session):
    ev = _evaluation()
    user = _adviser(ev)
    other = factories.make_evaluation(prices=(4_000_000,))
    place = advisers.invite_adviser(
        other.need,
        name=user.name,
        email=user.email,
        paid=True,
        fee_pence=None,
        chosen=[SOCIAL_VALUE],
        actor=other.commissioner,
    )
    accounts.accept_invitation(place.invitation, user)
    assert panel.panel_member(other.need, user).parts == [SOCIAL_VALUE]
    assert len(user.area_memberships(Role.ADVISER)) == 1  # the same membership of the area


def test_a_cancelled_invitation_cannot_be_accepted(app, db_session):
    ev = _evaluation()
    assert _invite(app, ev, GOOD).status_code == 302
    place = db.session.scalar(sa.select(AdviserPlace))
    client = signed_in(app, ev.commissioner)
    url = f"/needs/{ev.need.id}/evaluation/panel/advisers/{place.id}/cancel"
    assert client.post(url, data={"csrf_token": csrf_for(client, ev.commissioner)}).status_code == 302
    db.session.refresh(place.invitation)
    assert place.invitation.cancelled_at is not None
    user = factories.make_user(email="sam.adviser@example.org")
    with pytest.raises(accounts.AccountError):
        accounts.accept_invitation(place.invitation, user)
    assert count(PanelMember, PanelMember.user_id == user.id) == 0


# What the adviser sees and does --------------------------------------------------------------


def test_an_adviser_sees_and_scores_only_their_parts(app, db_session):
    ev = _evaluation()
    user = _adviser(ev)
    bid = ev.bids[0]
    client = signed_in(app, user)
    url = f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/score"
    page = page_text(client.get(url))
    assert "The bidder&#39;s social value commitments" in page or "social value commitments" in page
    assert QUESTION not in page and "Read the whole bid" not in page
    foreign = client.post(
        url,
        data={
            "csrf_token": csrf_for(client, user),
            f"score_{SOCIAL_VALUE}": "3",
            f"justification_{SOCIAL_VALUE}": ADVISER_REASON,
            f"score_{ev.need.criteria[0].id}": "4",
            "submit_scores": "Submit scores",
        },
    )
    assert foreign.status_code == 400
    assert "You can score only the parts you were chosen for" in error_summary(foreign)
    assert count(ScoreSheet) == 0
    done = client.post(
        url,
        data={
            "csrf_token": csrf_for(client, user),
            f"score_{SOCIAL_VALUE}": "3",
            f"justification_{SOCIAL_VALUE}": ADVISER_REASON,
            "submit_scores": "Submit scores",
        },
    )
    assert done.status_code == 302
    sheet = scoring.sheet_of(bid, user)
    assert sheet.submitted_at is not None and [s.part for s in sheet.scores] == [SOCIAL_VALUE]


def test_a_service_call_with_a_part_not_the_advisers_is_refused(app, db_session):
    ev = _evaluation()
    user = _adviser(ev)
    scores = {p.key: (3, "Evidence.") for p in scoring.parts(ev.need)}
    with pytest.raises(EvaluationError, match="only the parts you were chosen for"):
        scoring.save_sheet(ev.bids[0], user, scores, submit=True)
    assert count(Score) == 0


def test_an_adviser_sees_only_their_panels_and_the_bids_they_may_score(app, db_session):
    ev = _evaluation()
    user = _adviser(ev)
    elsewhere = factories.make_evaluation(prices=(4_000_000,))
    db.session.commit()
    client = signed_in(app, user)
    assert client.get(f"/needs/{elsewhere.need.id}/evaluation/mine").status_code == 403
    assert client.get(f"/needs/{elsewhere.need.id}/evaluation/bids/{elsewhere.bids[0].id}/score").status_code == 403
    mine = ev.need.id
    assert client.get(f"/needs/{mine}/bids").status_code == 403  # the list of bids
    assert client.get(f"/needs/{mine}/bids/{ev.bids[0].id}").status_code == 403  # a whole bid
    assert client.get(f"/needs/{mine}/evaluation/bids/{ev.bids[0].id}/moderate").status_code == 403
    assert client.get(f"/needs/{mine}/evaluation/lots/{ev.lot.id}/ranking").status_code == 403
    assert client.get(f"/needs/{mine}/lots/{ev.lot.id}/award").status_code == 403
    assert client.get(f"/areas/{ev.need.area_id}/dashboard").status_code == 403
    assert client.get(f"/areas/{ev.need.area_id}/payments").status_code == 403
    assert client.get(f"/areas/{ev.need.area_id}/contracts").status_code == 403
    home = page_text(client.get("/"))
    assert ev.need.title in home and elsewhere.need.title not in home
    assert "Score bids" in home


def test_an_adviser_with_a_conflict_cannot_open_that_bid(app, db_session):
    ev = _evaluation()
    user = factories.make_user(email="cy@example.org", two_factor=True)
    place = advisers.invite_adviser(
        ev.need, name="Cy", email=user.email, paid=False, fee_pence=None, chosen=[SOCIAL_VALUE], actor=ev.commissioner
    )
    accounts.accept_invitation(place.invitation, user)
    answers = {o.id: (False, "") for o in panel.bidding_organisations(ev.need)}
    answers[ev.bids[0].organisation_id] = (True, "I volunteer there.")
    panel.declare_conflicts(ev.need, user, answers)
    db.session.commit()
    client = signed_in(app, user)
    assert client.get(f"/needs/{ev.need.id}/evaluation/bids/{ev.bids[0].id}/score").status_code == 403
    assert client.get(f"/needs/{ev.need.id}/evaluation/bids/{ev.bids[1].id}/score").status_code == 200


def test_an_adviser_sees_the_others_scores_only_for_their_parts_after_submitting(app, db_session):
    ev = _evaluation()
    user = _adviser(ev)
    bid = ev.bids[0]
    for evaluator in ev.evaluators:
        scoring.save_sheet(
            bid, evaluator, {p.key: (2, "Evaluator reasons.") for p in scoring.parts(ev.need)}, submit=True
        )
    db.session.commit()
    client = signed_in(app, user)
    url = f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/scores"
    assert client.get(url).status_code == 403  # not submitted yet
    scoring.save_sheet(bid, user, {SOCIAL_VALUE: (4, ADVISER_REASON)}, submit=True)
    db.session.commit()
    page = page_text(client.get(url))
    assert ADVISER_REASON in page and "Social value" in page and QUESTION not in page


# Moderation, the summary, removal ------------------------------------------------------------


def _everyone_scores(ev, adviser):
    for bid in ev.bids:
        for evaluator in ev.evaluators:
            scoring.save_sheet(
                bid, evaluator, {p.key: (3, "Evaluator reasons.") for p in scoring.parts(ev.need)}, submit=True
            )
        scoring.save_sheet(bid, adviser, {SOCIAL_VALUE: (4, ADVISER_REASON)}, submit=True)


def test_moderation_waits_for_the_adviser_and_shows_their_scores_marked(app, db_session):
    ev = _evaluation()
    user = _adviser(ev)
    bid = ev.bids[0]
    for evaluator in ev.evaluators:
        scoring.save_sheet(
            bid, evaluator, {p.key: (3, "Evaluator reasons.") for p in scoring.parts(ev.need)}, submit=True
        )
    assert not scoring.scoring_complete(bid, counting_revision(bid))  # waits for the adviser
    scoring.save_sheet(bid, user, {SOCIAL_VALUE: (4, ADVISER_REASON)}, submit=True)
    assert scoring.scoring_complete(bid, counting_revision(bid))
    db.session.commit()
    page = page_text(signed_in(app, ev.commissioner).get(f"/needs/{ev.need.id}/evaluation/bids/{bid.id}/moderate"))
    assert "Lived-experience adviser" in page and ADVISER_REASON in page and "Ash Adviser" in page
    social = moderation.sheets_by_part(bid)[-1]
    assert [(u.name, line.score, adviser) for u, line, adviser in social["lines"]][-1] == ("Ash Adviser", 4, True)
    question = moderation.sheets_by_part(bid)[0]
    assert all(u.id != user.id for u, _, _ in question["lines"])  # not a part the adviser scores


def test_the_assessment_summary_says_a_lived_experience_adviser_scored(app, db_session):
    ev = _evaluation()
    user = _adviser(ev)
    _everyone_scores(ev, user)
    for bid in ev.bids:
        moderation.agree_scores(
            bid, {p.key: (3, "The panel agreed.") for p in scoring.parts(ev.need)}, actor=ev.commissioner
        )
    moderation.close_moderation(ev.lot, actor=ev.commissioner)
    award.decide(ev.lot, bid=ev.bids[0], reasons="The best plan.", actor=ev.commissioner)
    db.session.commit()
    content = summaries.summaries_for(ev.bids[1])[0].content
    assert content["adviser_parts"] == [{"label": "Social value", "number": None}]
    sentence = (
        "A lived-experience adviser, someone with experience of probation, was on the panel and scored: Social value."
    )
    page = page_text(signed_in(app, ev.providers[1]).get(f"/bids/{ev.bids[1].id}/summary"))
    assert sentence in page
    assert "Ash Adviser" not in page and user.email not in page  # never who
    email = db.session.scalar(
        sa.select(OutboxEmail).where(OutboxEmail.to == ev.providers[1].email, OutboxEmail.subject.like("The outcome%"))
    )
    assert sentence in email.body


def test_no_adviser_no_word_of_one_in_the_summary(app, db_session):
    ev = _evaluation()
    factories.score_all(ev)
    award.decide(ev.lot, bid=ev.bids[0], reasons="The best plan.", actor=ev.commissioner)
    db.session.commit()
    assert summaries.summaries_for(ev.bids[1])[0].content["adviser_parts"] == []
    assert "lived-experience adviser" not in page_text(
        signed_in(app, ev.providers[1]).get(f"/bids/{ev.bids[1].id}/summary")
    )


def test_the_commissioner_takes_an_adviser_off_the_panel_and_nothing_is_deleted(app, db_session):
    ev = _evaluation()
    user = _adviser(ev, paid=True, fee=20_000)
    member = panel.panel_member(ev.need, user)
    client = signed_in(app, ev.commissioner)
    page = page_text(client.get(f"/needs/{ev.need.id}/evaluation/panel"))
    assert "Lived-experience adviser" in page and "Paid: £200" in page and "Scores: Social value" in page
    url = f"/needs/{ev.need.id}/evaluation/panel/{member.id}/remove"
    assert client.post(url, data={"csrf_token": csrf_for(client, ev.commissioner)}).status_code == 302
    db.session.refresh(member)
    assert member.removed_at is not None and count(AdviserPlace) == 1
    assert count(AuditEvent, AuditEvent.action == "panel.removed") == 1
    assert signed_in(app, user).get(f"/needs/{ev.need.id}/evaluation/mine").status_code == 403
    assert count(Membership, Membership.user_id == user.id, Membership.role == Role.ADVISER) == 1
