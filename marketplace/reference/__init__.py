"""Reference data: probation regions and delivery units, service categories, desired outcomes.

Reference data is data, not code: CSV files in reference/data/, loaded by
`flask --app wsgi load-reference`, each row with dates from and to which it applies.
"""

from flask import Blueprint

bp = Blueprint("reference", __name__)

from . import routes  # noqa: E402,F401
