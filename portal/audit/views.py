"""Routes: the audit log, filtered and exported, within the reader's scope."""
from datetime import date

from flask import request

from portal import sheets
from portal.audit import bp
from portal.audit.services import AuditFilter, Target, audit_entries, record
from portal.extensions import db
from portal.vocab import AuditAction, Role
from portal.web import acting, download, page_number, render, roles_required, scope


EXPORT_LIMIT = 100_000


def _filters() -> AuditFilter:
    return AuditFilter(
        action=request.args.get("action") or None,
        actor=request.args.get("actor", "").strip() or None,
        target=request.args.get("target", "").strip() or None,
        date_from=_date(request.args.get("from")),
        date_to=_date(request.args.get("to")),
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.get("/")
@roles_required(Role.PROVINCE, Role.CITY, Role.COUNTY)
def entry_list():
    entries = db.paginate(audit_entries(scope(), _filters()), page=page_number(), per_page=50, error_out=False)
    return render("audit/list.html", "audit/_table.html", entries=entries, actions=AuditAction)


@bp.get("/export.xlsx")
@roles_required(Role.PROVINCE, Role.CITY, Role.COUNTY)
def export():
    entries = db.session.scalars(audit_entries(scope(), _filters()).limit(EXPORT_LIMIT))
    rows = ([entry.at.strftime("%Y-%m-%d %H:%M:%S"), entry.actor_name, AuditAction.label_of(entry.action),
             entry.target_label or "", entry.detail or "", entry.ip or ""] for entry in entries)
    content = sheets.stream_xlsx(["时间", "操作人", "操作", "对象", "详情", "来源地址"], rows)
    record(acting(), AuditAction.EXPORT, Target("audit", None, "审计日志"), request.query_string.decode()[:500])
    db.session.commit()
    return download(content, "审计日志.xlsx")
