"""Demo data for `make run`: one account per role, for two delivery units of one region
(people.py), the demo commissioner's needs (open, closing soon, closed and a draft;
needs.py) and the demo providers' bids on them: a consortium of the charity and the CIC, a
draft, and on the closed need an abnormally low bid from the large company, flagged at
closing (bids.py). Then a need in moderation and one awarded (evaluation.py) whose
contract is in delivery (delivery.py), with feedback from the people it
supports (feedback.py), and a lived-experience adviser on the panel of the need being
scored (advisers.py).

Behind them, two financial years of history (history.py) for the board's dashboard: needs
published, bid for by providers of every size and type, evaluated, awarded, delivered,
reported on and paid, each step through the services at its own past time (and dated then
in the audit trail, dated.py), with some payments late and two overdue now; and the
board's ratings of last year's partnerships (reviews.py). And in Wales, in Welsh: a
commissioner of North Wales, a need in Welsh and English, and a Welsh charity's bid in
Welsh (wales.py). And a published Justice Data Lab result for the charity's programme
(justice_data_lab.py), shown on its page and on /what-works.

Idempotent: running it again finds what exists and adds only what is missing.
"""

from ..board.reporting.kept import keep_closed_need_bids
from .advisers import add_adviser
from .bids import add_bids
from .delivery import add_delivery
from .evaluation import add_evaluations
from .feedback import add_feedback
from .history import add_history
from .justice_data_lab import add_justice_data_lab
from .needs import add_needs
from .people import load_people, refuse_in_production
from .reviews import add_reviews
from .wales import add_wales


def load_demo_data(password: str) -> list[tuple[str, str]]:
    """Every stage of the demo, in the order of a need's life; the logins (email, who)."""
    refuse_in_production("Demo data is refused in production: it would create accounts with a known password.")
    logins, pdus, categories = load_people(password)
    add_needs(pdus, categories)
    add_bids()
    add_evaluations()
    logins += add_adviser(password)
    add_delivery()
    add_feedback()
    add_history(pdus, categories)
    add_reviews()
    add_justice_data_lab()
    logins += add_wales(password)
    keep_closed_need_bids()  # the board's kept figures, as close-needs keeps them
    return logins
