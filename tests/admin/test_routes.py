"""Admin pages: only admins; verifying organisations; inviting area staff; outbox; audit."""

import pytest

from marketplace.accounts.models import Invitation, Role
from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.notifications import OutboxEmail, queue_email

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

ADMIN_PAGES = [
    "/admin/",
    "/admin/organisations",
    "/admin/organisations?show=all",
    "/admin/staff",
    "/admin/emails",
    "/admin/audit",
    "/admin/users",
    "/admin/users?q=%25'%3B--",
]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_anonymous_is_sent_to_sign_in(client, db_session, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("role", [Role.OWNER, Role.COMMISSIONER, Role.EVALUATOR, Role.BOARD_MEMBER])
def test_non_admins_are_refused(client, db_session, url, role):
    user = factories.make_area_staff(role) if role.is_area_role else factories.make_provider(role)
    sign_in(client, user.email)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_sees_every_admin_page(client, db_session, url):
    sign_in(client, factories.make_user(admin=True).email)
    response = client.get(url)
    assert response.status_code == 200
    assert "govuk-template" in page_text(response)


def test_admin_verifies_an_organisation(client, db_session):
    admin = factories.make_user(admin=True)
    org = factories.make_organisation("Waiting Charity", verified=False)
    sign_in(client, admin.email)
    assert "Waiting Charity" in page_text(client.get("/admin/organisations"))
    response = post_form(client, f"/admin/organisations/{org.id}/verify", from_url="/admin/organisations")
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.verified_by_id == admin.id and org.verified_at is not None
    event = db.session.query(AuditEvent).filter_by(action="organisation.verified", object_id=org.id).one()
    assert event.actor_id == admin.id
    after = page_text(client.get("/admin/organisations"))
    assert "Waiting Charity is verified." in after  # the success message
    assert f"/organisations/{org.id}/verify" not in after  # no longer waiting
    assert client.get(f"/organisations/{org.id}").status_code == 200


def test_verifying_twice_is_refused(client, db_session):
    admin = factories.make_user(admin=True)
    org = factories.make_organisation(verified=True)
    sign_in(client, admin.email)
    response = post_form(client, f"/admin/organisations/{org.id}/verify", from_url="/admin/organisations")
    assert response.status_code == 403


def test_provider_cannot_verify_its_own_organisation(client, db_session):
    org = factories.make_organisation(verified=False)
    owner = factories.make_provider(Role.OWNER, org)
    sign_in(client, owner.email)
    response = post_form(client, f"/admin/organisations/{org.id}/verify", from_url="/")
    assert response.status_code == 403
    db.session.refresh(org)
    assert org.verified_at is None


def test_admin_invites_a_commissioner_to_a_pdu(client, db_session):
    sign_in(client, factories.make_user(admin=True).email)
    east_kent = factories.area("N57EKNT")
    response = post_form(
        client, "/admin/staff", {"email": "chloe@probation.example", "area": str(east_kent.id), "role": "commissioner"}
    )
    assert response.status_code == 302
    invitation = db.session.query(Invitation).one()
    assert (invitation.area_id, invitation.role) == (east_kent.id, Role.COMMISSIONER)
    email = db.session.query(OutboxEmail).filter_by(to="chloe@probation.example").one()
    assert "East Kent" in email.subject and "/invitations/" in email.body


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "", "area": "AREA", "role": "commissioner"}, "Enter the email address of the person to invite"),
        ({"email": "a@example.org", "area": "", "role": "commissioner"}, "Select an area from the list"),
        ({"email": "a@example.org", "area": "999999", "role": "commissioner"}, "Select an area from the list"),
        ({"email": "a@example.org", "area": "' OR 1=1 --", "role": "commissioner"}, "Select an area from the list"),
        ({"email": "a@example.org", "area": "AREA", "role": "owner"}, "Select a role"),
        ({"email": "a@example.org", "area": "AREA", "role": ""}, "Select a role"),
    ],
)
def test_staff_invitation_refuses_bad_input(client, db_session, data, message):
    sign_in(client, factories.make_user(admin=True).email)
    data = {k: (str(factories.area("N57EKNT").id) if v == "AREA" else v) for k, v in data.items()}
    response = post_form(client, "/admin/staff", data)
    assert response.status_code == 200
    assert message in error_summary(response)
    assert count(Invitation) == 0 and count(OutboxEmail) == 0


def test_admin_reads_queued_emails(client, app, db_session):
    sign_in(client, factories.make_user(admin=True).email)
    with app.test_request_context():
        queue_email(
            "someone@example.org",
            "Hello <there>",
            "verify_email",
            user=factories.make_user(name="Sam"),
            link="https://example.org/x",
            hours=72,
        )
    db.session.commit()
    listing = page_text(client.get("/admin/emails"))
    assert "Hello &lt;there&gt;" in listing and "Queued" in listing
    email = db.session.query(OutboxEmail).filter_by(to="someone@example.org").one()
    detail = page_text(client.get(f"/admin/emails/{email.id}"))
    assert "Hello Sam" in detail and "https://example.org/x" in detail


def test_audit_page_lists_events_newest_first(client, db_session):
    admin = factories.make_user(admin=True)
    org = factories.make_organisation(verified=False)
    sign_in(client, admin.email)
    post_form(client, f"/admin/organisations/{org.id}/verify", from_url="/admin/organisations")
    html = page_text(client.get("/admin/audit"))
    assert "organisation.verified" in html and admin.email in html


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999"])
def test_bad_page_numbers_do_not_break_listings(client, db_session, page):
    sign_in(client, factories.make_user(admin=True).email)
    for url in ("/admin/organisations", "/admin/emails", "/admin/audit"):
        assert client.get(f"{url}?page={page}").status_code == 200


def test_admin_finds_a_user_and_closes_the_account_with_a_reason(client, db_session):
    admin = factories.make_user(admin=True)
    target = factories.make_provider(Role.OWNER, email="leaver@example.org", name="Lee Leaver")
    sign_in(client, admin.email)
    assert "leaver@example.org" in page_text(client.get("/admin/users?q=LEAVER"))
    assert "leaver@example.org" not in page_text(client.get("/admin/users?q=nobody-like-this"))
    response = post_form(client, f"/admin/users/{target.id}", {"reason": "Left the organisation"})
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.deactivated_at is not None
    event = db.session.query(AuditEvent).filter_by(action="user.deactivated", object_id=target.id).one()
    assert event.reason == "Left the organisation" and event.actor_id == admin.id
    other = client.application.test_client()
    response = sign_in(other, "leaver@example.org")
    assert "This account has been closed" in page_text(response)
    # Reopen it.
    post_form(client, f"/admin/users/{target.id}", {"reason": "Came back"})
    db.session.refresh(target)
    assert target.deactivated_at is None


def test_closing_an_account_needs_a_reason(client, db_session):
    sign_in(client, factories.make_user(admin=True).email)
    target = factories.make_user()
    response = post_form(client, f"/admin/users/{target.id}", {"reason": ""})
    assert response.status_code == 200
    assert "Enter a reason" in error_summary(response)
    db.session.refresh(target)
    assert target.deactivated_at is None


def test_admin_cannot_close_their_own_account(client, db_session):
    admin = factories.make_user(admin=True)
    sign_in(client, admin.email)
    response = post_form(client, f"/admin/users/{admin.id}", {"reason": "oops"})
    assert response.status_code == 403
    db.session.refresh(admin)
    assert admin.is_active


def test_closed_account_is_signed_out_at_once(client, db_session):
    admin = factories.make_user(admin=True)
    target = factories.make_provider(Role.OWNER)
    theirs = client.application.test_client()
    sign_in(theirs, target.email)
    assert theirs.get("/account").status_code == 200
    sign_in(client, admin.email)
    post_form(client, f"/admin/users/{target.id}", {"reason": "Misuse"})
    assert theirs.get("/account").status_code == 302
