"""Routes: the drill-down tree, region and school pages, school changes, registry imports."""
from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal import sheets, uploads
from portal.accounts.models import User
from portal.errors import saving
from portal.extensions import db
from portal.org import bp, registry, services
from portal.org.models import Region
from portal.vocab import Role
from portal.web import UPPER_TIERS, acting, download, page_number, render, roles_required, scope


KIND_LABELS = {"regions": "行政区划", "schools": "学校"}


@bp.get("/tree/<code>")
@roles_required(*UPPER_TIERS)
def tree_branch(code: str):
    branch = services.branch(scope(), scope().region(code))
    return render("org/region.html", "org/_branch.html", branch=branch,
                  trail=services.breadcrumb(scope(), branch.region))


@bp.get("/regions/<code>")
@roles_required(*UPPER_TIERS)
def region_page(code: str):
    branch = services.branch(scope(), scope().region(code))
    return render("org/region.html", branch=branch, trail=services.breadcrumb(scope(), branch.region))


@bp.get("/schools")
@roles_required(*UPPER_TIERS)
def school_list():
    text = request.args.get("q", "").strip()
    query = services.school_search(scope(), text, request.args.get("region"), request.args.get("status"))
    schools = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    regions = db.session.scalars(scope().regions().order_by(Region.code)).all()
    return render("org/schools.html", "org/_school_table.html", schools=schools, regions=regions, search=text)


@bp.get("/schools/<int:school_id>")
@roles_required(*UPPER_TIERS)
def school_page(school_id: int):
    return _school_page(scope().school(school_id))


def _school_page(school, error: str | None = None, status: int = 200):
    accounts = db.session.scalars(select(User).where(User.school_id == school.id).order_by(User.username)).all()
    return render("org/school.html", school=school, accounts=accounts, move_targets=services.move_targets(scope()),
                  error=error, status=status)


@bp.post("/schools/<int:school_id>/active")
@roles_required(Role.PROVINCE)
def set_school_active(school_id: int):
    school = scope().school(school_id)
    with saving():
        services.set_school_active(acting(), school, request.form.get("active") == "1")
    flash(f"{school.name} 已{'恢复为有效学校' if school.active else '标记为无效学校，其账号不能再登录'}")
    return redirect(url_for("org.school_page", school_id=school.id), 303)


@bp.post("/schools/<int:school_id>/move")
@roles_required(*services.MOVERS)
def move_school(school_id: int):
    school = scope().school(school_id)
    with saving() as saved:
        services.move_school(acting(), scope(), school, request.form.get("region_code", ""))
    if saved.refusal:
        return _school_page(scope().school(school_id), error=saved.message, status=saved.status)
    flash(f"{school.name} 已调整到 {school.region.name}")
    return redirect(url_for("org.school_page", school_id=school.id), 303)


# -- registry import: upload → preview → confirm ------------------------------------------------
@bp.route("/import/<any(regions, schools):kind>", methods=["GET", "POST"])
@roles_required(Role.PROVINCE)
def registry_import(kind: str):
    if request.method == "GET":
        return render("org/import.html", kind=kind, label=KIND_LABELS[kind], preview=None, error=None)
    with saving() as saved:
        token, filename = uploads.stage(request.files.get("file"), current_user.id)
        path, _ = uploads.staged(token, current_user.id)
        preview = registry.preview(kind, path, filename)
    if saved.refusal:
        return render("org/import.html", kind=kind, label=KIND_LABELS[kind], preview=None, error=saved.message,
                      status=saved.status)
    return render("org/import.html", kind=kind, label=KIND_LABELS[kind], preview=preview, token=token,
                  filename=filename, error=None)


@bp.post("/import/<any(regions, schools):kind>/confirm")
@roles_required(Role.PROVINCE)
def confirm_import(kind: str):
    token = request.form.get("token", "")
    with saving() as saved:
        path, filename = uploads.staged(token, current_user.id)
        done = registry.apply(acting(), kind, path, filename)
    if saved.refusal:
        return render("org/import.html", kind=kind, label=KIND_LABELS[kind], preview=None, error=saved.message,
                      status=saved.status)
    uploads.discard(token, current_user.id)
    flash(f"{KIND_LABELS[kind]}导入完成：新增 {done.new}，更新 {done.changed}")
    return redirect(url_for("org.registry_import", kind=kind), 303)


@bp.post("/import/<any(regions, schools):kind>/refused")
@roles_required(Role.PROVINCE)
def refused_rows(kind: str):
    """The refused rows of a previewed file, with a reason column, to correct and upload again."""
    with saving() as saved:
        path, filename = uploads.staged(request.form.get("token", ""), current_user.id)
        preview = registry.preview(kind, path, filename)
    if saved.refusal:
        return render("org/import.html", kind=kind, label=KIND_LABELS[kind], preview=None, error=saved.message,
                      status=saved.status)
    return download(sheets.refused_rows_xlsx(preview.header, preview.errors), f"{KIND_LABELS[kind]}导入错误行.xlsx")


@bp.get("/import/<any(regions, schools):kind>/template.xlsx")
@roles_required(Role.PROVINCE)
def import_template(kind: str):
    columns = registry.KINDS[kind]
    example = registry.TEMPLATE_EXAMPLES[kind]
    return download(sheets.template_xlsx(columns, example, sheet_title=KIND_LABELS[kind]),
                    f"{KIND_LABELS[kind]}导入模板.xlsx")
