"""Routes: the deadline calendar (every tier reads it; the province edits a row in place)."""
from flask import Blueprint, abort, flash, redirect, request, url_for

from portal.deadlines import services
from portal.extensions import db
from portal.vocab import DeadlineTask, Role, Stage
from portal.web import acting, render, roles_required, wants_fragment

bp = Blueprint("deadlines", __name__, url_prefix="/deadlines")

READERS = (Role.PROVINCE, Role.CITY, Role.COUNTY, Role.SCHOOL)


@bp.get("/")
@roles_required(*READERS)
def calendar():
    stage, task = request.args.get("stage") or None, request.args.get("task") or None
    rows = services.calendar_rows(stage, task)
    return render("deadlines/calendar.html", "deadlines/_table.html", rows=rows, stages=Stage, tasks=DeadlineTask,
                  stage=stage, task=task, error=None, failed_id=None)


@bp.post("/<int:deadline_id>")
@roles_required(Role.PROVINCE)
def edit(deadline_id: int):
    rule = services.deadline(deadline_id) or abort(404)
    try:
        services.update_deadline(acting(), rule, request.form.get("month"), request.form.get("day", ""),
                                 request.form.get("note"))
    except services.DeadlineError as refusal:
        db.session.rollback()
        rule = services.deadline(deadline_id)
        if wants_fragment():
            return render("deadlines/_row.html", rule=rule, error=str(refusal))
        rows = services.calendar_rows()
        return render("deadlines/calendar.html", rows=rows, stages=Stage, tasks=DeadlineTask, stage=None, task=None,
                      error=str(refusal), failed_id=deadline_id, status=422)
    db.session.commit()
    if wants_fragment():
        return render("deadlines/_row.html", rule=rule, error=None, saved=True)
    flash(f"{rule.stage_label}·{rule.task_label}（{rule.cycle_label}）截止日期已改为{rule.day_label}")
    return redirect(url_for("deadlines.calendar"), 303)
