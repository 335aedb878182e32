import enum
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, enum_type
from ..i18n import current_language
from ..timeutil import london_date, utcnow


class AreaKind(enum.StrEnum):
    REGION = "region"
    PDU = "pdu"


def _today() -> date:
    """Today as people in England and Wales count days, not the server's own date."""
    return london_date(utcnow())


def in_force(valid_from: date, valid_to: date | None, on: date | None = None) -> bool:
    """Whether a row dated so applies on a day (today in London by default): from its
    first day, up to but not on the day it is retired."""
    on = on or _today()
    return valid_from <= on and (valid_to is None or on < valid_to)


class EffectiveDates:
    """Rows that apply from one date and may be retired on another (PDUs split and merge)."""

    valid_from: Mapped[date] = mapped_column(sa.Date, default=date(2021, 6, 26))
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    def is_current(self, on: date | None = None) -> bool:
        return in_force(self.valid_from, self.valid_to, on)

    @classmethod
    def current(cls, on: date | None = None):
        """A where-clause for the rows in force on a day."""
        on = on or _today()
        return sa.and_(cls.valid_from <= on, sa.or_(cls.valid_to.is_(None), cls.valid_to > on))


def in_page_language(english: str, welsh: str) -> str:
    """The Welsh on a Welsh page when there is some, else the English."""
    return welsh if welsh and current_language() == "cy" else english


class LocalName:
    """A reference row named in English and Welsh (`name` and `name_cy`, an empty Welsh
    name meaning the same as the English): `local_name` is the page's language's. Shared
    by the models and the cache's frozen values."""

    __slots__ = ()
    name: str
    name_cy: str

    @property
    def local_name(self) -> str:
        return in_page_language(self.name, self.name_cy)


class LocalText:
    """An outcome's text in the page's language (`text_cy` when Welsh and given)."""

    __slots__ = ()
    text: str
    text_cy: str

    @property
    def local_text(self) -> str:
        return in_page_language(self.text, self.text_cy)


def area_label(name: str, region_name: str | None) -> str:
    """How a page names an area: "<PDU> (<region>)" for a delivery unit, "<name> region"
    for a region; names in the page's language."""
    if region_name is not None:
        return _("%(pdu)s (%(region)s)", pdu=name, region=region_name)
    return _("%(name)s region", name=name)


# The probation region of Wales (probation_regions.csv).
WALES_REGION_CODE = "N03"


class Area(LocalName, EffectiveDates, Model):
    """A commissioning area: one of the 12 probation regions, or one of their delivery units."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_cy: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    kind: Mapped[AreaKind] = mapped_column(enum_type(AreaKind, 16))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("areas.id"), index=True)
    # Awards of a lot worth more than this need a board member's sign-off. None: the
    # region's threshold for a PDU, else SIGN_OFF_THRESHOLD_POUNDS (set by admins).
    sign_off_threshold_pence: Mapped[int | None] = mapped_column(sa.BigInteger)

    parent: Mapped["Area | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Area"]] = relationship(back_populates="parent", order_by="Area.name")

    __table_args__ = (
        sa.CheckConstraint(
            "(kind = 'region' AND parent_id IS NULL) OR (kind = 'pdu' AND parent_id IS NOT NULL)",
            name="pdu_has_region",
        ),
        sa.CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="dates_in_order"),
        sa.CheckConstraint(
            "sign_off_threshold_pence IS NULL OR sign_off_threshold_pence >= 0", name="threshold_not_negative"
        ),
    )

    @property
    def region(self) -> "Area":
        if self.kind == AreaKind.PDU:
            assert self.parent is not None  # ck_areas_pdu_has_region: a PDU always has its region
            return self.parent
        return self

    @property
    def in_wales(self) -> bool:
        """Whether the area is the Wales region or one of its delivery units: its needs are
        published in Welsh and English (Welsh Language Standards)."""
        return self.region.code == WALES_REGION_CODE

    @property
    def label(self) -> str:
        if self.kind == AreaKind.PDU and self.parent is not None:
            return area_label(self.local_name, self.parent.local_name)
        return area_label(self.local_name, None)

    @property
    def english_label(self) -> str:
        """The label in English whatever the page's language (open data is published in English)."""
        if self.kind == AreaKind.PDU and self.parent is not None:
            return f"{self.name} ({self.parent.name})"
        return f"{self.name} region"

    @property
    def ids_covered(self) -> tuple[int, ...]:
        """The areas whose needs this one oversees, as covers() decides: itself and, for a
        region, its delivery units."""
        return (self.id, *[unit.id for unit in self.children])

    def covers(self, other: "Area") -> bool:
        """True when `other` is this area or one of its PDUs."""
        return other.id == self.id or other.parent_id == self.id

    def __repr__(self) -> str:
        return f"<Area {self.code}>"


class ServiceCategory(LocalName, EffectiveDates, Model):
    __tablename__ = "service_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    name_cy: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    # True for the national outcome framework's pathways, False for local ones.
    national: Mapped[bool] = mapped_column(default=True)

    outcomes: Mapped[list["DesiredOutcome"]] = relationship(back_populates="category", order_by="DesiredOutcome.code")

    def __repr__(self) -> str:
        return f"<ServiceCategory {self.code}>"


class DesiredOutcome(LocalText, EffectiveDates, Model):
    """An outcome a need may ask for. Versioned: a change is a new version, the old one retired."""

    __tablename__ = "desired_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("service_categories.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40))
    version: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(sa.String(300))
    text_cy: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")

    category: Mapped[ServiceCategory] = relationship(back_populates="outcomes")

    __table_args__ = (
        sa.UniqueConstraint("code", "version", name="uq_desired_outcomes_code_version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
    )

    def __repr__(self) -> str:
        return f"<DesiredOutcome {self.code} v{self.version}>"
