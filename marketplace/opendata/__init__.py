"""Open contracting data: each published need is an OCDS 1.1 contracting process; every
published step writes a release in the step's own transaction (receivers.py, through
marketplace/signals.py `contracting_event`), served as release and record packages
(routes.py). The top layer alone imports this package."""

from flask import Blueprint

bp = Blueprint("opendata", __name__)

from . import receivers, routes  # noqa: E402, F401
