"""The audit log's export: written in the request when small, by the worker when large (portal/exports.py).
Entries are read a batch at a time as plain rows, within the asking user's scope and the page's filters."""
from datetime import date

from portal.audit.models import AuditEntry
from portal.audit.services import Actor, AuditFilter, Target, audit_entries, record
from portal.exports import batches, row_count, scope_of_actor, started
from portal.jobs import JobRefused, Outcome, job_kind
from portal.scope import Scope
from portal.sheet_writer import stream_xlsx
from portal.vocab import AuditAction

KIND = "audit_export"
EXPORT_LIMIT = 100_000
FILENAME = "审计日志.xlsx"
FILTER_ARGS = ("action", "actor", "target", "from", "to")
HEADERS = ["时间", "操作人", "操作", "对象", "详情", "来源地址"]


def filters_from(args) -> AuditFilter:
    """The log page's filters from its query arguments (a request's, or those a job kept)."""
    return AuditFilter(
        action=args.get("action") or None,
        actor=(args.get("actor") or "").strip() or None,
        target=(args.get("target") or "").strip() or None,
        date_from=_date(args.get("from")),
        date_to=_date(args.get("to")),
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def audit_xlsx(actor: Actor, scope: Scope, filters: AuditFilter, asked: str, progress=None) -> bytes:
    """The entries (newest first, up to EXPORT_LIMIT) as xlsx; the export is recorded (the caller commits)."""
    entry = AuditEntry
    query = (audit_entries(scope, filters)
             .with_only_columns(entry.at, entry.actor_name, entry.action, entry.target_label, entry.detail, entry.ip)
             .limit(EXPORT_LIMIT))

    def lines():
        for rows in batches(query, progress):
            for at, actor_name, action, target_label, detail, ip in rows:
                yield [at.strftime("%Y-%m-%d %H:%M:%S"), actor_name, AuditAction.label_of(action), target_label or "",
                       detail or "", ip or ""]

    content = stream_xlsx(HEADERS, lines())
    record(actor, AuditAction.EXPORT, Target("audit", None, "审计日志"), asked)
    return content


@job_kind(KIND, "导出审计日志", unit="条")
def export_audit(params: dict, actor, progress) -> Outcome:
    """params: args (the log page's filter arguments)."""
    scope = scope_of_actor(actor)
    if not scope.reads_audit:
        raise JobRefused("您的账号不能查看审计日志，未导出任何数据。")
    args = params.get("args", {})
    filters = filters_from(args)
    total = row_count(audit_entries(scope, filters), EXPORT_LIMIT)
    asked = "&".join(f"{key}={value}" for key, value in args.items())[:500]
    content = audit_xlsx(actor, scope, filters, asked, progress=started(progress, total))
    return Outcome(f"已导出 {total:,} 条审计记录，请下载文件。", file=(content, FILENAME))
