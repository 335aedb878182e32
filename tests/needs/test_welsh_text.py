"""A need of an area in Wales is published in Welsh and English: its Welsh title and
summary are a section of their own, required before it is published, and each language's
pages show their own. Needs elsewhere have no Welsh section."""

from flask_babel import force_locale

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.needs import publishing
from marketplace.needs.models import NeedStatus

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

NORTH_WALES = "WPTNWS"
WELSH = {"title_cy": "Cymorth i fenywod yng Ngogledd Cymru", "summary_cy": "Cymorth i fenywod ar brawf."}


def _draft_in_wales():
    commissioner = factories.make_area_staff(Role.COMMISSIONER, NORTH_WALES)
    need = factories.make_need(area_code=NORTH_WALES, commissioner=commissioner, published=False)
    return need, commissioner


def test_a_need_in_wales_is_refused_for_publication_without_its_welsh_text(client, db_session):
    need, commissioner = _draft_in_wales()
    messages = [problem.message for problem in publishing.problems(need)]
    assert "Enter the need’s title in Welsh" in messages and "Enter the need’s summary in Welsh" in messages
    sign_in(client, commissioner.email)
    post_form(client, f"/needs/{need.id}/publish", from_url=f"/needs/{need.id}/check")
    db.session.refresh(need)
    assert need.status == NeedStatus.DRAFT
    assert count(AuditEvent, AuditEvent.action == "need.published") == 0


def test_with_its_welsh_text_a_need_in_wales_is_published(client, db_session):
    need, commissioner = _draft_in_wales()
    sign_in(client, commissioner.email)
    assert "Welsh title and summary" in page_text(client.get(f"/needs/{need.id}/manage"))
    response = post_form(client, f"/needs/{need.id}/welsh", WELSH)
    assert response.status_code == 302 and response.headers["Location"] == f"/needs/{need.id}/manage"
    db.session.refresh(need)
    assert (need.title_cy, need.summary_cy) == (WELSH["title_cy"], WELSH["summary_cy"])
    assert publishing.problems(need) == []
    post_form(client, f"/needs/{need.id}/publish", from_url=f"/needs/{need.id}/check")
    db.session.refresh(need)
    assert need.status == NeedStatus.OPEN


def test_the_welsh_text_form_refuses_bad_input_and_keeps_what_was_typed(client, db_session):
    need, commissioner = _draft_in_wales()
    sign_in(client, commissioner.email)
    cases = [
        ({"title_cy": "", "summary_cy": ""}, "Enter the need’s title in Welsh"),
        ({"title_cy": "T" * 151, "summary_cy": "Crynodeb"}, "150 characters"),
        ({"title_cy": "<script>alert(1)</script>", "summary_cy": "Crynodeb"}, None),
    ]
    for data, message in cases:
        response = post_form(client, f"/needs/{need.id}/welsh", data)
        assert response.status_code == 200
        errors = error_summary(response)
        assert errors and (message is None or any(message in error for error in errors))
        if data["summary_cy"]:
            assert data["summary_cy"] in page_text(response)
    db.session.refresh(need)
    assert need.title_cy == "" and need.summary_cy == ""


def test_each_language_shows_its_own_title_and_summary(app, db_session):
    need = factories.make_need(area_code=NORTH_WALES, title="Support for women in North Wales", **WELSH)
    with app.test_request_context():
        assert need.local_title == "Support for women in North Wales"
        with force_locale("cy"):
            assert need.local_title == WELSH["title_cy"] and need.local_summary == WELSH["summary_cy"]


def test_a_welsh_page_shows_the_english_where_a_need_has_no_welsh(app, db_session):
    need = factories.make_need(title="Allotments in Thanet")
    with app.test_request_context(), force_locale("cy"):
        assert need.local_title == "Allotments in Thanet"


def test_a_need_in_england_has_no_welsh_section(client, db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER)
    need = factories.make_need(published=False, commissioner=commissioner)
    sign_in(client, commissioner.email)
    assert client.get(f"/needs/{need.id}/welsh").status_code == 404
    assert "Welsh title and summary" not in page_text(client.get(f"/needs/{need.id}/manage"))
    assert "in Welsh" not in " ".join(problem.message for problem in publishing.problems(need))


def test_only_the_needs_commissioner_may_write_its_welsh_text(client, db_session):
    need, _ = _draft_in_wales()
    for person in (factories.make_provider(), factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")):
        browser = client.application.test_client()
        sign_in(browser, person.email)
        assert browser.get(f"/needs/{need.id}/welsh").status_code in (403, 404)
        response = post_form(browser, f"/needs/{need.id}/welsh", WELSH, from_url="/account")
        assert response.status_code in (403, 404)
    db.session.refresh(need)
    assert need.title_cy == ""
