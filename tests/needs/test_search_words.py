"""Word search on /needs (needs/fulltext.py): full-text search on both databases, the same
needs for the same words, stemmed, best matches first, and what the user types never
taken as query syntax."""

import re

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.needs import fulltext, search
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import StatementCount, error_summary, page_text
from .test_public import open_count, titles

# Needs close by the clock: run at the fixed instants of tests/clocks.py too.
pytestmark = pytest.mark.clock

SUMMARY = "Support for adults on probation in Kent, reported each quarter."


@pytest.fixture
def needs(db_session):
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57EKNT")

    def need(title, summary=SUMMARY, **kwargs):
        made = factories.make_need(commissioner=commissioner, title=title, **kwargs)
        made.summary = summary
        return made

    made = {
        "housing": need("Housing support in Thanet", closes_in_days=20),
        "housed": need("Accommodation advice", "People housed within a month. " + SUMMARY, closes_in_days=30),
        "mentoring": need("Mentoring for young adults", closes_in_days=10),
        "cafe": need("Café and kitchen skills", closes_in_days=40),
        "closed_housing": need("Housing help, closed", closes_in_days=0),
        "draft_housing": need("Housing draft", published=False),
    }
    now = utcnow()
    made["closed_housing"].closes_at = now
    made["closed_housing"].question_deadline = now
    db.session.flush()
    return made


@pytest.mark.parametrize(
    "words, expected",
    [
        ("housing", ["Housing support in Thanet", "Accommodation advice"]),  # housed: the same stem
        ("house", ["Housing support in Thanet", "Accommodation advice"]),
        ("HOUSES thanet", ["Housing support in Thanet"]),  # every word, any case
        ("mentor", ["Mentoring for young adults"]),
        ("young", ["Mentoring for young adults"]),
        ("housing croydon", []),
        ("café", ["Café and kitchen skills"]),
        ("kitchens", ["Café and kitchen skills"]),
    ],
)
def test_words_find_the_same_open_needs_on_both_databases_stemmed(client, needs, words, expected):
    response = client.get("/needs", query_string={"q": words})
    assert response.status_code == 200
    assert sorted(titles(response)) == sorted(expected)
    assert open_count(response) == len(expected)


def test_best_matches_come_first_then_the_soonest_closing(client, needs):
    """Mentoring is in the title and summary of one need and the summary of another
    closing sooner, with summaries of the same length."""
    commissioner = factories.make_area_staff(Role.COMMISSIONER, "N57KECL")
    once = factories.make_need(commissioner=commissioner, title="Employment coaching", closes_in_days=5)
    once.summary = "Mentoring for adults on probation in Kent."
    twice = factories.make_need(commissioner=commissioner, title="Mentoring coaching", closes_in_days=50)
    twice.summary = "Mentoring for adults on probation in Kent."
    db.session.flush()
    response = client.get("/needs?q=mentoring")
    assert titles(response) == ["Mentoring coaching", "Employment coaching", "Mentoring for young adults"]


HOUSING = ["Housing support in Thanet", "Accommodation advice"]
EVERY_OPEN = 4


@pytest.mark.parametrize(
    "typed, expected",
    [
        ('"housing', HOUSING),
        ('"housing thanet"', ["Housing support in Thanet"]),
        ("housing AND thanet", ["Housing support in Thanet"]),
        ("housing OR mentoring", []),  # or is a stop word: both words must be there
        ("housing*", HOUSING),
        ("-housing", HOUSING),
        ("housing -thanet", ["Housing support in Thanet"]),
        ("NEAR(housing thanet)", []),  # "near" is a word the needs do not have
        ("(housing)", HOUSING),
        ("title:housing", []),  # "title" is a word too
        ("housing:*", HOUSING),
        ("hous'ing", []),
        ("housing & !thanet | <->", ["Housing support in Thanet"]),
        ("the", EVERY_OPEN),  # only stop words: no word search
        ("the of and", EVERY_OPEN),
        ("*", EVERY_OPEN),
        ("\u202ehousing", HOUSING),
        ("\U0001f3e0 housing", HOUSING),
        ("ÿ" * 200, []),
        ("x" * 200, []),
        ("a" * 199 + " ", []),
    ],
)
def test_what_is_typed_is_words_never_search_syntax(client, needs, typed, expected):
    response = client.get("/needs", query_string={"q": typed})
    assert response.status_code == 200
    assert error_summary(response) == []
    if expected == EVERY_OPEN:
        assert open_count(response) == EVERY_OPEN
    else:
        assert sorted(titles(response)) == sorted(expected)
        assert open_count(response) == len(expected)


def test_search_terms_are_letters_and_digits_without_stop_words():
    assert fulltext.search_terms('"Housing" AND women* -NEAR(the) (x) 100% housed_by Housing') == [
        "housing",
        "women",
        "near",
        "x",
        "100",
        "housed",
    ]
    assert fulltext.search_terms("the, of; AND * - ()") == []
    assert fulltext.search_terms(None) == []


def test_the_stop_words_are_postgresqls(db_session):
    """On PostgreSQL, each stop word kept here has no lexeme in to_tsvector('english'), and
    the words around it do: SQLite leaves out the same words PostgreSQL does."""
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's own list")
    for word in sorted(fulltext.STOP_WORDS):
        assert db.session.scalar(sa.select(sa.func.to_tsvector("english", word).cast(sa.Text))) == "", word
    assert db.session.scalar(sa.select(sa.func.to_tsvector("english", "housing near").cast(sa.Text))) != ""


def test_a_changed_title_is_found_by_its_new_words(client, needs):
    needs["mentoring"].title = "Gardening for young adults"
    db.session.flush()
    assert titles(client.get("/needs?q=gardening")) == ["Gardening for young adults"]
    assert titles(client.get("/needs?q=mentoring")) == []


def test_word_search_and_filters_together(client, needs):
    region = factories.area("N57").id
    response = client.get(f"/needs?q=housing&region={region}&procedure=grant")
    assert sorted(titles(response)) == sorted(HOUSING)
    assert open_count(response) == 2
    assert search._one_facet(search.NeedFilters(words=["housing"])) is None  # counted exactly


@pytest.mark.parametrize(
    "url", ["/needs", "/needs?q=housing", "/needs?region={N57}", "/needs?q=housing&procedure=grant&page=2"]
)
def test_the_list_reads_needs_in_three_statements(client, needs, url):
    """One count (kept or exact), one page, the page's reserved lots; the page's areas and
    categories and the form's reference data are not counted here."""
    url = url.replace("{N57}", str(factories.area("N57").id))
    client.get(url)
    with StatementCount() as sql:
        response = client.get(url)
    assert response.status_code == 200
    read = [s for s in sql.statements if re.search(r"FROM (needs|need_counts|lots)\b", s)]
    assert len(read) == 3, "\n".join(read)
    assert "open need" in page_text(response)
