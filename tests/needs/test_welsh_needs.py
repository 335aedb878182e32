"""Needs in Welsh: the public list and a need's page show the need's own Welsh title and
summary on a Welsh page (the English on an English one), with every word around them in
Welsh; the needs emails go in their recipient's language, subject and all; and what a
change to a need changed reads in the language it is read in."""

import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.i18n import in_language
from marketplace.needs import changes, questions
from marketplace.notifications import OutboxEmail

from .. import factories
from ..helpers import page_text

TITLE = "Women's centre support"
TITLE_CY = "Cymorth canolfan i fenywod"
SUMMARY_CY = "Cymorth i fenywod ar brawf, gan ganolfan leol."


def bilingual_need():
    return factories.make_need(title=TITLE, title_cy=TITLE_CY, summary_cy=SUMMARY_CY)


def test_a_need_page_in_welsh_shows_the_needs_welsh_title_and_summary_and_welsh_words(client, db_session):
    need = bilingual_need()
    welsh = page_text(client.get(f"/needs/{need.id}?lang=cy"))
    assert TITLE_CY in welsh and SUMMARY_CY in welsh
    for words in ("Am yr angen", "Yn cau am", "Canlyniadau a ddymunir", "Sut y bydd cynigion yn cael eu barnu"):
        assert words in welsh
    assert "About the need" not in welsh and "How bids will be judged" not in welsh

    english = page_text(client.get(f"/needs/{need.id}?lang=en"))
    assert "Women&#39;s centre support" in english and TITLE_CY not in english and "About the need" in english


def test_the_list_of_needs_in_welsh_shows_welsh_titles_and_welsh_counts(client, db_session):
    bilingual_need()
    welsh = page_text(client.get("/needs?lang=cy"))
    assert TITLE_CY in welsh
    assert "1 angen agored" in welsh and "Dod o hyd i angen i wneud cynnig ar ei gyfer" in welsh
    assert "open need" not in welsh


def test_an_answer_is_emailed_in_the_askers_welsh_subject_and_all(db_session):
    need = bilingual_need()
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")
    organisation = factories.make_organisation("Elusen Menywod Caerdydd")
    asker = factories.make_provider(Role.MEMBER, organisation, email="asker@example.org", language="cy")
    question = questions.ask_question(need, organisation=organisation, actor=asker, text="Pryd mae’n dechrau?")
    questions.answer_question(question, actor=commissioner, answer="Ym mis Ebrill.", publish=False)
    email = db.session.scalars(sa.select(OutboxEmail).where(OutboxEmail.to == "asker@example.org")).one()
    assert email.subject == f"Ateb newydd ar {TITLE_CY}"
    assert email.body.startswith("Helo ")
    assert f"Mae cwestiwn am {TITLE_CY} wedi’i ateb (yn breifat, ar gyfer eich sefydliad)." in email.body
    assert "Cwestiwn: Pryd mae’n dechrau?" in email.body and "Ateb: Ym mis Ebrill." in email.body


def test_what_a_change_changed_reads_in_the_language_it_is_read_in(app):
    before = {"duration_months": 12, "lots": [{"id": 1, "title": "Thanet", "value_pence": 100, "reservation": "none"}]}
    after = {"duration_months": 18, "lots": [{"id": 1, "title": "Thanet", "value_pence": 200, "reservation": "vcse"}]}
    with app.test_request_context():
        found = changes.field_changes(before, after)  # described once, read in either language
        with in_language("en"):
            english = [(str(c.label), str(c.before), str(c.after)) for c in found]
        with in_language("cy"):
            welsh = [(str(c.label), str(c.before), str(c.after)) for c in found]
    assert english[0] == ("Duration", "12 months", "18 months")
    assert welsh[0] == ("Hyd", "12 mis", "18 mis")
    assert english[2] == ("Lot 1 (Thanet): who may bid", "Open to all", "Reserved for VCSE organisations")
    assert welsh[2] == (
        "Lot 1 (Thanet): pwy gaiff wneud cynnig",
        "Yn agored i bawb",
        "Wedi’i neilltuo ar gyfer sefydliadau gwirfoddol a chymunedol",
    )
