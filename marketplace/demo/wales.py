"""The demo in Wales, in Welsh: a commissioner of North Wales who reads the service in
Cymraeg, a need published in Welsh and English, and a small Welsh charity, whose owner
also reads it in Cymraeg, that has bid for its first lot in Welsh. The second lot is left
for people trying the portal to bid on."""

from datetime import timedelta

import sqlalchemy as sa

from ..accounts import services as account_services
from ..accounts.models import Role
from ..bids import parties
from ..extensions import db
from ..needs.models import Need, Reservation
from ..organisations.models import IncomeBand, LegalForm
from ..reference.models import Area, ServiceCategory
from ..timeutil import utcnow
from .bids import demo_bid
from .needs import add_need
from .people import _membership, _organisation, _user, demo_two_factor

NORTH_WALES = "WPTNWS"
COMMISSIONER = ("comisiynydd@demo.test", "Siân Evans")
CHARITY: dict = {
    "email": "elusen@demo.test",
    "kind": "a small Welsh charity that works in Welsh",
    "person": "Gwen Jones",
    "name": "Canolfan Menywod Bangor",
    "legal_form": LegalForm.REGISTERED_CHARITY,
    "charity_number": "1100002",
    "company_number": None,
    "income_band": IncomeBand.MICRO,
    "description": "Canolfan i fenywod ym Mangor: lle diogel, gweithwyr allweddol a chymorth gan gymheiriaid, "
    "yn Gymraeg ac yn Saesneg.",
    "postcode": "LL57 1AA",
    "pdus": (NORTH_WALES,),
    "specialisms": ("womens-services", "wellbeing"),
    "policies": ("constituted", "safeguarding", "insurance_by_start", "dbs", "data_protection"),
}
NEED = {
    "title": "Support for women on probation in Gwynedd and Anglesey",
    "title_cy": "Cymorth i fenywod ar brawf yng Ngwynedd ac Ynys Môn",
    "summary": "A key worker and a weekly drop-in in Bangor and Holyhead for women on probation, in Welsh or "
    "English as each woman chooses, with help with housing, money and health.",
    "summary_cy": "Gweithiwr allweddol a sesiwn galw heibio wythnosol ym Mangor a Chaergybi i fenywod ar brawf, "
    "yn Gymraeg neu’n Saesneg fel y mae pob menyw yn dewis, gyda help gyda thai, arian ac iechyd.",
    "when": "open",
    "area": NORTH_WALES,
    "pdus": (NORTH_WALES,),
    "category": "womens-services",
    "outcomes": ("wom-engage", "wom-wellbeing"),
    "cohort": "Women on probation in Gwynedd and Anglesey",
    "expected_people": 50,
    "duration_months": 12,
    "lots": [
        ("Key work in Bangor", "A named key worker for each woman, in Welsh or English.", 2_000_000, Reservation.VCSE),
        ("Drop-in in Holyhead", "A weekly drop-in with peer support.", 1_500_000, Reservation.NONE),
    ],
    "criteria": [("How will you reach women who do not engage, in the language they choose?", 60, 400)],
    "social_value_words": 200,  # 600 words in all, what a largest lot under £25,000 allows
    "conditions": ["constituted", "safeguarding"],
    "advance": 25,
    "milestones": [("Six months", 40, 6), ("End of the service", 35, 12)],
}
BID = {
    "price": 1_950_000,
    "people": 30,
    "answers": (
        "Mae ein gweithwyr allweddol yn siarad Cymraeg a Saesneg. Byddwn yn cysylltu â phob menyw o fewn dau "
        "ddiwrnod gwaith, yn y iaith y mae hi’n ei dewis, ac yn ffonio neu’n ymweld â phob un sy’n colli sesiwn.",
    ),
    "social_value": "Bydd dau o’n swyddi ar gyfer menywod sydd â phrofiad bywyd o’r system gyfiawnder, "
    "ar y Cyflog Byw Gwirioneddol.",
    "submit": True,
}


def add_wales(password: str) -> list[tuple[str, str]]:
    """The Welsh commissioner, charity, need and bid (each only if missing); their logins."""
    admin = account_services.find_user("admin@demo.test")
    assert admin is not None  # made by load_people
    pdus = {a.code: a for a in db.session.scalars(sa.select(Area).where(Area.code == NORTH_WALES))}
    categories = {c.code: c for c in db.session.scalars(sa.select(ServiceCategory))}
    commissioner = _user(*COMMISSIONER, password)
    commissioner.language = "cy"
    demo_two_factor(commissioner)
    _membership(commissioner, Role.COMMISSIONER, area=pdus[NORTH_WALES])
    owner = _user(CHARITY["email"], CHARITY["person"], password)
    owner.language = "cy"
    organisation = _organisation(CHARITY, pdus, categories, admin)
    _membership(owner, Role.OWNER, organisation=organisation)
    now = utcnow()
    add_need(NEED, pdus, categories, commissioner, now)
    need = db.session.scalar(sa.select(Need).where(Need.title == NEED["title"]))
    if need is not None and need.published_at is not None and parties.bid_for(organisation.id, need.lots[0]) is None:
        start = max(need.published_at + timedelta(hours=1), now - timedelta(hours=6))
        demo_bid(BID, need.lots[0], owner, organisation, start)
    db.session.flush()
    return [
        (COMMISSIONER[0], "commissioner for North Wales, who reads the service in Cymraeg"),
        (CHARITY["email"], f"owner of {CHARITY['name']}, {CHARITY['kind']}"),
    ]
