"""What a person may tick for "What has changed for you?": a short fixed list for each
service category, by the category's code (marketplace/reference/data/service_categories.csv),
and a general list for any category not listed (or a need without one). Answers are kept
as the codes; the words are for reading age about 9, in English and Welsh."""

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

GENERAL: dict[str, LazyString] = {
    "feel-better": _l("I feel better about things"),
    "know-where-to-go": _l("I know where to get help"),
    "new-skills": _l("I learned new things"),
    "more-confident": _l("I feel more sure of myself"),
    "nothing-yet": _l("Nothing has changed yet"),
}

BY_CATEGORY: dict[str, dict[str, LazyString]] = {
    "accommodation": {
        "safe-home": _l("I have a safe place to live"),
        "kept-home": _l("I kept my home"),
        "know-rights": _l("I know my rights as a tenant"),
        "bills-rent": _l("I can pay my rent and bills"),
        "nothing-yet": _l("Nothing has changed yet"),
    },
    "ete": {
        "got-job": _l("I got a job"),
        "training": _l("I started a course or training"),
        "cv-interviews": _l("I have a CV and feel ready for interviews"),
        "new-skills": _l("I learned new things"),
        "nothing-yet": _l("Nothing has changed yet"),
    },
    "finance": {
        "less-debt": _l("I have less debt"),
        "right-benefits": _l("I get the benefits I should"),
        "budget": _l("I can plan my money better"),
        "bank-account": _l("I have a bank account"),
        "nothing-yet": _l("Nothing has changed yet"),
    },
    "dependency": {
        "use-less": _l("I drink or use drugs less"),
        "stopped": _l("I have stopped"),
        "support-group": _l("I go to a support group"),
        "health": _l("My health is better"),
        "nothing-yet": _l("Nothing has changed yet"),
    },
    "family": {
        "see-family": _l("I see my family more"),
        "get-on-better": _l("I get on better with my family"),
        "parenting": _l("I feel better as a parent"),
        "know-where-to-go": _l("I know where to get help"),
        "nothing-yet": _l("Nothing has changed yet"),
    },
    "wellbeing": {
        "feel-better": _l("I feel better about things"),
        "cope": _l("I cope better when things are hard"),
        "talk": _l("I have someone to talk to"),
        "sleep": _l("I sleep better"),
        "nothing-yet": _l("Nothing has changed yet"),
    },
    "womens-services": {
        "feel-safe": _l("I feel safer"),
        "feel-better": _l("I feel better about things"),
        "talk": _l("I have someone to talk to"),
        "know-where-to-go": _l("I know where to get help"),
        "nothing-yet": _l("Nothing has changed yet"),
    },
}


def choices_for(category_code: str | None) -> dict[str, LazyString]:
    """The list for a service category's code: its own, or the general one."""
    return BY_CATEGORY.get(category_code or "", GENERAL)


def label_of(code: str) -> LazyString | str:
    """The words for a code from any list (a code of an older list is shown as it is)."""
    for listed in (GENERAL, *BY_CATEGORY.values()):
        if code in listed:
            return listed[code]
    return code
