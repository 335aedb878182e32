import enum
import re
from datetime import datetime

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db, enum_type
from ..timeutil import UTCDateTime, utcnow


class LegalForm(enum.StrEnum):
    REGISTERED_CHARITY = "registered_charity"
    CIO = "cio"
    CIC = "cic"
    CLG = "clg"
    COMMUNITY_BENEFIT_SOCIETY = "community_benefit_society"
    COMMUNITY_GROUP = "community_group"
    COMPANY_LIMITED_BY_SHARES = "company_limited_by_shares"
    PUBLIC_BODY = "public_body"

    @property
    def label(self) -> LazyString:
        return LEGAL_FORM_LABELS[self]


LEGAL_FORM_LABELS = {
    LegalForm.REGISTERED_CHARITY: _l("Registered charity (trust or unincorporated association)"),
    LegalForm.CIO: _l("Charitable incorporated organisation (CIO)"),
    LegalForm.CIC: _l("Community interest company (CIC)"),
    LegalForm.CLG: _l("Company limited by guarantee"),
    LegalForm.COMMUNITY_BENEFIT_SOCIETY: _l("Community benefit society"),
    LegalForm.COMMUNITY_GROUP: _l("Constituted community group"),
    LegalForm.COMPANY_LIMITED_BY_SHARES: _l("Company limited by shares"),
    LegalForm.PUBLIC_BODY: _l("Public body"),
}

# The voluntary, community and social enterprise forms. Derived, never typed in.
VCSE_FORMS = frozenset(
    {
        LegalForm.REGISTERED_CHARITY,
        LegalForm.CIO,
        LegalForm.CIC,
        LegalForm.CLG,
        LegalForm.COMMUNITY_BENEFIT_SOCIETY,
        LegalForm.COMMUNITY_GROUP,
    }
)

# Which register numbers each form has: (charity number, company number), each
# "required", "optional" or None (the form has no such number).
REGISTER_NUMBERS = {
    LegalForm.REGISTERED_CHARITY: ("required", None),
    LegalForm.CIO: ("required", None),
    LegalForm.CIC: (None, "required"),
    LegalForm.CLG: ("optional", "required"),
    LegalForm.COMMUNITY_BENEFIT_SOCIETY: ("optional", None),
    LegalForm.COMMUNITY_GROUP: (None, None),
    LegalForm.COMPANY_LIMITED_BY_SHARES: (None, "required"),
    LegalForm.PUBLIC_BODY: (None, None),
}


class OrganisationType(enum.StrEnum):
    VCSE = "vcse"
    PUBLIC = "public"
    PRIVATE = "private"


class IncomeBand(enum.StrEnum):
    """Annual income, which gives the size band boards report on."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def label(self) -> LazyString:
        return INCOME_BAND_LABELS[self]


INCOME_BAND_LABELS = {
    IncomeBand.MICRO: _l("Under £100,000 a year"),
    IncomeBand.SMALL: _l("£100,000 to £999,999 a year"),
    IncomeBand.MEDIUM: _l("£1 million to £9.99 million a year"),
    IncomeBand.LARGE: _l("£10 million a year or more"),
}

# Charity Commission for England and Wales: 6 or 7 digits (1123456). ASCII digits only:
# \d would also take Arabic-Indic or full-width digits, and so a second copy of a number.
CHARITY_NUMBER = re.compile(r"^[0-9]{6,7}$")
# Companies House: 8 digits, or a 2-letter prefix and 6 digits (SC123456, NI123456, OC123456).
COMPANY_NUMBER = re.compile(r"^([0-9]{8}|[A-Z]{2}[0-9]{6})$")


# What the profile says once for every bid, in words (textlimits.py).
SOCIAL_VALUE_STATEMENT_WORDS = 500
SAFEGUARDING_WORDS = 300


def normalise_charity_number(value: str) -> str:
    return re.sub(r"\s+", "", value or "")


def normalise_company_number(value: str) -> str:
    """Upper case without spaces; a number of up to 8 digits gets its leading zeros back."""
    value = re.sub(r"\s+", "", value or "").upper()
    if value.isascii() and value.isdigit() and len(value) < 8:
        value = value.zfill(8)
    return value


organisation_pdus = sa.Table(
    "organisation_pdus",
    db.metadata,
    sa.Column("organisation_id", sa.ForeignKey("organisations.id"), primary_key=True),
    sa.Column("area_id", sa.ForeignKey("areas.id"), primary_key=True),
)

organisation_specialisms = sa.Table(
    "organisation_specialisms",
    db.metadata,
    sa.Column("organisation_id", sa.ForeignKey("organisations.id"), primary_key=True),
    sa.Column("category_id", sa.ForeignKey("service_categories.id"), primary_key=True),
)


class Organisation(Model):
    """A provider organisation, with one profile reused in every bid it makes.

    There is deliberately no field for financial thresholds, accounts or cash security:
    the income band is asked only to report on who wins work, never to exclude anyone.
    """

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    legal_form: Mapped[LegalForm] = mapped_column(enum_type(LegalForm, 40))
    charity_number: Mapped[str | None] = mapped_column(sa.String(8), unique=True)
    company_number: Mapped[str | None] = mapped_column(sa.String(8), unique=True)
    income_band: Mapped[IncomeBand] = mapped_column(enum_type(IncomeBand, 16))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120))
    contact_email: Mapped[str] = mapped_column(sa.String(254))
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    address: Mapped[str] = mapped_column(sa.String(500), default="")
    postcode: Mapped[str] = mapped_column(sa.String(10), default="")
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    # Which of the conditions of participation the organisation meets (needs.models.Condition
    # values): asked once here and reused in every bid's eligibility declaration.
    policies: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    # Said once here and reused in every bid: the social value the organisation adds
    # wherever it works (fills a new bid's social value), and its safeguarding arrangements
    # (shown beside the eligibility declaration, and fixed into each submitted bid).
    social_value_statement: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    safeguarding: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    verified_by = relationship("User", foreign_keys=[verified_by_id])
    pdus = relationship("Area", secondary=organisation_pdus, order_by="Area.name")
    specialisms = relationship("ServiceCategory", secondary=organisation_specialisms, order_by="ServiceCategory.name")
    memberships = relationship("Membership", back_populates="organisation", foreign_keys="Membership.organisation_id")

    __table_args__ = (
        sa.CheckConstraint("(verified_at IS NULL) = (verified_by_id IS NULL)", name="verified_by_someone"),
    )

    @hybrid_property
    def is_vcse(self) -> bool:
        return self.legal_form in VCSE_FORMS

    @is_vcse.inplace.expression
    @classmethod
    def _is_vcse_expression(cls):
        return cls.legal_form.in_([f.value for f in VCSE_FORMS])

    @property
    def organisation_type(self) -> OrganisationType:
        if self.is_vcse:
            return OrganisationType.VCSE
        if self.legal_form == LegalForm.PUBLIC_BODY:
            return OrganisationType.PUBLIC
        return OrganisationType.PRIVATE

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def active_memberships(self):
        return [m for m in self.memberships if m.ended_at is None]

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"
