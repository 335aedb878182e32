"""Justice Data Lab results: an admin records a published result for a provider's service
(every bad input refused by its field, with what was typed kept, and nothing written),
withdraws one with a reason (audited, never deleted), and the result is shown in plain
words on the provider's public page and on /what-works."""

from datetime import date

import pytest
import sqlalchemy as sa

from marketplace.audit import AuditEvent
from marketplace.extensions import db
from marketplace.organisations import justice_data_lab as jdl
from marketplace.organisations.justice_data_lab import JusticeDataLabResult, Significance
from marketplace.reference.models import ServiceCategory

from .. import factories
from ..helpers import count, error_summary, page_text, post_form, sign_in

NEW = "/admin/justice-data-lab/new"


@pytest.fixture
def admin(client, db_session):
    user = factories.make_user(admin=True)
    sign_in(client, user.email)
    return user


@pytest.fixture
def charity(db_session):
    return factories.make_organisation("Thanet Women's Centre", charity_number="1123456")


def _category():
    return db.session.scalars(sa.select(ServiceCategory).order_by(ServiceCategory.id)).first()


def _good(charity, **changes) -> dict:
    form = {
        "provider": charity.charity_number,
        "service_name": "Women's Centre Support Programme",
        "category": str(_category().id),
        "cohort_size": "187",
        "cohort_rate": "28.1",
        "comparison_rate": "34.0",
        "lower": "-9.6",
        "upper": "-2.2",
        "significance": "reduction",
        "published_on": ["27", "3", "2025"],
        "url": "https://www.gov.uk/government/statistics/justice-data-lab-statistics-march-2025",
    }
    form.update(changes)
    return form


def _result(charity, admin, **changes) -> JusticeDataLabResult:
    values = {
        "organisation_id": charity.id,
        "service_name": "Women's Centre Support Programme",
        "category_id": _category().id,
        "cohort_size": 187,
        "cohort_rate_tenths": 281,
        "comparison_rate_tenths": 340,
        "difference_lower_tenths": -96,
        "difference_upper_tenths": -22,
        "significance": Significance.REDUCTION,
        "published_on": date(2025, 3, 27),
        "url": "https://www.gov.uk/government/statistics/jdl",
    }
    values.update(changes)
    result = jdl.record(actor=admin, **values)
    db.session.commit()
    return result


def test_an_admin_records_a_published_result_and_it_is_audited(client, admin, charity):
    response = post_form(client, NEW, _good(charity))
    assert response.status_code == 302
    [result] = db.session.scalars(sa.select(JusticeDataLabResult)).all()
    assert (result.organisation_id, result.cohort_size) == (charity.id, 187)
    assert (result.cohort_rate_tenths, result.comparison_rate_tenths) == (281, 340)
    assert (result.difference_lower_tenths, result.difference_upper_tenths) == (-96, -22)
    assert (result.significance, result.published_on) == (Significance.REDUCTION, date(2025, 3, 27))
    assert count(AuditEvent, AuditEvent.action == "justice_data_lab.recorded", AuditEvent.object_id == result.id) == 1
    listed = page_text(client.get("/admin/justice-data-lab"))
    assert "Women&#39;s Centre Support Programme" in listed and "Thanet Women&#39;s Centre" in listed


def test_the_provider_is_found_by_its_company_or_portal_number_too(client, admin, db_session):
    company = factories.make_organisation(
        "Green Shoots CIC", legal_form=factories.LegalForm.CIC, company_number="09876543"
    )
    assert post_form(client, NEW, _good(company, provider="9876543")).status_code == 302
    assert post_form(client, NEW, _good(company, provider=str(company.id))).status_code == 302
    assert count(JusticeDataLabResult, JusticeDataLabResult.organisation_id == company.id) == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"provider": ""}, "Enter the provider's charity number, company number or number on this portal"),
        ({"provider": "7654321"}, "No verified organisation on this portal has that charity, company or portal number"),
        ({"service_name": ""}, "Enter the name of the service"),
        ({"service_name": "<script>alert(1)</script>"}, "Name of the service must not contain < or >"),
        ({"category": "999999"}, "Select a service category from the list"),
        ({"cohort_size": "0"}, "People in the cohort must be 1 or more"),
        ({"cohort_size": "many"}, "People in the cohort must be a whole number, like 120"),
        ({"cohort_rate": "100.1"}, "One-year proven reoffending rate of the cohort (%) must be between 0 and 100"),
        (
            {"comparison_rate": "-1"},
            "One-year proven reoffending rate of the matched comparison group (%) must be between 0 and 100",
        ),
        (
            {"cohort_rate": "28.15"},
            "One-year proven reoffending rate of the cohort (%) must be a number to one decimal place, like 28.1",
        ),
        ({"cohort_rate": ""}, "Enter the cohort's reoffending rate"),
        (
            {"lower": "-1.0", "upper": "-2.0"},
            "The upper end of the interval must be the same as or more than the lower end",
        ),
        (
            {"upper": "150"},
            "Upper end of the interval (95%), in percentage points must be between -100 and 100",
        ),
        ({"significance": "huge"}, "Select the significance as published"),
        ({"published_on": ["31", "2", "2025"]}, "The date published must be a real date"),
        ({"published_on": ["27", "3", "2099"]}, "The date published must be between 2013 and today"),
        (
            {"url": "http://www.gov.uk/jdl"},
            "Enter a link that starts https://, like https://www.gov.uk/government/statistics",
        ),
        (
            {"url": "javascript:alert(1)"},
            "Enter a link that starts https://, like https://www.gov.uk/government/statistics",
        ),
        ({"url": ""}, "Enter the link to the publication"),
    ],
)
def test_each_bad_input_is_refused_by_its_field_with_the_input_kept(client, admin, charity, changes, message):
    form = _good(charity, **changes)
    response = post_form(client, NEW, form)
    assert response.status_code == 400
    assert message in error_summary(response)
    assert count(JusticeDataLabResult) == 0
    html = page_text(response)
    assert 'value="Women&#39;s Centre Support Programme"' in html or changes.get("service_name") is not None
    assert 'value="187"' in html or "cohort_size" in changes


def test_a_result_is_withdrawn_with_a_reason_and_kept(client, admin, charity):
    result = _result(charity, admin)
    url = f"/admin/justice-data-lab/{result.id}/withdraw"
    refused = post_form(client, url, {"reason": ""})
    assert refused.status_code == 400 and "Enter why the result is being withdrawn" in error_summary(refused)
    assert post_form(client, url, {"reason": "Recorded for the wrong provider."}).status_code == 302
    db.session.refresh(result)
    assert result.withdrawn and result.withdrawn_reason == "Recorded for the wrong provider."
    assert count(JusticeDataLabResult) == 1  # never deleted
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "justice_data_lab.withdrawn"))
    assert event.object_id == result.id and event.reason == "Recorded for the wrong provider."
    assert "Withdrawn on" in page_text(client.get("/admin/justice-data-lab"))  # where its flash is shown
    assert "Women&#39;s Centre Support Programme" not in page_text(client.get(f"/organisations/{charity.id}"))
    assert "Women&#39;s Centre Support Programme" not in page_text(client.get("/what-works"))
    again = client.get(url)
    assert again.status_code == 302  # already withdrawn: told so


def test_only_admins_record_or_withdraw_results(client, db_session, charity):
    admin = factories.make_user(admin=True)
    result = _result(charity, admin)
    owner = factories.make_provider(organisation=charity)
    sign_in(client, owner.email)
    assert client.get(NEW).status_code == 403
    assert post_form(client, NEW, _good(charity), from_url="/account").status_code == 403
    assert client.get(f"/admin/justice-data-lab/{result.id}/withdraw").status_code == 403
    assert count(JusticeDataLabResult) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, db_session):
    response = client.get(NEW)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_providers_page_shows_the_result_in_plain_words(client, db_session, charity):
    admin = factories.make_user(admin=True)
    _result(charity, admin)
    _result(
        charity,
        admin,
        service_name="Money Advice",
        cohort_rate_tenths=300,
        comparison_rate_tenths=310,
        difference_lower_tenths=-50,
        difference_upper_tenths=30,
        significance=Significance.NOT_SIGNIFICANT,
    )
    html = page_text(client.get(f"/organisations/{charity.id}"))
    assert (
        "People who used this service reoffended less than a matched group: 28.1% against 34.0%. "
        "The difference is statistically significant." in html
    )
    assert "People who used this service reoffended less than a matched group: 30.0% against 31.0%." in html
    assert "We cannot say whether the service changed how often people reoffended" in html
    assert (
        "The published 95% confidence interval of the difference is \u22129.6 to \u22122.2 percentage points." in html
    )
    assert 'href="https://www.gov.uk/government/statistics/jdl"' in html


def test_what_works_lists_the_published_results_by_category(client, db_session, charity):
    admin = factories.make_user(admin=True)
    _result(charity, admin)
    html = page_text(client.get("/what-works"))
    section = html[html.index('id="justice-data-lab"') :]
    assert _category().name in section
    assert "Women&#39;s Centre Support Programme" in section and "Thanet Women&#39;s Centre" in section
    assert "28.1% against 34.0%" in section


def test_the_database_refuses_a_result_out_of_its_ranges(db_session, charity):
    admin = factories.make_user(admin=True)
    with pytest.raises(jdl.JusticeDataLabError):
        jdl.record(
            actor=admin,
            organisation_id=charity.id,
            service_name="X",
            category_id=_category().id,
            cohort_size=10,
            cohort_rate_tenths=100,
            comparison_rate_tenths=100,
            difference_lower_tenths=10,
            difference_upper_tenths=-10,
            significance=Significance.NOT_SIGNIFICANT,
            published_on=date(2025, 1, 1),
            url="https://example.org/x",
        )
