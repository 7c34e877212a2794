"""Routes of 财政资金: a region's allocations for a term against what its schools disbursed, the 003
deadlines, recording an allocation with its budget document, and the document served only within scope."""
from flask import flash, redirect, request, send_file, url_for

from portal.deadlines import services as deadlines
from portal.errors import saving
from portal.forms import checked
from portal.funding import bp, fiscal
from portal.funding.forms import AllocationForm
from portal.terms import TermError, current_term, parse_term, recent_terms
from portal.vocab import FundLevel
from portal.web import UPPER_TIERS, acting, render, roles_required, scope


def _term():
    today = deadlines.today()
    try:
        return parse_term(request.values["term"]) if request.values.get("term") else current_term(today)
    except TermError:
        return current_term(today)


def _fiscal_page(term, status: int = 200, form=None, error=None):
    region = scope().region(request.args.get("region") or scope().region_code)
    own = scope().region(scope().region_code)
    today = deadlines.today()
    return render("funding/fiscal.html", status=status, term=term, terms=recent_terms(today), region=region,
                  own=own, balances=fiscal.balances(scope(), region, term),
                  allocations=fiscal.allocations(scope(), region, term), deadlines=fiscal.deadlines(term, today),
                  my_levels=fiscal.LEVELS_OF_REGION.get(own.level, ()), projects=fiscal.national_projects(),
                  form=form or AllocationForm(own), error=error, FundLevel=FundLevel,
                  max_mb=fiscal.MAX_DOCUMENT_BYTES // 2**20)


@bp.get("/fiscal")
@roles_required(*UPPER_TIERS)
def fiscal_page():
    return _fiscal_page(_term())


@bp.post("/fiscal")
@roles_required(*UPPER_TIERS)
def record_allocation():
    term = _term()
    form = AllocationForm(scope().region(scope().region_code))
    with saving() as saved:
        fiscal.record_allocation(acting(), scope(), term, request.files.get("document"), **checked(form))
    if saved.refusal:
        return _fiscal_page(term, saved.status, form, saved.message)
    flash("财政资金信息已录入")
    return redirect(url_for("funding.fiscal_page", term=term.code), 303)


@bp.get("/fiscal/<int:allocation_id>/document")
@roles_required(*UPPER_TIERS)
def budget_document(allocation_id: int):
    allocation = fiscal.allocation_in_scope(scope(), allocation_id)
    with saving():  # the viewing is in the audit log before the file is sent
        path, name, mimetype = fiscal.document(acting(), allocation)
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/fiscal/<int:allocation_id>/delete")
@roles_required(*UPPER_TIERS)
def delete_allocation(allocation_id: int):
    allocation = fiscal.allocation_in_scope(scope(), allocation_id)
    term = allocation.term
    with saving():
        document = fiscal.delete_allocation(acting(), scope(), allocation)
    fiscal.remove_document(document)
    flash("财政资金记录已删除")
    return redirect(url_for("funding.fiscal_page", term=term), 303)
