"""The official schemas kept in tests/schemas/, every $ref resolved from those files (no
network), and a validator that checks formats as the standard's own tools do."""

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SCHEMAS = Path(__file__).parent.parent / "schemas"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.I)


def _format_checker() -> FormatChecker:
    """The 360Giving schema says a date is a date-time *or* a YYYY-MM-DD date (oneOf):
    without a date-time check every string passes the first branch, and a plain date
    would match both. jsonschema checks date-time only with an optional package, so the
    check is here: RFC 3339, and a real instant."""
    checker = FormatChecker()

    @checker.checks("date-time")
    def is_date_time(value) -> bool:
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            return False
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return True

    return checker


@cache
def registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        schema = json.loads(path.read_text())
        # 2020-12 schemas; the 360Giving files name the dialect with a misspelt URI
        # ("http://json-schema.org/draft/2020-12/schema"), so the dialect is given here.
        resources.append((schema["$id"], DRAFT202012.create_resource(schema)))
    return Registry().with_resources(resources)


def validator(filename: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / filename).read_text())
    return Draft202012Validator(schema, registry=registry(), format_checker=_format_checker())


def errors(filename: str, document) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(filename).iter_errors(document)]
