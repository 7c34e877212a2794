"""Routes of the parent notices: a batch printed from the browser or as a PDF, who was told (in bulk), the
school's notice settings, and the province's template with its preview."""
from datetime import date
from io import BytesIO

from flask import flash, redirect, request, url_for
from flask_login import current_user

from portal.enrolment.library import class_names, grade_names
from portal.errors import saving
from portal import jobs
from portal.notices import bp, services, text
from portal.notices import jobs as notice_jobs
from portal.notices.models import NoticeMethod
from portal.notices.pdf import render_notices_pdf
from portal.org.models import School
from portal.terms import current_term
from portal.vocab import Role
from portal.web import ALL_TIERS, acting, download, render, roles_required, scope, selected_term


def _batch(school_id: int):
    school = scope().school(school_id)
    return school, selected_term(), services.Selection.from_args(request.values)


@bp.get("/schools/<int:school_id>/print")
@roles_required(*ALL_TIERS)
def print_page(school_id: int):
    """The batch on screen, one A4 notice per printed page; the toolbar (print, PDF, who was told) stays off paper."""
    school, term, selection = _batch(school_id)
    notices = services.notices_for(school, term, selection)
    with saving():
        services.record_printing(acting(), school, term, selection, len(notices), "浏览器打印页面")
    return render("notices/print.html", school=school, term=term, selection=selection, notices=notices,
                  limit=services.WEB_PDF_LIMIT, methods=NoticeMethod, today=date.today(), error=None,
                  POLICY_MARK=services.POLICY_MARK, received_text=services.received_text,
                  may_record=current_user.role == Role.SCHOOL.value)


@bp.get("/schools/<int:school_id>/notices.pdf")
@roles_required(*ALL_TIERS)
def notices_pdf(school_id: int):
    school, term, selection = _batch(school_id)
    count = services.count_selected(school, term, selection)
    if count > services.WEB_PDF_LIMIT:
        return render("notices/too_many.html", status=422, school=school, term=term, selection=selection,
                      count=count, limit=services.WEB_PDF_LIMIT)
    out = BytesIO()
    render_notices_pdf(school, term, selection, out)
    with saving():
        services.record_printing(acting(), school, term, selection, count, "下载PDF")
    return download(out.getvalue(), f"{school.name}{term.label}资助政策告知书（{selection.describe()}）.pdf",
                    "application/pdf")


@bp.post("/schools/<int:school_id>/notices-job")
@roles_required(*ALL_TIERS)
def notices_pdf_job(school_id: int):
    """A batch too large for a request: the worker makes its PDF; the job page shows the progress."""
    school, term, selection = _batch(school_id)
    job = jobs.submit(notice_jobs.KIND, {"school_id": school.id, "term": term.code, "args": selection.args()},
                      acting())
    return redirect(url_for("jobs.page", job_id=job.id), 303)


@bp.post("/schools/<int:school_id>/told")
@roles_required(Role.SCHOOL)
def record_told(school_id: int):
    school, term, selection = _batch(school_id)
    try:
        notified_on = date.fromisoformat(request.form.get("notified_on", ""))
    except ValueError:
        notified_on = None
    with saving() as saved:  # the progress hooks count the school's told students again (SchoolProgress.notified)
        count = services.record_told(acting(), school, term, selection, notified_on, request.form.get("method", ""))
    if saved.refusal:
        notices = services.notices_for(school, term, selection)
        return render("notices/print.html", status=saved.status, school=school, term=term, selection=selection,
                      notices=notices, limit=services.WEB_PDF_LIMIT, methods=NoticeMethod, today=date.today(),
                      error=saved.message, POLICY_MARK=services.POLICY_MARK,
                      received_text=services.received_text, may_record=True)
    flash(f"已登记 {count} 名学生的家长已被告知")
    return redirect(url_for("enrolment.library", school_id=school.id, term=term.code, **selection.args()), 303)


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(Role.SCHOOL)
def settings_page():
    """The school's part of its notices: the aid office's contact, its own paragraph, the application date."""
    school, term = current_user.school, current_term()
    settings = services.school_settings(school.id)
    error = None
    if request.method == "POST":
        form = request.form
        try:
            apply_by = date.fromisoformat(form["apply_by"]) if form.get("apply_by") else None
        except ValueError:
            apply_by = None
        with saving() as saved:
            services.save_settings(acting(), school, form.get("contact", ""), form.get("school_paragraph", ""),
                                   apply_by)
        if not saved.refusal:
            flash("告知书设置已保存")
            return redirect(url_for("notices.settings_page"), 303)
        error = saved.message
        settings.contact, settings.school_paragraph = form.get("contact"), form.get("school_paragraph")
    template = services.current_template()
    return render("notices/settings.html", status=422 if error else 200, school=school, settings=settings,
                  template=template, error=error, classes=class_names(school.id, term.code),
                  grades=grade_names(school.id, term.code), term=term,
                  notice=services.preview(school, term, template, settings), POLICY_MARK=services.POLICY_MARK,
                  received_text=services.received_text, placeholders=text.PLACEHOLDERS)


@bp.route("/template", methods=["GET", "POST"])
@roles_required(Role.PROVINCE)
def template_page():
    """The province's notice text; 预览 shows it filled for a made-up student without saving."""
    saved = services.current_template()
    form = request.form
    template, error, previewing = saved, None, False
    if request.method == "POST":
        template = services.Template(form.get("title", ""), form.get("body", ""),
                                     form.get("school_paragraph_allowed") == "1")
        with saving() as checked:
            services.check_template(template.title, template.body)
            if form.get("action") == "save":
                services.save_template(acting(), template.title, template.body, template.school_paragraph_allowed)
        error = checked.message
        if not error and form.get("action") == "save":
            flash("告知书模板已保存，各校打印的告知书即用新模板")
            return redirect(url_for("notices.template_page"), 303)
        previewing = not error
    notice = None if error else services.preview(_sample_school(), current_term(), template)
    return render("notices/template.html", status=422 if error else 200, template=template, saved=saved, error=error,
                  previewing=previewing, notice=notice, placeholders=text.PLACEHOLDERS,
                  POLICY_MARK=services.POLICY_MARK, received_text=services.received_text)


def _sample_school() -> School:
    """A made-up junior school under the province, never saved: the preview shows the province's own projects."""
    return School(name="（示例）某某初级中学", stages="junior", region_code=scope().root_code)
