"""Routes: the deadline calendar, one table per stage as 003's annexes print them (every tier reads it, a
school sees its own stages first); the province edits one date in place (or on its own page without htmx)."""
from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from portal.deadlines import bp, services
from portal.errors import saving
from portal.vocab import DeadlineModule, DeadlineParty, Role, Stage
from portal.web import acting, render, roles_required, wants_fragment


READERS = (Role.PROVINCE, Role.CITY, Role.COUNTY, Role.SCHOOL)
MINE = "mine"  # the stage filter's value for "the stages of my school"
PARTIES = {DeadlineParty.SCHOOL.value: "学校", DeadlineParty.AUTHORITY.value: "主管部门"}


def _filters() -> dict:
    args = request.args
    school = current_user.school if current_user.role == Role.SCHOOL.value else None
    stage = args.get("stage", MINE if school else "")
    stages = [s.value for s in school.stage_list] if school and stage == MINE else [stage] if stage else None
    return {"stage": stage, "stages": stages, "module": args.get("module") or None,
            "cycle": args.get("cycle") if args.get("cycle") in services.CYCLE_GROUPS else None,
            "party": args.get("party") if args.get("party") in PARTIES else None}


@bp.get("/")
@roles_required(*READERS)
def calendar():
    filters = _filters()
    tables = services.calendar_tables(filters["stages"], filters["module"], filters["cycle"], filters["party"])
    return render("deadlines/calendar.html", "deadlines/_tables.html", tables=tables, all_stages=Stage,
                  modules=DeadlineModule, cycles=services.CYCLE_GROUPS, parties=PARTIES, mine=MINE, **filters)


@bp.get("/<int:deadline_id>")
@roles_required(*READERS)
def show(deadline_id: int):
    """One date as the table shows it (what an edit's 取消 puts back); without htmx, the calendar."""
    rule = services.deadline(deadline_id) or abort(404)
    if wants_fragment():
        return render("deadlines/_date.html", rule=rule)
    return redirect(url_for("deadlines.calendar", stage=rule.stage, _anchor=f"deadline-{rule.id}"))


@bp.get("/<int:deadline_id>/edit")
@roles_required(Role.PROVINCE)
def edit_form(deadline_id: int):
    rule = services.deadline(deadline_id) or abort(404)
    return render("deadlines/edit.html", "deadlines/_edit.html", rule=rule, error=None)


@bp.post("/<int:deadline_id>")
@roles_required(Role.PROVINCE)
def edit(deadline_id: int):
    rule = services.deadline(deadline_id) or abort(404)
    with saving() as saved:
        services.update_deadline(acting(), rule, request.form.get("month"), request.form.get("day", ""),
                                 request.form.get("note"))
    if saved.refusal:
        rule = services.deadline(deadline_id)
        # the fragment answers 200 so that htmx swaps the message in beside the field
        return render("deadlines/edit.html", "deadlines/_edit.html", rule=rule, error=saved.message,
                      status=200 if wants_fragment() else saved.status)
    if wants_fragment():
        return render("deadlines/_date.html", rule=rule, saved=True)
    flash(f"{rule.title}截止日期已改为{rule.day_label}")
    return redirect(url_for("deadlines.calendar", stage=rule.stage, _anchor=f"deadline-{rule.id}"), 303)
