"""Admins set an area's sign-off threshold, with a reason kept in the audit trail."""

import pytest

from marketplace.accounts.models import Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db

from . import factories
from .helpers import count, error_summary, page_text, post_form, sign_in


@pytest.fixture
def admin(client):
    user = factories.make_user(admin=True)
    sign_in(client, user.email)
    return user


def test_an_admin_sets_and_clears_an_areas_threshold(client, admin):
    east_kent = factories.area("N57EKNT")
    assert "£100,000" in page_text(client.get("/admin/areas"))
    response = post_form(client, f"/admin/areas/{east_kent.id}", {"threshold": "£25,000", "reason": "Board minute 14"})
    assert response.status_code == 302
    db.session.refresh(east_kent)
    assert east_kent.sign_off_threshold_pence == 2_500_000
    event = db.session.query(AuditEvent).filter_by(action="area.threshold_changed").one()
    assert (event.before, event.after, event.reason) == (
        {"sign_off_threshold_pence": None},
        {"sign_off_threshold_pence": 2_500_000},
        "Board minute 14",
    )
    post_form(client, f"/admin/areas/{east_kent.id}", {"threshold": "", "reason": "Back to the region's"})
    db.session.refresh(east_kent)
    assert east_kent.sign_off_threshold_pence is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"threshold": "lots", "reason": "x"}, "The sign-off threshold must be an amount of money"),
        ({"threshold": "-5", "reason": "x"}, "The sign-off threshold must be more than £0"),
        ({"threshold": "£10", "reason": ""}, "Enter a reason for the change"),
    ],
)
def test_bad_thresholds_are_explained_and_nothing_changes(client, admin, data, message):
    area = factories.area("N57EKNT")
    response = post_form(client, f"/admin/areas/{area.id}", data)
    assert response.status_code == 400
    assert message in error_summary(response)[0]
    assert data["threshold"] in page_text(response)
    assert count(AuditEvent, AuditEvent.action == "area.threshold_changed") == 0


@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.BOARD_MEMBER])
def test_only_admins_change_thresholds(client, role):
    user = factories.make_area_staff(role)
    sign_in(client, user.email)
    area = factories.area("N57EKNT")
    assert client.get("/admin/areas").status_code == 403
    assert (
        post_form(client, f"/admin/areas/{area.id}", {"threshold": "1", "reason": "x"}, from_url="/").status_code == 403
    )
    assert area.sign_off_threshold_pence is None
