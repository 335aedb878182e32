"""Reference data in Welsh: regions, delivery units, service categories and desired outcomes
are named in Welsh on a Welsh page (the English where a place has no Welsh name), and
exactly as before on an English one; `flask load-reference` loads the Welsh names, and a
changed Welsh name is an update like a changed English one."""

import csv

import sqlalchemy as sa

from marketplace.audit.models import AuditEvent
from marketplace.extensions import db
from marketplace.i18n import in_language
from marketplace.reference.cache import snapshot
from marketplace.reference.models import Area, DesiredOutcome, ServiceCategory
from marketplace.reference.services import DATA, load_reference

from .. import factories
from ..helpers import page_text

TITLE_CY = "Cymorth i fenywod yng Ngogledd Cymru"


def welsh_need():
    return factories.make_need(area_code="WPTNWS", title="Support for women", title_cy=TITLE_CY, summary_cy="Cymorth.")


def area(code: str) -> Area:
    return db.session.scalar(sa.select(Area).where(Area.code == code))


def test_every_category_and_outcome_has_its_welsh_and_so_has_every_region(db_session):
    categories = db.session.scalars(sa.select(ServiceCategory)).all()
    outcomes = db.session.scalars(sa.select(DesiredOutcome)).all()
    regions = db.session.scalars(sa.select(Area).where(Area.parent_id.is_(None))).all()
    assert all(c.name_cy for c in categories) and all(o.text_cy for o in outcomes) and all(r.name_cy for r in regions)
    assert area("N03").name_cy == "Cymru" and area("N07").name_cy == "Llundain"
    assert area("N03SW1").name_cy == "Caerdydd a Bro Morgannwg"
    assert area("N57EKNT").name_cy == ""  # English places keep their English name


def test_an_areas_label_is_in_the_pages_language_and_unchanged_in_english(db_session):
    wales, north_wales, gwent, east_kent = area("N03"), area("WPTNWS"), area("WPTGWT"), area("N57EKNT")
    refs = {ref.code: ref for ref in (*snapshot().regions, *snapshot().pdus)}
    english = ["Wales region", "North Wales (Wales)", "Gwent (Wales)", "East Kent (Kent, Surrey & Sussex)"]
    welsh = ["Rhanbarth Cymru", "Gogledd Cymru (Cymru)", "Gwent (Cymru)", "East Kent (Caint, Surrey a Sussex)"]
    rows = (wales, north_wales, gwent, east_kent)
    assert [a.label for a in rows] == english
    assert [refs[a.code].label for a in rows] == english
    assert [a.english_label for a in rows] == english
    with in_language("cy"):
        assert [a.label for a in rows] == welsh
        assert [refs[a.code].label for a in rows] == welsh
        assert [a.english_label for a in rows] == english  # open data stays English
        assert north_wales.local_name == "Gogledd Cymru" and east_kent.local_name == "East Kent"


def test_the_list_of_needs_filters_name_regions_units_and_categories_in_welsh(client, db_session):
    welsh = page_text(client.get("/needs?lang=cy"))
    for name in ("Llundain", "Gogledd Cymru (Cymru)", "East Kent (Caint, Surrey a Sussex)", "Gwasanaethau i fenywod"):
        assert f">{name}</option>" in welsh
    assert ">Wales</option>" not in welsh and "Women&#39;s services" not in welsh

    english = page_text(client.get("/needs?lang=en"))
    for name in ("London", "North Wales (Wales)", "East Kent (Kent, Surrey &amp; Sussex)", "Women&#39;s services"):
        assert f">{name}</option>" in english
    assert "Llundain" not in english and "Gwasanaethau i fenywod" not in english


def test_the_list_of_needs_results_name_the_area_and_category_in_welsh(client, db_session):
    welsh_need()
    welsh = page_text(client.get("/needs?lang=cy"))
    assert TITLE_CY in welsh
    assert "Gogledd Cymru (Cymru)</dd>" in welsh
    assert "Gwasanaethau i fenywod (" in welsh
    english = page_text(client.get("/needs?lang=en"))
    assert "North Wales (Wales)</dd>" in english and "Women&#39;s services (" in english


def test_a_welsh_needs_page_names_its_area_category_units_and_outcomes_in_welsh(client, db_session):
    need = welsh_need()
    welsh = page_text(client.get(f"/needs/{need.id}?lang=cy"))
    for text in (
        "Gogledd Cymru (Cymru)",
        "Gwasanaethau i fenywod",
        "Yn ymgysylltu â chanolfan i fenywod",
        "Yn fwy diogel rhag cam-drin domestig",
    ):
        assert text in welsh
    for text in ("North Wales", "Women&#39;s services", "Engages with a women&#39;s centre", "domestic abuse"):
        assert text not in welsh

    english = page_text(client.get(f"/needs/{need.id}?lang=en"))
    for text in ("North Wales (Wales)", "Women&#39;s services", "Engages with a women&#39;s centre"):
        assert text in english
    assert "Gogledd Cymru" not in english and "Gwasanaethau i fenywod" not in english


def test_the_reference_pages_name_areas_categories_and_outcomes_in_welsh(client, db_session):
    areas = page_text(client.get("/areas?lang=cy"))
    assert "Llundain" in areas and "Caerdydd a Bro Morgannwg" in areas and "Gwent" in areas
    categories = page_text(client.get("/service-categories?lang=cy"))
    assert "Addysg, hyfforddiant a chyflogaeth" in categories and "Yn dechrau gwaith cyflogedig" in categories
    assert "Starts paid employment" not in categories

    assert "Cardiff and the Vale of Glamorgan" in page_text(client.get("/areas?lang=en"))
    assert "Starts paid employment" in page_text(client.get("/service-categories?lang=en"))


def test_the_names_of_what_an_amendment_changed_are_in_the_pages_language(db_session):
    names = snapshot().names
    assert names.local("categories")["womens-services"] == "Women's services"
    assert names.local("areas")["N57EKNT"] == "East Kent"
    with in_language("cy"):
        assert names.local("categories")["womens-services"] == "Gwasanaethau i fenywod"
        assert names.local("outcomes")["ete-job"] == "Yn dechrau gwaith cyflogedig"
        assert names.local("areas")["WPTNWS"] == "Gogledd Cymru"
        assert names.local("areas")["N57EKNT"] == "East Kent"


def _copy_data(tmp_path, change: tuple[str, str] | None = None):
    for path in DATA.iterdir():
        text = path.read_text(encoding="utf-8")
        if change and path.name == "probation_delivery_units.csv":
            assert change[0] in text
            text = text.replace(*change)
        (tmp_path / path.name).write_text(text, encoding="utf-8")


def test_a_changed_welsh_name_is_an_update_recorded_like_a_changed_english_one(db_session, tmp_path):
    _copy_data(tmp_path, (",2021-06-26,,Dyfed-Powys\n", ",2021-06-26,,Dyfed a Phowys\n"))
    assert str(load_reference(tmp_path)) == "areas: 0 added, 1 updated"
    assert area("WPTDPA").name_cy == "Dyfed a Phowys"
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "reference.updated").order_by(AuditEvent.id.desc())
    ).first()
    assert event.before["name_cy"] == "Dyfed-Powys" and event.after["name_cy"] == "Dyfed a Phowys"
    assert str(load_reference(tmp_path)) == "Reference data is up to date."


def test_loading_the_welsh_names_again_changes_nothing(db_session):
    assert str(load_reference()) == "Reference data is up to date."


def test_a_csv_without_the_welsh_columns_loads_the_welsh_names_as_empty(db_session, tmp_path):
    """A file of an older layout: no Welsh column means no Welsh name (the English shown)."""
    for path in DATA.iterdir():
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        fields = [k for k in rows[0] if not k.endswith("_cy")]
        with (tmp_path / path.name).open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fields, extrasaction="ignore", lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
    load_reference(tmp_path)
    assert area("N03").name_cy == "" and area("WPTNWS").name_cy == ""
    with in_language("cy"):
        assert area("WPTNWS").label == "North Wales (Wales)"
