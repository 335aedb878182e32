"""(being written)"""

from . import bp


@bp.get("/needs/<int:need_id>/evaluation")
def overview(need_id):
    raise NotImplementedError


@bp.get("/needs/<int:need_id>/evaluation/mine")
def my_evaluation(need_id):
    raise NotImplementedError
