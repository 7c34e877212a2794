"""Routes that change a school's funded list: the file import (upload → preview → confirm, replace or
append chosen explicitly), its refused rows and template, one record typed in by hand, a record deleted."""
from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal import sheets, uploads
from portal.errors import saving
from portal.forms import checked
from portal.funding import bp, catalogue, importer, records
from portal.funding.forms import RecordForm
from portal.funding.models import FundingRecord
from portal.funding.pages import school_and_period, school_context
from portal.vocab import FundingImportMode, Role
from portal.web import ALL_TIERS, acting, download, render, roles_required, scope

MODES = FundingImportMode


def _import_page(school, period, status: int = 200, **context):
    values = {"preview": None, "error": None, "token": None, "filename": None, "mode": None}
    values.update(context)
    return render("funding/import.html", status=status, modes=MODES, **school_context(school, period), **values)


@bp.route("/schools/<int:school_id>/import", methods=["GET", "POST"])
@roles_required(Role.SCHOOL)
def import_list(school_id: int):
    school, period = school_and_period(school_id)
    if request.method == "GET":
        return _import_page(school, period)
    mode = request.form.get("mode")
    with saving() as saved:
        importer.check_mode(mode)
        token, filename = uploads.stage(request.files.get("file"), current_user.id)
        path, _ = uploads.staged(token, current_user.id)
        preview = importer.preview(school, period, mode, path, filename)
    if saved.refusal:
        return _import_page(school, period, saved.status, error=saved.message, mode=mode)
    return _import_page(school, period, preview=preview, token=token, filename=filename, mode=mode)


@bp.post("/schools/<int:school_id>/import/confirm")
@roles_required(Role.SCHOOL)
def confirm_import(school_id: int):
    school, period = school_and_period(school_id)
    token, mode = request.form.get("token", ""), request.form.get("mode")
    with saving() as saved:
        path, filename = uploads.staged(token, current_user.id)
        done = records.import_list(acting(), school, period, mode, path, filename)
    if saved.refusal:
        return _import_page(school, period, saved.status, error=saved.message, mode=mode)
    uploads.discard(token, current_user.id)
    flash(f"{period.label}资助名单已{done.mode_label}：导入 {done.records} 条，金额 {done.amount:,.2f} 元"
          + (f"，其中 {done.incomplete} 条信息不完整" if done.incomplete else ""))
    return redirect(url_for("funding.school_page", school_id=school.id, period=period.code), 303)


@bp.post("/schools/<int:school_id>/import/refused")
@roles_required(Role.SCHOOL)
def refused_rows(school_id: int):
    school, period = school_and_period(school_id)
    with saving() as saved:
        path, filename = uploads.staged(request.form.get("token", ""), current_user.id)
        preview = importer.preview(school, period, request.form.get("mode"), path, filename)
    if saved.refusal:
        return _import_page(school, period, saved.status, error=saved.message)
    return download(sheets.refused_rows_xlsx(preview.header, preview.errors), f"{period.label}资助名单错误行.xlsx")


@bp.get("/import/template.xlsx")
@roles_required(*ALL_TIERS)
def import_template():
    content = sheets.template_xlsx(importer.COLUMNS, importer.TEMPLATE_EXAMPLE, sheet_title="资助名单")
    return download(content, "资助名单导入模板.xlsx")


@bp.route("/schools/<int:school_id>/records/new", methods=["GET", "POST"])
@roles_required(Role.SCHOOL)
def add_record(school_id: int):
    school, period = school_and_period(school_id)
    form, saved = RecordForm(), saving()
    if request.method == "POST":
        with saved:
            added = records.add_record(acting(), school, period, **checked(form))
        if not saved.refusal:
            flash(f"已录入 {added.name} 的 {added.project.name}")
            return redirect(url_for("funding.record_list", school_id=school.id, period=period.code), 303)
    return render("funding/record_new.html", status=saved.status if saved.refusal else 200, form=form,
                  error=saved.message, projects=catalogue.projects_for_school(school), **school_context(school, period))


@bp.post("/records/<int:record_id>/delete")
@roles_required(Role.SCHOOL)
def delete_record(record_id: int):
    found = scope().owned(FundingRecord, record_id)
    school_id, period = found.school_id, found.period
    with saving() as saved:
        records.delete_record(acting(), found)
    flash(saved.message or "资助记录已删除")
    return redirect(url_for("funding.record_list", school_id=school_id, period=period), 303)
