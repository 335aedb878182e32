"""One published Justice Data Lab result in the demo (issue 24): the admin has recorded one
for the demo charity's women's centre programme, a statistically significant reduction, so
that the charity's public page and /what-works show one. The figures are made up for the
demo, in the shape the Ministry of Justice publishes them; the link is the Justice Data
Lab's collection on GOV.UK."""

from datetime import date

import sqlalchemy as sa

from ..accounts import services as account_services
from ..extensions import db
from ..organisations import justice_data_lab
from ..organisations.models import Organisation
from ..reference.models import ServiceCategory

DEMO_SERVICE = "Women's Centre Support Programme"
DEMO_URL = "https://www.gov.uk/government/collections/justice-data-lab-pilot-statistics"


def add_justice_data_lab() -> None:
    """Record the demo result once (idempotent: found by its provider and service)."""
    charity = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Thanet Women's Centre"))
    category = db.session.scalar(sa.select(ServiceCategory).where(ServiceCategory.code == "womens-services"))
    admin = account_services.find_user("admin@demo.test")
    if charity is None or category is None or admin is None:
        return
    if db.session.scalar(
        sa.select(justice_data_lab.JusticeDataLabResult.id).where(
            justice_data_lab.JusticeDataLabResult.organisation_id == charity.id,
            justice_data_lab.JusticeDataLabResult.service_name == DEMO_SERVICE,
        )
    ):
        return
    justice_data_lab.record(
        actor=admin,
        organisation_id=charity.id,
        service_name=DEMO_SERVICE,
        category_id=category.id,
        cohort_size=187,
        cohort_rate_tenths=281,
        comparison_rate_tenths=340,
        difference_lower_tenths=-96,
        difference_upper_tenths=-22,
        significance=justice_data_lab.Significance.REDUCTION,
        published_on=date(2025, 3, 27),
        url=DEMO_URL,
    )
