"""The first ten minutes of a newcomer: `make run` ends with the demo logins (the emails the
demo queues only with VERBOSE=1) and sends links to the port it serves on, the README lists
every demo login, `/login` leads to the sign-in page, and the measuring commands are not
there in production."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from marketplace.demo.advisers import ADVISER_EMAIL
from marketplace.demo.dated import emails_printed
from marketplace.demo.people import ORGANISATIONS, STAFF
from marketplace.demo.wales import CHARITY as WELSH_CHARITY
from marketplace.demo.wales import COMMISSIONER as WELSH_COMMISSIONER

from .conftest import make_test_app

ROOT = Path(__file__).resolve().parent.parent
DEMO_LOGINS = (
    ["admin@demo.test"]
    + [email for email, _, _ in STAFF]
    + [spec["email"] for spec in ORGANISATIONS]
    + [ADVISER_EMAIL, WELSH_COMMISSIONER[0], WELSH_CHARITY["email"]]
)


def test_the_readme_lists_every_demo_login_once():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("Demo logins", 1)[1].split("\n\n", 2)[1]  # the table after the heading line
    listed = re.findall(r"^\| `([^`]+@demo\.test)` \|", table, flags=re.MULTILINE)
    assert listed == DEMO_LOGINS
    assert f"all {len(DEMO_LOGINS)}" in readme


@pytest.mark.parametrize(
    "url, location",
    [
        ("/login", "/sign-in"),
        ("/login?next=/needs/3", "/sign-in?next=/needs/3"),
        ("/login?next=https://evil.example/", "/sign-in"),
        ("/login?next=//evil.example/", "/sign-in"),
    ],
)
def test_login_is_a_permanent_redirect_to_sign_in_keeping_a_next_on_this_site(client, url, location):
    response = client.get(url)
    assert response.status_code == 301
    assert response.headers["Location"].replace("%2F", "/") == location


def test_demo_data_prints_its_emails_only_when_verbose_and_the_logins_last(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_ECHO", True)  # as in development
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert "----- email to" not in result.output
    assert result.output.splitlines()[0] == "Demo data is ready. Sign in with any of these:"
    for email in DEMO_LOGINS:
        assert email in result.output
    assert "local-partners-demo" in result.output  # the password
    assert app.config["MAIL_ECHO"] is True


def test_emails_printed_switches_the_echo_for_a_while(app):
    with app.app_context():
        app.config["MAIL_ECHO"] = True
        try:
            with emails_printed(False):
                assert app.config["MAIL_ECHO"] is False
            with emails_printed(True):
                assert app.config["MAIL_ECHO"] is True
            assert app.config["MAIL_ECHO"] is True
        finally:
            app.config["MAIL_ECHO"] = False


def test_the_measuring_commands_are_not_registered_in_production(app):
    assert {"generate-needs", "generate-activity"} <= set(app.cli.commands)
    production = make_test_app(app.config["SQLALCHEMY_DATABASE_URI"], ENV_NAME="production", DEMO_DATA_ALLOWED=False)
    commands = set(production.cli.commands)
    assert "generate-needs" not in commands and "generate-activity" not in commands
    assert {"load-reference", "demo-data", "demo-code", "send-emails", "close-needs", "send-digest"} <= commands


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize(
    "args, env, base_url",
    [
        (["PORT=5301"], {}, "http://127.0.0.1:5301"),
        (["HOST=0.0.0.0", "PORT=8000"], {}, "http://0.0.0.0:8000"),
        (["PORT=5301"], {"BASE_URL": "https://portal.example"}, "https://portal.example"),
        (["PORT=5301", "BASE_URL=https://portal.example"], {}, "https://portal.example"),
    ],
)
def test_make_demo_links_emails_to_the_port_it_serves_on_unless_base_url_is_given(args, env, base_url, monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # -n: print the commands without running them.
    dry_run = subprocess.run(["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    demo = next(line for line in dry_run.stdout.splitlines() if "demo-data" in line)
    assert demo.startswith(f"BASE_URL='{base_url}' ") and "--verbose" not in demo
    verbose = subprocess.run(["make", "-n", "demo", "VERBOSE=1"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert next(line for line in verbose.stdout.splitlines() if "demo-data" in line).endswith("demo-data --verbose")
