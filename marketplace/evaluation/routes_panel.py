"""(being written)"""

from . import bp


@bp.get("/needs/<int:need_id>/evaluation")
def overview(need_id):
    raise NotImplementedError


@bp.get("/needs/<int:need_id>/evaluation/mine")
def my_evaluation(need_id):
    raise NotImplementedError


@bp.get("/needs/<int:need_id>/evaluation/bids/<int:bid_id>/scores")
def scores(need_id, bid_id):
    raise NotImplementedError


@bp.get("/needs/<int:need_id>/evaluation/lots/<int:lot_id>/ranking")
def ranking(need_id, lot_id):
    raise NotImplementedError
