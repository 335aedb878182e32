"""The ceiling: the framework's fastest GOV.UK page on this machine, for bench/pages.py.

A minimal Flask app that renders govuk-frontend-jinja's own `template.html` (the GOV.UK
header, service navigation, footer and skip link from the package's macros, as the
package ships them) around a heading and a paragraph, with the portal's stylesheets and
scripts, served from the same `static/` at `/assets`. No database, no sign-in, no CSRF,
no session, no security headers: whatever the portal's pages cost beyond this is the
portal's own. Served by gunicorn with the same settings as the portal:

    gunicorn -w 2 -k gthread --threads 4 bench.ceiling:app
"""

from pathlib import Path

from flask import Flask, render_template
from jinja2 import ChainableUndefined, ChoiceLoader, DictLoader, PackageLoader, PrefixLoader

ROOT = Path(__file__).resolve().parent.parent

# The package's template calls govukHeader() and govukFooter() without arguments, which
# needs ChainableUndefined. A named template, so that Jinja compiles it once per process.
PAGE = """{% extends "govuk_frontend_jinja/template.html" %}
{% set serviceName = "Local Partners" %}{% set serviceUrl = "/" %}
{% block pageTitle %}Local Partners - GOV.UK{% endblock %}
{% block head %}
<link rel="stylesheet" href="{{ url_for('static', filename='css/govuk-frontend.min.css') }}">
<link rel="stylesheet" href="{{ url_for('static', filename='css/moj-frontend.min.css') }}">
{% endblock %}
{% block content %}
<h1 class="govuk-heading-xl">Local Partners</h1>
<p class="govuk-body">The ceiling: the GOV.UK template as govuk-frontend-jinja renders it.</p>
{% endblock %}
{% block bodyEnd %}
<script type="module">
  import { initAll } from "{{ url_for('static', filename='js/govuk-frontend.min.js') }}";
  import { initAll as mojInitAll } from "{{ url_for('static', filename='js/moj-frontend.min.js') }}";
  initAll(); mojInitAll();
</script>
{% endblock %}
"""


def create_app() -> Flask:
    app = Flask(__name__, static_folder=str(ROOT / "static"), static_url_path="/assets")
    app.jinja_loader = ChoiceLoader(
        [
            DictLoader({"ceiling.html": PAGE}),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    app.jinja_env.undefined = ChainableUndefined

    @app.get("/")
    def page():
        return render_template("ceiling.html")

    return app


app = create_app()
