"""The open data pages, for anyone, no sign-in: what is published and under which licence
(/open-data), the contracts awarded (/contracts/public) and the grants as 360Giving
(/360giving/grants.json). The OCDS files are served by marketplace/opendata."""

from flask import abort, current_app, jsonify, render_template, request

from ..opendata.ocds import LICENSE
from ..paging import requested_page
from . import bp, grants
from . import public_contracts as public


@bp.get("/open-data")
def open_data():
    return render_template(
        "main/open_data.html",
        ocds_prefix=current_app.config["OCDS_PREFIX"],
        grants_prefix=current_app.config["GRANTS_360_PREFIX"],
        licence_url=LICENSE,
    )


@bp.get("/contracts/public")
def public_contracts():
    form = public.PublicContractFilterForm(formdata=request.args)
    form.validate()  # a filter with a problem is shown by its field and left out
    page = public.find_contracts(form, requested_page())
    contracts = list(page.items)
    return render_template(
        "contracts/public/list.html",
        form=form,
        page=page,
        contracts=contracts,
        timeliness=public.timeliness_by_contract(contracts),
        extra_args=form.query_args(),
        filtered=bool(form.query_args()),
    )


@bp.get("/contracts/public/<int:contract_id>")
def public_contract(contract_id):
    found = public.public_contract(contract_id)
    if found is None:
        abort(404)
    return render_template("contracts/public/show.html", c=found, contract=found.contract)


@bp.get("/360giving/grants.json")
def grants_json():
    response = jsonify(grants.grants_package())
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
