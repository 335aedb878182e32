"""/open-data: what is published, under which licence, where, by whom and what never is;
linked from every page's footer."""

import re

import pytest

from .world import visible_text

OGL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"


def test_anyone_reads_what_is_published_and_under_which_licence(client, db_session):
    response = client.get("/open-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    html = page[page.index("<main") : page.index("</main>")]  # the footer links the licence too
    for link in (
        'href="/ocds/releases.json"',
        'href="/ocds/releases.jsonl.gz"',
        "/ocds/records/&lt;ocid&gt;.json",
        'href="/360giving/grants.json"',
        'href="/contracts/public"',
        f'href="{OGL}"',
    ):
        assert link in html, link
    text = visible_text(response)
    assert "Open Government Licence v3.0" in text
    assert "OCDS) 1.1" in text and "360Giving Data Standard 1.4" in text
    assert "The data is published by Local Partners" in text
    assert "GB-CHC-" in text and "GB-COH-" in text and "internal scheme" in text
    assert "ocds-lp0000-123" in text
    for never in ("before the need has closed", "unsuccessful bids", "scores", "names, email addresses"):
        assert never in text, never


def test_the_ocid_prefix_shown_is_the_setting(app, client, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "OCDS_PREFIX", "ocds-abc123")
    text = visible_text(client.get("/open-data"))
    assert "ocds-abc123-123" in text


@pytest.mark.parametrize("url", ["/", "/needs", "/sign-in", "/register", "/contracts/public", "/no-such-page"])
def test_every_page_links_to_open_data_in_its_footer(client, db_session, url):
    html = client.get(url).get_data(as_text=True)
    footer = html[html.index("<footer") :]
    assert re.search(r'<a class="govuk-footer__link" href="/open-data"[^>]*>\s*Open data\s*</a>', footer), url
