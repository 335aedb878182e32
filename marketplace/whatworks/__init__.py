"""What works, in public (/what-works): outcomes by service category across every area, for
a period, with the achievement rate of each desired outcome and its 95% Wilson interval,
by provider size and type and for providers with enough people; small numbers suppressed;
and the published Justice Data Lab results. The top layer alone imports this package."""

from flask import Blueprint

bp = Blueprint("whatworks", __name__)

from . import kept, routes  # noqa: E402, F401
