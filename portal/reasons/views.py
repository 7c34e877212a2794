"""Routes: the school's unfunded-reasons page (inline saves, one reason for many, submit) and the province's
list of standard reasons. htmx requests get the row / table / summary fragment; others the page."""
from functools import partial

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.deadlines import periods as work_periods, services as deadlines
from portal.errors import saving
from portal.extensions import db
from portal.funding import records as funding_records
from portal.reasons import bp, options, services
from portal.terms import recent_terms
from portal.vocab import Role, SubmissionKind
from portal.web import acting, page_number, render, roles_required, school_and_period, scope, wants_fragment


CHANGED = "reasons-changed"  # HX-Trigger: the summary refreshes itself when a reason is saved
NOTE_HINT = "请填写说明，然后按“保存”"
REASONS = SubmissionKind.REASONS


def _my_school_and_period(code: str | None):
    """The school's own record and a period it reports unfunded reasons in (the current one if none), or 404."""
    return school_and_period(current_user.school_id, code, partial(work_periods.named_period, kind=REASONS))


def _filters(source) -> dict:
    show = source.get("show") if source.get("show") in ("missing", "done", "unfit") else None
    return {"show": show, "class_name": source.get("class") or None, "select_all": source.get("select") == "all"}


def _context(school, period, show=None, class_name=None, select_all=False, error=None, message=None,
             bulk_error=None, selected=()) -> dict:
    students = db.paginate(services.student_table(school, period, show, class_name), page=page_number(),
                           per_page=50, error_out=False)
    periods = [p for term in recent_terms(deadlines.today(), 3) for p in work_periods.periods(school, REASONS, term)]
    if period not in periods:
        periods.append(period)
    periods.sort(key=lambda each: each.starts, reverse=True)  # 中职 months of three terms: newest first, as funding
    ids = [student.id for student in students.items]
    return dict(
        school=school, period=period, periods=periods, students=students, state=services.standing(school, period),
        reasons=services.reasons_for(ids, period), poor_ids=services.registered_poor_ids(ids),
        unfit=options.NOT_FOR_REGISTERED_POOR,
        options=options.active_options(), labels=options.labels(), classes=services.classes(school, period),
        show=show, class_name=class_name, select_all=select_all, error=error, message=message, bulk_error=bulk_error,
        selected=selected,
        today=deadlines.today(),
        funding_list=funding_records.list_state(school, period, SubmissionKind.FUNDING) if period.is_month else None,
    )


@bp.get("/")
@roles_required(Role.SCHOOL)
def school_page():
    school, period = _my_school_and_period(request.args.get("period"))
    return render("reasons/page.html", "reasons/_table.html", **_context(school, period, **_filters(request.args)))


@bp.get("/<period_code>/summary")
@roles_required(Role.SCHOOL)
def summary(period_code: str):
    """The status card, fetched again after every change of a reason: for htmx only what the card shows."""
    school, period = _my_school_and_period(period_code)
    if wants_fragment():
        return render("reasons/_summary.html", school=school, period=period, state=services.standing(school, period),
                      today=deadlines.today())
    return render("reasons/page.html", **_context(school, period))


def _changed(response):
    response.headers["HX-Trigger"] = CHANGED
    return response


@bp.post("/<period_code>/students/<int:student_id>")
@roles_required(Role.SCHOOL)
def save_reason(period_code: str, student_id: int):
    school, period = _my_school_and_period(period_code)
    form = request.form
    with saving() as saved:
        services.set_reason(acting(), scope(), period.code, student_id, form.get("reason", ""), form.get("note"),
                            form.get("version", ""))
    if saved.refusal:
        draft = None if saved.status == 409 else {"code": form.get("reason", ""), "note": form.get("note", ""),
                                                  "version": form.get("version", "")}
        # The row saves itself on change; only its 保存 button (or Enter) sends "save". Picking a reason that
        # needs a note is not yet a save without one: the row waits for the note instead of showing an error.
        if wants_fragment() and "save" not in form and isinstance(saved.refusal, services.NoteMissing):
            return _row(school, period, student_id, draft=draft, hint=NOTE_HINT)
        if wants_fragment():
            return _row(school, period, student_id, error=saved.message, draft=draft)
        return render("reasons/page.html", status=saved.status, **_context(school, period, error=saved.message))
    if wants_fragment():
        return _changed(_row(school, period, student_id, saved=True))
    flash("已保存")
    return redirect(url_for("reasons.school_page", period=period.code), 303)


def _row(school, period, student_id: int, error=None, draft=None, saved=False, hint=None):
    student = services.row_student(scope(), school, period, student_id)
    return render("reasons/_row.html", student=student, reason=services.reasons_for([student.id], period).get(student.id),
                  poor_ids=services.registered_poor_ids([student.id]), unfit=options.NOT_FOR_REGISTERED_POOR,
                  state=services.standing(school, period, with_missing=False), options=options.active_options(),
                  labels=options.labels(), period=period, error=error, draft=draft, saved=saved, hint=hint, select_all=False,
                  selected=())


@bp.post("/<period_code>/bulk")
@roles_required(Role.SCHOOL)
def bulk(period_code: str):
    school, period = _my_school_and_period(period_code)
    filters = _filters(request.form)
    with saving() as saved:
        result = services.set_reasons_bulk(acting(), scope(), school, period.code, request.form.getlist("student"),
                                           request.form.get("reason", ""), request.form.get("note"))
    if saved.refusal:
        kept = _ticked(request.form.getlist("student"))  # a refused bulk leaves the clerk's ticks as they were
        if wants_fragment():
            return render("reasons/_table.html", **_context(school, period, **filters, bulk_error=saved.message,
                                                             selected=kept))
        return render("reasons/page.html", status=saved.status, **_context(school, period, **filters,
                                                                            error=saved.message, selected=kept))
    message = f"已为 {result.saved} 名学生设置原因"
    if result.stale:
        message += f"；以下学生的原因已被他人修改，未覆盖，请确认：{'、'.join(result.stale)}"
    if wants_fragment():
        return _changed(render("reasons/_table.html", **_context(school, period, **filters, message=message)))
    flash(message)
    return redirect(url_for("reasons.school_page", period=period.code, show=filters["show"],
                            **{"class": filters["class_name"]}), 303)


def _ticked(selections: list[str]) -> set[int]:
    return {int(item.partition(":")[0]) for item in selections if item.partition(":")[0].isdigit()}


@bp.post("/<period_code>/submit")
@roles_required(Role.SCHOOL)
def submit(period_code: str):
    school, period = _my_school_and_period(period_code)
    with saving() as saved:
        state = services.submit_period(acting(), school, period.code)
    if saved.refusal:
        return render("reasons/page.html", status=saved.status, **_context(school, period, error=saved.message))
    flash(f"{period.label}未资助原因已提交，等待主管部门审核"
          + (f"；另有 {state.without_level} 名学生尚未认定困难等级，请在就学信息库中尽快认定" if state.without_level else ""))
    return redirect(url_for("reasons.school_page", period=period.code), 303)


# -- the province's list of reasons --------------------------------------------------------------------
@bp.get("/options")
@roles_required(Role.PROVINCE, Role.CITY, Role.COUNTY)
def option_list():
    return _options_page()


def _options_page(saved: saving | None = None):
    """The list of reasons, with a refused change's message when there is one."""
    return render("reasons/options.html", status=saved.status if saved else 200, options=options.all_options(),
                  unfit=options.NOT_FOR_REGISTERED_POOR, error=saved.message if saved else None)


@bp.post("/options")
@roles_required(Role.PROVINCE)
def add_option():
    form = request.form
    with saving() as saved:
        options.add_option(acting(), form.get("code", ""), form.get("label", ""), form.get("needs_note") == "1",
                           form.get("position", "100"))
    if saved.refusal:
        return _options_page(saved)
    flash("已新增原因")
    return redirect(url_for("reasons.option_list"), 303)


@bp.post("/options/<int:option_id>")
@roles_required(Role.PROVINCE)
def edit_option(option_id: int):
    option = db.session.get(options.ReasonOption, option_id) or abort(404)
    form = request.form
    with saving() as saved:
        options.update_option(acting(), option, form.get("label", ""), form.get("needs_note") == "1",
                              form.get("active") == "1", form.get("position", "0"))
    if saved.refusal:
        return _options_page(saved)
    flash(f"已保存：{option.label}")
    return redirect(url_for("reasons.option_list"), 303)
