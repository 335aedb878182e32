"""(being written)"""

from . import bp


@bp.get("/bids/<int:bid_id>/explanation")
def explain(bid_id):
    raise NotImplementedError


@bp.get("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/abnormally-low")
def low_bid(need_id, bid_id):
    raise NotImplementedError


@bp.get("/sign-offs/<int:decision_id>")
def sign_off(decision_id):
    raise NotImplementedError


@bp.get("/bids/<int:bid_id>/summary")
def summary(bid_id):
    raise NotImplementedError


@bp.get("/needs/<int:need_id>/lots/<int:lot_id>/award")
def award(need_id, lot_id):
    raise NotImplementedError


@bp.get("/sign-offs")
def sign_offs():
    raise NotImplementedError
