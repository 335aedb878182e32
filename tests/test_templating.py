"""The app's Jinja environment (marketplace/templating.py): the templates' globals are
compared as sets at each import, and still mean what Jinja says they mean."""

from jinja2 import DictLoader

from marketplace.templating import Environment, Globals

TEMPLATES = {
    "macros.html": "{% macro shout(text) %}{{ text | upper }}{{ suffix | default('') }}{% endmacro %}",
    "page.html": '{% from "macros.html" import shout %}{{ shout(greeting) }}',
}


def test_a_templates_globals_are_its_own_over_the_environments_with_their_keys_a_set(app):
    globals_ = app.jinja_env.make_globals({"mine": 1})
    assert isinstance(globals_, Globals)
    assert globals_["mine"] == 1 and globals_["can"] is app.jinja_env.globals["can"]
    assert globals_.keys() == {"mine", *app.jinja_env.globals}
    globals_["another"] = 2  # a template's own never reach the environment's
    assert "another" not in app.jinja_env.globals


def test_an_imported_macro_sees_the_environments_globals_and_the_importers_own(app):
    environment = Environment(app, loader=DictLoader(TEMPLATES))
    environment.globals["greeting"] = "hello"
    assert environment.get_template("page.html").render() == "HELLO"
    # A global given to the importing template only: the imported one is made again with
    # it (Jinja's rule, Template._get_default_module), not read from the one kept.
    page = environment.get_template("page.html", globals={"suffix": "!"})
    assert page.render() == "HELLO!"
    assert environment.get_template("macros.html").module.shout("a") == "A"


def test_the_app_renders_with_this_environment(app):
    assert isinstance(app.jinja_env, Environment)
    with app.test_request_context("/"):
        tag = app.jinja_env.from_string(
            '{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}{{ govukTag({"text": "Open"}) }}'
        ).render()
    assert '<strong class="govuk-tag">' in tag and "Open" in tag
