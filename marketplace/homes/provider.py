"""A provider's part of the home page: its organisations, bids and contracts."""

from ..bids.routes import bids_by_state
from ..contracts import services as contract_services


def context(user) -> dict:
    organisations = user.organisations
    return {
        "organisations": organisations,
        "bid_groups": bids_by_state(user) if organisations else [],
        "contracts": contract_services.contracts_of(user) if organisations else [],
    }
