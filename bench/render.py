"""Time rendering the start page and the sign-in page, one request at a time through the
Flask test client with the production settings, beside the plain GOV.UK page: a minimal
Flask app rendering govuk-frontend-jinja's own `template.html` (with a service name and a
paragraph) and no database. Prints a Markdown table for README.md ("Rendering the GOV.UK page").

    .venv/bin/python -m bench.render [--requests 2000] [--rounds 5]

Each page is asked for --requests times in each of --rounds rounds, the pages taking turns
so that a load on the machine falls on each alike; the figure is the median of the rounds'
mean times. The ratio is the plain page's time over the page's: over 1 is faster than it.
SQLite, a fresh database with the migrations and the reference data (no demo data: the
start page and the sign-in page read none).
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from .common import migrate_and_load_reference, production_env

PLAIN_PAGE = """{% extends "govuk_frontend_jinja/template.html" %}
{% set serviceName = "Local Partners" %}
{% set serviceUrl = "/" %}
{% block govukHeader %}{{ govukHeader({"homepageUrl": "/"}) }}{% endblock %}
{% block govukFooter %}{{ govukFooter({}) }}{% endblock %}
{% block pageTitle %}Local Partners{% endblock %}
{% block content %}<h1 class="govuk-heading-xl">Local Partners</h1>
<p class="govuk-body">Find needs from probation areas and bid for them.</p>{% endblock %}
"""


def plain_app():
    """The ceiling: the package's template with no database, no session and no CSRF."""
    from flask import Flask, render_template
    from jinja2 import ChoiceLoader, DictLoader, PackageLoader, PrefixLoader

    app = Flask("plain")
    app.jinja_loader = ChoiceLoader(
        [
            DictLoader({"page.html": PLAIN_PAGE}),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.get("/")
    def page():
        return render_template("page.html")

    return app


def measure(clients: dict, requests: int, rounds: int) -> dict[str, float]:
    """The median over the rounds of each page's mean time per request, in microseconds."""
    means: dict[str, list[float]] = {name: [] for name in clients}
    for _ in range(rounds):
        for name, (client, url) in clients.items():
            started = time.perf_counter()
            for _ in range(requests):
                response = client.get(url, base_url="https://localhost")
            means[name].append((time.perf_counter() - started) / requests * 1e6)
            assert response.status_code == 200, (name, response.status_code)
    return {name: statistics.median(values) for name, values in means.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        env = production_env(Path(work))
        migrate_and_load_reference(env)
        os.environ.update(env)
        from wsgi import app

        clients = {
            "plain GOV.UK page (the ceiling)": (plain_app().test_client(), "/"),
            "/ (start page)": (app.test_client(), "/"),
            "/sign-in": (app.test_client(), "/sign-in"),
        }
        for client, url in clients.values():  # warm: templates compiled, caches filled
            for _ in range(20):
                client.get(url, base_url="https://localhost")
        times = measure(clients, args.requests, args.rounds)
    plain = times["plain GOV.UK page (the ceiling)"]
    print(f"{args.rounds} rounds of {args.requests} requests per page", file=sys.stderr)
    print("| page | µs per request | the plain page's time over this page's |")
    print("|---|---:|---:|")
    for name, micros in times.items():
        print(f"| {name} | {micros:,.0f} | {plain / micros:.2f} |")


if __name__ == "__main__":
    main()
