"""(being written)"""

from . import bp


@bp.get("/contracts/<int:contract_id>")
def show(contract_id):
    raise NotImplementedError


@bp.get("/needs/<int:need_id>/lots/<int:lot_id>/contract")
def new_contract(need_id, lot_id):
    raise NotImplementedError
