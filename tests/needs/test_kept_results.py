"""The list of needs keeps its results per process (needs/kept_pages.py), and they stay
exact: after every kind of change to needs, and as time passes, the page with the results
kept is byte for byte the page with nothing kept, and shows the new truth at once. The
words people search for are never kept."""

import gc
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.needs import amendments, documents, drafting, kept_pages, publishing, questions
from marketplace.needs.models import Reservation
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import StatementCount, page_text, per_request_masked, sign_in

# Needs close by the clock: run at the fixed instants of tests/clocks.py too.
pytestmark = pytest.mark.clock

READS_NEEDS = re.compile(r"FROM (needs|need_counts|lots)\b")


_masked = per_request_masked  # the CSRF token's signature carries the second it was asked for


def _kept_page(app, client, url: str, reads: int = 1) -> str:
    """The page asked for with the results kept: asked twice, the second time served from
    what the first kept (one statement reading needs, the stamp; a need's page, the need
    too), and byte for byte the page rendered with nothing kept. Its text."""
    app.config["CACHE_PAGE_PARTS"] = True
    client.get(url)
    with StatementCount() as sql:
        kept = client.get(url)
    read = [s for s in sql.statements if READS_NEEDS.search(s)]
    assert 1 <= len(read) <= reads, "\n".join(read)  # the need may be in the test's session already
    app.config["CACHE_PAGE_PARTS"] = False
    fresh = client.get(url)
    app.config["CACHE_PAGE_PARTS"] = True
    assert kept.status_code == fresh.status_code == 200
    assert _masked(kept) == _masked(fresh), url
    return page_text(kept)


def _count(text: str) -> str:
    found = re.search(r"([0-9,]+) open needs?\b", text)
    assert found, text
    return found.group(1)


@pytest.fixture
def kss(db_session):
    return factories.make_area_staff(Role.COMMISSIONER, "N57", email="kss@example.org")


def test_the_kept_results_show_each_change_to_a_need_at_once(app, client, kss):
    first = factories.make_need(title="Mentoring for women leaving custody", commissioner=kss, closes_in_days=12)
    draft = factories.make_need(title="Housing advice in Canterbury", commissioner=kss, published=False)
    db.session.commit()
    assert _count(_kept_page(app, client, "/needs")) == "1"
    assert "Housing advice" not in _kept_page(app, client, "/needs?q=housing")

    publishing.publish_need(draft, actor=kss)
    db.session.commit()
    assert _count(_kept_page(app, client, "/needs")) == "2"
    assert "Housing advice in Canterbury" in _kept_page(app, client, "/needs?q=housing")

    def retitle():
        draft.title = "Housing and debt advice in Canterbury"

    amendments.save_section(draft, retitle, actor=kss, section="about", reason="Debt advice too")
    db.session.commit()
    assert "Housing and debt advice in Canterbury" in _kept_page(app, client, "/needs?q=housing")
    assert _count(_kept_page(app, client, "/needs?vcse=y")) == "0"

    def reserve_a_lot():
        drafting.save_lot(first, title="Lot 2", description="", value_pence=1_000_000, reservation=Reservation.VCSE)

    amendments.save_section(first, reserve_a_lot, actor=kss, section="lots", reason="A lot for VCSE organisations")
    db.session.commit()
    text = _kept_page(app, client, "/needs?vcse=y")
    assert _count(text) == "1" and "Mentoring for women leaving custody" in text

    publishing.withdraw_need(draft, actor=kss, reason="No longer needed")
    db.session.commit()
    assert "Canterbury" not in _kept_page(app, client, "/needs?q=housing")
    assert _count(_kept_page(app, client, "/needs")) == "1"


def test_the_kept_results_show_needs_closing_and_coming_within_7_days_as_time_passes(app, client, kss):
    closing = factories.make_need(title="Closing within the hour", commissioner=kss, closes_in_days=2)
    factories.make_need(title="Closing in twelve days", commissioner=kss, closes_in_days=12)
    db.session.flush()
    closing.closes_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    text = _kept_page(app, client, "/needs")
    assert _count(text) == "2" and "Closing within the hour" in text
    assert "Closing in twelve days" not in _kept_page(app, client, "/needs?closing_soon=y")
    days_left = re.search(r"Closing in twelve days.*?closes in ([0-9]+) working days", text, re.S)
    assert days_left

    with time_machine.travel((utcnow() + timedelta(hours=2)).timestamp(), tick=True):
        text = _kept_page(app, client, "/needs")
        assert _count(text) == "1" and "Closing within the hour" not in text
    with time_machine.travel((utcnow() + timedelta(days=6)).timestamp(), tick=True):
        assert "Closing in twelve days" in _kept_page(app, client, "/needs?closing_soon=y")
        text = _kept_page(app, client, "/needs")
        later = re.search(r"Closing in twelve days.*?closes in ([0-9]+) working days?", text, re.S)
        assert later and int(later.group(1)) < int(days_left.group(1))


def test_one_persons_search_words_never_reach_anothers_page_nor_are_kept(app, kss):
    for n in range(25):  # two pages: the pagination's links carry the words
        factories.make_need(title=f"Mentoring scheme {n}", commissioner=kss)
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    assert 'value="Mentoring"' in first.get("/needs?q=Mentoring").get_data(as_text=True)
    with StatementCount() as sql:
        html = second.get("/needs?q=mentoring").get_data(as_text=True)  # the same words: kept
    assert len([s for s in sql.statements if READS_NEEDS.search(s)]) == 1
    assert 'value="mentoring"' in html and "q=mentoring" in html
    assert "Mentoring" not in re.sub(r"Mentoring scheme", "", html)
    gc.collect()
    keys = [repr(o.key) for o in gc.get_objects() if isinstance(o, kept_pages._Kept)]
    assert keys and not [k for k in keys if "entor" in k]
    assert not [o for o in gc.get_objects() if isinstance(o, kept_pages._Kept) and o.render is not None]


def test_a_transaction_with_changes_of_its_own_neither_reads_nor_keeps_results(app, client, kss):
    factories.make_need(title="Mentoring for women leaving custody", commissioner=kss)
    db.session.commit()
    assert _count(_kept_page(app, client, "/needs")) == "1"
    factories.make_need(title="Not yet committed", commissioner=kss)
    db.session.flush()
    assert "Not yet committed" in page_text(client.get("/needs"))  # its own change, not kept
    db.session.rollback()
    text = _kept_page(app, client, "/needs")
    assert _count(text) == "1" and "Not yet committed" not in text


def test_the_list_reads_needs_in_one_statement_when_its_results_are_kept(app, client, kss):
    factories.make_need(commissioner=kss)
    db.session.commit()
    for url in ("/needs", "/needs?q=women", f"/needs?region={factories.area('N57').id}", "/needs?page=9"):
        _kept_page(app, client, url)
    assert db.session.scalar(sa.select(1))  # the session is still usable


@pytest.mark.parametrize(
    "url",
    [
        "/needs?region=nowhere&procedure=grant&vcse=y",
        "/needs?region={N57}&pdu=1234567&value=over-500k&closing_soon=y",
        "/needs?category=x&procedure=lease&value=lots",
        "/needs?q=one+two+three+four+five+six+seven+eight+nine+ten+eleven&page=2",
        "/needs?q=women&page=0",
        "/needs?q=%22women%22+%3Cscript%3E+%26+children%27s&page=1",
        "/needs?q=" + "x" * 300,
    ],
)
def test_the_filters_and_results_are_byte_for_byte_the_same_kept_or_not(app, client, kss, url):
    """The filters are kept by the choices made and their errors, whatever was asked for."""
    factories.make_need(commissioner=kss)
    db.session.commit()
    _kept_page(app, client, url.replace("{N57}", str(factories.area("N57").id)))


def test_a_needs_kept_page_shows_each_change_and_its_closing_at_once(app, kss):
    provider = factories.make_provider(email="provider@example.org")
    need = factories.make_need(title="Mentoring for women leaving custody", commissioner=kss, closes_in_days=12)
    db.session.commit()
    url = f"/needs/{need.id}"
    anonymous, signed_in = app.test_client(), app.test_client()
    sign_in(signed_in, "provider@example.org")
    for client in (anonymous, signed_in):
        assert "No answers have been published yet" in _kept_page(app, client, url, reads=2)

    before = amendments.snapshot(need)
    need.summary = "Mentoring and housing advice for women leaving custody."
    amendments.amend_need(need, before=before, actor=kss, reason="Housing advice too")
    db.session.commit()
    for client in (anonymous, signed_in):
        assert "Mentoring and housing advice" in _kept_page(app, client, url, reads=2)

    stored = documents.store_document(need, filename="Service specification.pdf", data=b"%PDF-1.7\n", actor=kss)
    question = questions.ask_question(
        need, organisation=provider.organisations[0], actor=provider, text="May a partnership bid?"
    )
    questions.answer_question(question, actor=kss, answer="Yes, with one lead partner.", publish=True)
    db.session.commit()
    text = _kept_page(app, client, url, reads=2)
    assert "Service specification.pdf" in text and "Yes, with one lead partner." in text
    documents.remove_document(stored, actor=kss)
    db.session.commit()
    assert "Service specification.pdf" not in _kept_page(app, anonymous, url, reads=2)

    with time_machine.travel((need.closes_at + timedelta(minutes=1)).timestamp(), tick=True):
        text = _kept_page(app, anonymous, url, reads=2)
        assert "Bids can no longer be made" in text and "A bid for this need takes" not in text
    publishing.withdraw_need(need, actor=kss, reason="Funding ended")
    db.session.commit()
    assert "Reason: Funding ended" in _kept_page(app, anonymous, url, reads=2)


def test_words_that_search_nothing_still_keep_their_own_links(app, client, kss):
    """Stop words search no words, as no words do; but their pages' links carry them, so
    each is kept apart from the page without words."""
    for n in range(25):  # two pages: the pagination's links carry the words
        factories.make_need(title=f"Mentoring scheme {n}", commissioner=kss)
    db.session.commit()
    for url, link in (("/needs?q=the", "q=the"), ("/needs", None), ("/needs?q=of", "q=of"), ("/needs?q=the", "q=the")):
        _kept_page(app, client, url)
        html = client.get(url).get_data(as_text=True)
        assert (link is None and "q=" not in html) or (link is not None and f"page=2&amp;{link}" in html), url


def test_a_needs_page_kept_whole_for_visitors_follows_the_clock_and_never_shows_a_signed_in_persons_part(app, kss):
    """Below its back link a need's page is kept whole for visitors not signed in, by the
    need, its status, the working days left and whether questions are open: days passing
    and the question deadline passing show at once, and nothing of a signed-in person's
    page (their follow button, their questions) reaches a visitor's, or the other way."""
    factories.make_provider(email="provider@example.org")
    need = factories.make_need(title="Mentoring for women leaving custody", commissioner=kss, closes_in_days=12)
    db.session.commit()
    url = f"/needs/{need.id}"
    anonymous, signed_in = app.test_client(), app.test_client()
    sign_in(signed_in, "provider@example.org")
    visitor = _kept_page(app, anonymous, url, reads=2)
    assert "Questions can be asked until" in visitor and "to follow this need, ask a question or bid" in visitor
    provider = _kept_page(app, signed_in, url, reads=2)
    assert "Follow this need" in provider and "Your questions" in provider and "to follow this need" not in provider
    visitor = _kept_page(app, anonymous, url, reads=2)
    assert "Follow this need" not in visitor and "Your questions" not in visitor

    days_left = re.search(r"closes in (\d+) working days?", visitor).group(1)
    # Six days on, one working day has passed at least, even over Christmas.
    with time_machine.travel((utcnow() + timedelta(days=6)).timestamp(), tick=True):
        assert f"closes in {days_left} working day" not in _kept_page(app, anonymous, url, reads=2)
    with time_machine.travel((need.question_deadline + timedelta(minutes=1)).timestamp(), tick=True):
        visitor = _kept_page(app, anonymous, url, reads=2)
        assert "Questions can be asked until" not in visitor and "Closes at" in visitor


def test_a_draft_is_a_404_to_visitors_however_often_asked_and_its_page_is_shown_once_published(app, kss):
    """A visitor's page of a need is kept with what it shows above its kept part (title,
    status, days left): a draft's 404 is never kept, and publishing moves the stamp."""
    need = factories.make_need(title="Allotment project in Thanet", commissioner=kss, published=False)
    db.session.commit()
    url, anonymous = f"/needs/{need.id}", app.test_client()
    app.config["CACHE_PAGE_PARTS"] = True
    assert [anonymous.get(url).status_code for _ in range(2)] == [404, 404]
    publishing.publish_need(need, actor=kss)
    db.session.commit()
    assert "Allotment project in Thanet" in _kept_page(app, anonymous, url)
    assert "<title>Allotment project in Thanet" in anonymous.get(url).get_data(as_text=True)
