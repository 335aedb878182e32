"""(being written)"""

from . import bp


@bp.get("/contracts/<int:contract_id>")
def show(contract_id):
    raise NotImplementedError
