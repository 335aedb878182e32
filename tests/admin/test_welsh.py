"""The admin pages in Welsh: no English sentence of the catalogue on any of them, and the
English pages as they were."""

import pytest

from marketplace.accounts.models import Role

from .. import factories
from ..helpers import page_text, post_form, sign_in
from ..i18n.test_welsh_pages import english_fragments, visible_text

PAGES = [
    "/admin/",
    "/admin/organisations",
    "/admin/organisations?show=all",
    "/admin/staff",
    "/admin/emails",
    "/admin/audit",
    "/admin/users",
    "/admin/areas",
]


@pytest.fixture
def admin(db_session):
    factories.make_organisation("Elusen Aros", verified=False)
    factories.make_area_staff(Role.BOARD_MEMBER)
    return factories.make_user(admin=True)


def test_every_admin_page_is_in_welsh(client, admin):
    client.get("/?lang=cy")
    sign_in(client, admin.email)
    fragments = english_fragments()
    english = []
    for url in PAGES + [f"/admin/users/{admin.id}"]:
        response = client.get(url)
        assert response.status_code == 200, url
        text = visible_text(page_text(response))
        english += [(url, fragment) for fragment in fragments if fragment in text]
    assert english == []
    assert "Dilysu sefydliadau" in page_text(client.get("/admin/"))


def test_an_admins_change_is_confirmed_in_the_pages_language(client, admin):
    area = factories.area("N57EKNT")
    client.get("/?lang=cy")
    sign_in(client, admin.email)
    url = f"/admin/areas/{area.id}"
    response = post_form(client, url, {"threshold": "250000", "reason": ""}, from_url=url)
    assert response.status_code == 400 and "Rhowch reswm dros y newid" in page_text(response)
    response = post_form(client, url, {"threshold": "250000", "reason": "Prawf"}, from_url=url, follow_redirects=True)
    assert f"Trothwy cymeradwyo {area.label} bellach yw £250,000." in visible_text(page_text(response))
