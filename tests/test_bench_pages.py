"""bench/pages.py's own parts, without load: the ceiling app, the options and the table.
(The figures themselves come from running it, never from a timed test.)"""

from collections import Counter

import pytest

from bench import ceiling, pages


def test_the_ceiling_renders_the_plain_govuk_template_with_the_portals_assets():
    client = ceiling.create_app().test_client()
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="en" class="govuk-template">' in html
    assert 'class="govuk-header"' in html and 'class="govuk-footer"' in html
    assert "govuk-service-navigation" in html  # the service name, as the portal shows it
    assert client.get("/assets/css/govuk-frontend.min.css").status_code == 200


def test_bench_pages_measures_the_issues_pages_unless_given_some():
    assert pages.arguments([]).pages == ["/", "/sign-in", "/needs", "/needs?q=housing", "/needs/<id>", "/healthz"]
    chosen = pages.arguments(["--page", "/needs", "--page", "/sign-in", "--seconds", "5", "--users", "10"])
    assert (chosen.pages, chosen.seconds, chosen.users, chosen.rounds) == (["/needs", "/sign-in"], 5, 10, 3)
    with pytest.raises(SystemExit):
        pages.arguments(["--rounds", "0"])


def test_windows_add_up_to_one_figure_and_the_ratio_is_of_the_same_rounds():
    def window(requests, seconds, times):
        return pages.Figures(requests, 0, seconds, Counter(times))

    page = window(10, 2.0, {100: 10}) + window(10, 3.0, {200: 9, 900: 1})
    ceiling = window(100, 2.0, {20: 100}) + window(100, 3.0, {30: 100})
    row = pages.Row("/needs", page, ceiling, [0.1, 0.1])
    assert page.per_second == 4  # 20 requests in 5 seconds
    assert (page.percentile(0.5), page.percentile(0.95)) == (100, 900)  # of the 20 requests together
    assert row.ratio == pytest.approx(0.1)
    assert pages.table([row]).splitlines()[2] == "| `/needs` | 4 | 100 | 900 | 40 | 0.10 | 0.10 / 0.10 | 0 |"
