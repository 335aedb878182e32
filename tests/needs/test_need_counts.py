"""The count of open needs on /needs comes from kept counts (needs/counts.py) for no filter
and one filter: after every kind of change to needs it equals the exact COUNT of the
list's own query, whatever the time."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import Role
from marketplace.extensions import db
from marketplace.needs import amendments, counts, drafting, publishing, search
from marketplace.needs.models import Procedure, Reservation
from marketplace.reference.models import ServiceCategory
from marketplace.reference.services import DATA
from marketplace.timeutil import utcnow

from .. import factories
from ..helpers import StatementCount, page_text

# Needs close by the clock: run at the fixed instants of tests/clocks.py too.
pytestmark = pytest.mark.clock


def _category(code: str) -> ServiceCategory:
    return db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code == code))


def _one_filter_cases() -> list[search.NeedFilters]:
    """No filter, each filter alone, and closing soon with and without another."""
    area = factories.area
    cases = [search.NeedFilters()]
    for code in ("N57", "N07"):
        cases.append(search.NeedFilters(region_id=area(code).id))
    for code in ("N57EKNT", "N57KECL", "N07CROY", "N07BRNT"):
        cases.append(search.NeedFilters(pdu_id=area(code).id))
    for code in ("accommodation", "womens-services", "dependency"):
        cases.append(search.NeedFilters(category_id=_category(code).id))
    cases += [search.NeedFilters(procedure=p) for p in Procedure]
    cases += [search.NeedFilters(value_band=band) for band in search.VALUE_BANDS]
    cases += [
        search.NeedFilters(vcse=True),
        search.NeedFilters(closing_soon=True),
        search.NeedFilters(closing_soon=True, region_id=area("N57").id),
        search.NeedFilters(closing_soon=True, vcse=True),
    ]
    return cases


def assert_kept_counts_exact(now) -> None:
    for filters in _one_filter_cases():
        assert search._one_facet(filters) is not None  # answered from the kept counts
        query = search.open_needs_query(filters, now).order_by(None)
        exact = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        assert search.count_open_needs(filters, now) == exact, (filters, now)


@pytest.fixture
def commissioners(db_session):
    return {
        "N57": factories.make_area_staff(Role.COMMISSIONER, "N57", email="kss@example.org"),
        "N07": factories.make_area_staff(Role.COMMISSIONER, "N07", email="london@example.org"),
    }


def _needs(commissioners) -> dict:
    kss, london = commissioners["N57"], commissioners["N07"]
    made = {
        "soon": factories.make_need(area_code="N57EKNT", commissioner=kss, closes_in_days=3, lots=(2_000_000,)),
        "today": factories.make_need(area_code="N57KECL", commissioner=kss, closes_in_days=1),
        "later": factories.make_need(area_code="N07CROY", commissioner=london, closes_in_days=40, lots=(60_000_000,)),
        "region": factories.make_need(area_code="N07", commissioner=london, closes_in_days=20),
        "draft": factories.make_need(area_code="N57EKNT", commissioner=kss, published=False, closes_in_days=25),
        "other_draft": factories.make_need(area_code="N07CROY", commissioner=london, published=False),
    }
    now = utcnow()
    made["today"].closes_at = now + timedelta(hours=1)  # closes later today (or just after midnight)
    made["today"].question_deadline = now
    made["region"].pdus = [factories.area("N07CROY"), factories.area("N07BRNT")]
    db.session.flush()
    return made


def test_the_kept_count_equals_the_exact_count_after_each_kind_of_change(commissioners):
    made = _needs(commissioners)
    kss, london = commissioners["N57"], commissioners["N07"]
    now = utcnow()
    assert_kept_counts_exact(now)

    publishing.publish_need(made["draft"], actor=kss)
    publishing.publish_need(made["other_draft"], actor=london)
    db.session.flush()
    assert_kept_counts_exact(now)

    # Amend the lots (value band, VCSE), the delivery units and the category.
    def change_lots():
        drafting.save_lot(
            made["soon"], title="Lot 2", description="", value_pence=1_000_000, reservation=Reservation.VCSE
        )

    amendments.save_section(made["soon"], change_lots, actor=kss, section="lots", reason="A second lot")
    assert_kept_counts_exact(now)

    def change_about():
        made["region"].pdus = [factories.area("N07BRNT")]
        made["region"].category = _category("dependency")
        made["region"].procedure = Procedure.CONTRACT

    amendments.save_section(made["region"], change_about, actor=london, section="about", reason="Narrower")
    assert_kept_counts_exact(now)

    def change_areas_again():
        made["later"].pdus = [factories.area("N07CROY"), factories.area("N07BRNT")]
        made["later"].category = None

    amendments.save_section(made["later"], change_areas_again, actor=london, section="about", reason="Wider")
    assert_kept_counts_exact(now)

    publishing.withdraw_need(made["draft"], actor=kss, reason="No longer needed")
    db.session.flush()
    assert_kept_counts_exact(now)
    publishing.cancel_need(made["other_draft"], actor=london, reason="Funding withdrawn")
    db.session.commit()
    assert_kept_counts_exact(now)

    # Time passes: needs close by the clock, with no transaction.
    for later in (timedelta(hours=2), timedelta(days=1), timedelta(days=4), timedelta(days=21), timedelta(days=45)):
        assert_kept_counts_exact(now + later)


def test_the_kept_count_equals_the_exact_count_after_bulk_generation(app, db_session, commissioners):
    _needs(commissioners)
    result = app.test_cli_runner().invoke(args=["generate-needs", "--count", "80", "--seed", "3"])
    assert result.exit_code == 0, result.output
    now = utcnow()
    for later in (timedelta(0), timedelta(days=3), timedelta(days=30)):
        assert_kept_counts_exact(now + later)


def test_rebuilding_the_kept_counts_changes_no_count_and_moves_the_stamp_on(commissioners):
    _needs(commissioners)
    row = (counts.NeedCount.facet, counts.NeedCount.value, counts.NeedCount.closes_on, counts.NeedCount.needs)
    counted = counts.NeedCount.facet != counts.STAMP[0]
    kept = db.session.execute(sa.select(*row).where(counted, counts.NeedCount.needs != 0)).all()
    stamp = db.session.scalar(sa.select(counts.stamp()))
    counts.rebuild()
    assert sorted(db.session.execute(sa.select(*row).where(counted)).all()) == sorted(kept)
    assert db.session.scalar(sa.select(counts.stamp())) == stamp + 1


def test_editing_a_draft_changes_no_count_and_sends_no_count_statement(commissioners):
    draft = _needs(commissioners)["draft"]
    with StatementCount() as sql:
        draft.title = "A better title"
        draft.category = _category("accommodation")
        db.session.flush()
    assert not [s for s in sql.statements if "need_counts" in s]


def test_the_list_reads_the_kept_counts(client, commissioners):
    """The number shown is the kept counts' (here made wrong on purpose), not a COUNT."""
    _needs(commissioners)
    assert 'id="count">4 open needs<' in page_text(client.get("/needs"))
    row = db.session.scalars(
        sa.select(counts.NeedCount).where(counts.NeedCount.facet == "all", counts.NeedCount.closes_on > utcnow().date())
    ).first()
    row.needs += 1000
    db.session.flush()
    assert 'id="count">1,004 open needs<' in page_text(client.get("/needs"))


def test_a_delivery_unit_moved_to_another_region_by_load_reference_moves_its_needs_counts(app, commissioners, tmp_path):
    _needs(commissioners)
    for name in DATA.iterdir():
        (tmp_path / name.name).write_text(name.read_text())
    pdus = tmp_path / "probation_delivery_units.csv"
    pdus.write_text(pdus.read_text().replace("N57EKNT,East Kent,N57,", "N57EKNT,East Kent,N07,"))
    result = app.test_cli_runner().invoke(args=["load-reference", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert factories.area("N57EKNT").parent.code == "N07"
    assert_kept_counts_exact(utcnow())


def test_load_reference_refuses_a_folder_that_does_not_exist(app, db_session, tmp_path):
    result = app.test_cli_runner().invoke(args=["load-reference", "--data-dir", str(tmp_path / "missing")])
    assert result.exit_code != 0 and "does not exist" in result.output
