"""Reference data loads from the shipped CSV files; demo data is idempotent and never in production."""

from datetime import date

import pytest
import sqlalchemy as sa

from config import ProductionConfig
from marketplace.accounts.models import Membership, User
from marketplace.demo import DemoRefused, load_demo_data
from marketplace.extensions import db
from marketplace.organisations.models import Organisation
from marketplace.reference.models import Area, AreaKind, DesiredOutcome, ServiceCategory
from marketplace.reference.services import DATA, load_reference

DEMO_EMAILS = {
    "admin@demo.test",
    "commissioner@demo.test",
    "evaluator@demo.test",
    "board@demo.test",
    "charity@demo.test",
    "cic@demo.test",
    "bigco@demo.test",
}


def test_reference_data_has_12_regions_and_109_pdus(db_session):
    regions = db.session.scalars(sa.select(Area).where(Area.kind == AreaKind.REGION)).all()
    pdus = db.session.scalars(sa.select(Area).where(Area.kind == AreaKind.PDU)).all()
    assert len(regions) == 12 and len(pdus) == 109
    assert all(p.parent.kind == AreaKind.REGION for p in pdus)
    assert db.session.query(ServiceCategory).count() == 11
    assert db.session.query(DesiredOutcome).count() >= 22


def test_loading_reference_again_changes_nothing(db_session):
    assert str(load_reference()) == "Reference data is up to date."


def test_retiring_a_pdu_by_csv_keeps_the_row_and_records_it(db_session, tmp_path):
    for name in DATA.iterdir():
        (tmp_path / name.name).write_text(name.read_text())
    pdus = tmp_path / "probation_delivery_units.csv"
    pdus.write_text(pdus.read_text().replace("N57EKNT,East Kent,N57,2021-06-26,", "N57EKNT,East Kent,N57,2021-06-26,2027-04-01"))
    report = load_reference(tmp_path)
    assert "areas: 0 added, 1 updated" in str(report)
    east_kent = db.session.scalar(sa.select(Area).where(Area.code == "N57EKNT"))
    assert east_kent.valid_to == date(2027, 4, 1)
    assert east_kent.is_current(date(2027, 3, 31)) and not east_kent.is_current(date(2027, 4, 1))


def test_demo_data_creates_every_login_and_is_idempotent(app, db_session):
    logins = load_demo_data("local-partners-demo")
    assert {email for email, _ in logins} == DEMO_EMAILS
    counts = (db.session.query(User).count(), db.session.query(Organisation).count(), db.session.query(Membership).count())
    load_demo_data("local-partners-demo")
    assert (db.session.query(User).count(), db.session.query(Organisation).count(), db.session.query(Membership).count()) == counts
    charity = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Thanet Women's Centre"))
    assert charity.is_vcse and charity.is_verified
    bigco = db.session.scalar(sa.select(Organisation).where(Organisation.company_number == "09000001"))
    assert not bigco.is_vcse


def test_demo_data_command_prints_the_logins(app, db_session):
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    for email in DEMO_EMAILS:
        assert email in result.output
    assert "local-partners-demo" in result.output


def test_demo_data_is_refused_in_production(app, db_session, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_DATA_ALLOWED", ProductionConfig.DEMO_DATA_ALLOWED)
    with pytest.raises(DemoRefused):
        load_demo_data("x")
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0 and "refused in production" in result.output
