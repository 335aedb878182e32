"""Where a package adds to one below it without that package importing it: imports run one
way (the layers in pyproject.toml's [tool.importlinter]). Flask's own signal library,
blinker, carries them, as Indico's modules extend each other. Every extension point is
here, so one page lists them all:

- `who_to_tell`, sent with a need when it changes (amended, withdrawn, cancelled): each
  receiver returns more users to tell. Bids adds the members of every bidding organisation.
- `lot_in_use`, sent with a lot about to be removed from its need: each receiver returns
  why it cannot be, or None. Bids refuses while a bid has been started on it.
- `bid_page`, sent with a bid whose page is being shown: each receiver returns more values
  for the page. Evaluation adds the outcome (a price explanation asked for, summaries).
- `bid_outcomes`, sent with a tuple of bid ids (the provider's list of its bids): each
  receiver returns {bid id: {name: value}} for the bids it knows more of, merged per bid.
  Evaluation adds `won` and `announced_at` once the bidder has been sent its assessment
  summary (never before), contracts the `contract_id` made from the bid.
- `contract_of`, sent with an award decision: contracts returns the contract made from
  it, or None. The evaluation overview links to it.
- `contract_page`, sent with a contract whose page is being shown: each receiver returns
  more values for the page. Board adds the latest partnership review.
- `contracting_event`, sent with the object of a published step of a contracting process,
  in the transaction that makes it, with `kind` (the OCDS release tag: "tender",
  "tenderAmendment", "tenderCancellation", "award", "contract", "implementation",
  "contractAmendment") and `at` (when it happened). The sender: the need (tender,
  cancellation), the amendment, the award decision taking effect, the contract, the
  payment paid, the outcome report's submission (submitted, approved or returned), the
  variation accepted. Open data writes the OCDS release.
- `wants_daily_summary`, sent with an email address as an email to it is queued: each
  receiver returns True when that person chose one email a day. Accounts answers from the
  user's email settings; notifications then holds the email for the daily summary.
- `language_of`, sent with an email address as an email to it is queued: a receiver
  returns the language ("en" or "cy") that person reads the service in. Accounts answers
  from the user's profile; notifications writes the email in it.
- `invitation_accepted`, sent with an invitation as it is accepted, in the same
  transaction, with `user` and `membership`. Evaluation puts a lived-experience adviser
  invited to a need's panel on that panel.
"""

from blinker import Namespace

_signals = Namespace()

who_to_tell = _signals.signal("who-to-tell")
lot_in_use = _signals.signal("lot-in-use")
bid_page = _signals.signal("bid-page")
bid_outcomes = _signals.signal("bid-outcomes")
contract_of = _signals.signal("contract-of")
contract_page = _signals.signal("contract-page")
contracting_event = _signals.signal("contracting-event")
wants_daily_summary = _signals.signal("wants-daily-summary")
language_of = _signals.signal("language-of")
invitation_accepted = _signals.signal("invitation-accepted")


def answers(signal, sender) -> list:
    """What every receiver of `signal` returned for `sender`, in the order they connected."""
    return [value for _, value in signal.send(sender)]


def first_answer(signal, sender):
    """The first answer that is not None, or None."""
    return next((value for value in answers(signal, sender) if value is not None), None)


def page_values(signal, sender) -> dict:
    """The receivers' values for a page, merged."""
    merged: dict = {}
    for values in answers(signal, sender):
        merged.update(values)
    return merged


def merged_by_key(signal, sender) -> dict:
    """The receivers' {key: {name: value}} answers for `sender`, merged key by key."""
    merged: dict = {}
    for values in answers(signal, sender):
        for key, more in values.items():
            merged.setdefault(key, {}).update(more)
    return merged
