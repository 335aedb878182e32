"""The conditions of participation: the fixed, proportionate list a need may ask for and an
organisation's profile says it meets. Nothing else can be asked (see "The core rule")."""

import enum

from flask_babel import lazy_gettext as _l


class Condition(enum.StrEnum):
    """The fixed, proportionate conditions of participation. Nothing else can be asked:
    no financial tests and no cash security of any kind."""

    CONSTITUTED = "constituted"
    SAFEGUARDING = "safeguarding"
    INSURANCE_BY_START = "insurance_by_start"
    DBS = "dbs"
    DATA_PROTECTION = "data_protection"

    @property
    def label(self) -> str:
        return CONDITION_LABELS[self]


CONDITION_LABELS = {
    Condition.CONSTITUTED: _l("A constituted organisation (with a governing document)"),
    Condition.SAFEGUARDING: _l("A safeguarding policy"),
    Condition.INSURANCE_BY_START: _l("Insurance in place by the contract start (not needed to bid)"),
    Condition.DBS: _l("A process for DBS checks of staff and volunteers"),
    Condition.DATA_PROTECTION: _l("Data protection: registered with the ICO and a policy in place"),
}
