"""The refusals of the bid rules: BidError for a rule broken (its message is fit to show
the user), BidClosed when the need has closed or ended. Both are Refusals, so views show
them through refusals.committed like every other service's."""

from ..refusals import Refusal


class BidError(Refusal):
    """A rule of bidding was broken; the message is fit to show the user."""


class BidClosed(BidError):
    """The need has closed (or ended): nothing more can be submitted or changed."""
