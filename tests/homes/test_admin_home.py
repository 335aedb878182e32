"""The service administrator's part of the home page: how many organisations wait to be
verified, in a fixed number of statements however many wait."""

from marketplace.extensions import db

from .. import factories
from ..helpers import StatementCount, page_text, sign_in


def test_the_admins_home_sends_the_same_number_of_statements_for_one_organisation_waiting_or_five(client, db_session):
    admin = factories.make_user(admin=True, email="admin@example.org")
    counted = {}
    for n in (1, 5):
        for _ in range(n if n == 1 else n - 1):
            factories.make_organisation(verified=False)
        client._cookies.clear()
        sign_in(client, admin.email)
        client.get("/")
        db.session.expire_all()
        with StatementCount() as sql:
            response = client.get("/")
        assert f"{n} organisation{'s' if n != 1 else ''} waiting to be verified" in page_text(response)
        counted[n] = sql.count
    assert counted[1] == counted[5], counted
    assert counted[5] <= 4, counted  # the user, their memberships, the count (and homes.serial_plans)
