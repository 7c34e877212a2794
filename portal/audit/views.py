"""Routes: the audit log, filtered and exported, within the reader's scope."""
from flask import request

from portal import exports
from portal.audit import bp, export_jobs
from portal.audit.services import AuditFilter, audit_entries
from portal.extensions import db
from portal.vocab import AuditAction, Role
from portal.web import acting, page_number, render, roles_required, scope



def _filters() -> AuditFilter:
    return export_jobs.filters_from(request.args)


@bp.get("/")
@roles_required(Role.PROVINCE, Role.CITY, Role.COUNTY)
def entry_list():
    entries = db.paginate(audit_entries(scope(), _filters()), page=page_number(), per_page=50, error_out=False)
    return render("audit/list.html", "audit/_table.html", entries=entries, actions=AuditAction)


@bp.get("/export.xlsx")
@roles_required(Role.PROVINCE, Role.CITY, Role.COUNTY)
def export():
    """Up to exports.IN_REQUEST_ROWS entries at once; more are written by the worker (the job page offers them)."""
    args = {key: value for key, value in request.args.items() if key in export_jobs.FILTER_ARGS and value}
    count = exports.row_count(audit_entries(scope(), _filters()), export_jobs.EXPORT_LIMIT)
    return exports.answer(count, export_jobs.KIND, {"args": args}, acting(),
                          lambda: export_jobs.audit_xlsx(acting(), scope(), _filters(),
                                                         request.query_string.decode()[:500]),
                          export_jobs.FILENAME)
