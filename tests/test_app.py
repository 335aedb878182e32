"""The app as a whole: health check, public pages, error pages, schema, settings."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from config import ConfigError, ProductionConfig
from marketplace.extensions import db
from marketplace.needs import fulltext

from .helpers import page_text


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(monkeypatch, client):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}


@pytest.mark.parametrize(
    "url, heading",
    [
        ("/", "Commission local partners for probation"),
        ("/privacy", "Privacy notice"),
        ("/cookies", "Cookies"),
        ("/accessibility", "Accessibility statement for Local Partners"),
        ("/areas", "Probation areas"),
        ("/service-categories", "Service categories and outcomes"),
        ("/sign-in", "Sign in to Local Partners"),
        ("/register", "Register your organisation"),
    ],
)
def test_public_pages_render_in_the_govuk_template(client, url, heading):
    response = client.get(url)
    html = page_text(response)
    assert response.status_code == 200
    assert f">{heading}<" in html
    assert 'class="govuk-template' in html
    assert "Local Partners" in html
    assert "govuk-phase-banner" in html
    assert "/assets/css/govuk-frontend.min.css" in html


def test_areas_page_lists_every_region_and_pdu(client):
    html = page_text(client.get("/areas"))
    assert html.count('<h2 class="govuk-heading-m">') == 12
    assert "Kent, Surrey &amp; Sussex" in html
    assert "East Kent" in html and "Cardiff and the Vale of Glamorgan" in html


def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in page_text(response)
    assert "govuk-template" in page_text(response)


def test_wrong_method_is_a_styled_405(client):
    response = client.post("/privacy")
    # CSRF runs first for every POST, so an unknown form is refused as a bad request.
    assert response.status_code in (400, 405)
    assert "govuk-template" in page_text(response)


def test_missing_csrf_token_is_refused_with_a_friendly_400(client):
    response = client.post("/sign-in", data={"email": "a@example.org", "password": "x" * 12})
    assert response.status_code == 400
    html = page_text(response)
    assert "Your form could not be sent" in html
    assert "Nothing you sent was saved" in html


def test_server_error_page_is_styled(app, client, monkeypatch):
    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "main.privacy", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/privacy")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in page_text(response)


def test_security_headers_are_set(client):
    response = client.get("/")
    assert "script-src 'self' 'nonce-" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"' in page_text(response)


def test_models_and_migrations_agree(app, db_session):
    """CI fails when a model changes without a migration (or the other way round)."""
    opts = {"compare_type": True, "render_as_batch": True, "include_object": fulltext.include_object}
    context = MigrationContext.configure(db_session.connection(), opts=opts)
    differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_production_refuses_to_start_without_database_url_and_secret_key(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="DATABASE_URL and SECRET_KEY"):
        ProductionConfig()


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db.example/lp")
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError, match="at least 32 characters"):
        ProductionConfig()


def _production_env(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://user@db.example/lp")
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "redis://redis.example:6379/0")
    monkeypatch.delenv("ALLOW_LOCAL_RATE_LIMITS", raising=False)
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)


@pytest.mark.parametrize("uri", ["", "memory://"])
def test_production_refuses_rate_limits_counted_per_worker(monkeypatch, uri):
    _production_env(monkeypatch)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", uri)
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI is memory://"):
        ProductionConfig()


def test_production_allows_local_rate_limits_when_told_there_is_one_worker(monkeypatch):
    _production_env(monkeypatch)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setenv("ALLOW_LOCAL_RATE_LIMITS", "1")
    assert ProductionConfig().RATELIMIT_STORAGE_URI == "memory://"


def test_production_refuses_a_stripe_api_base(monkeypatch):
    _production_env(monkeypatch)
    monkeypatch.setenv("STRIPE_API_BASE", "http://stripe.evil.example")
    with pytest.raises(ConfigError, match="STRIPE_API_BASE is set"):
        ProductionConfig()


def test_production_uses_psycopg_and_secure_cookies(monkeypatch):
    _production_env(monkeypatch)
    config = ProductionConfig()
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://user@db.example/lp"
    assert config.SESSION_COOKIE_SECURE is True
    assert config.DEMO_DATA_ALLOWED is False


@pytest.mark.parametrize(
    "url",
    [
        "/needs/99999999999999999999",
        "/contracts/2147483648",
        "/areas/99999999999999999999/dashboard",
        "/organisations/99999999999999999999",
        "/payments/99999999999999999999",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(client, db_session, url):
    """Every <int:...> in a route stops at the database's INTEGER: beyond it, 404, not a 500."""
    from marketplace.accounts.models import Role

    from . import factories
    from .helpers import sign_in

    sign_in(client, factories.make_area_staff(Role.BOARD_MEMBER).email)
    assert client.get(url).status_code == 404
    assert (
        client.get(url.replace("99999999999999999999", "2147483647").replace("2147483648", "2147483647")).status_code
        == 404
    )
