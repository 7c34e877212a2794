"""Routes of account management by the tiers above: the account list, creating, disabling, resetting a
password or a second factor (all inside the manager's scope), and the province's per-school TOTP switch."""
from datetime import datetime

from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import or_

from portal.accounts import bp, second_factor, services
from portal.accounts.forms import CreateUserForm
from portal.accounts.models import User
from portal.errors import saving
from portal.extensions import db
from portal.org.models import Region, School
from portal.vocab import Department, RegionLevel, Role
from portal.web import acting, page_number, render, roles_required, scope, wants_fragment

MANAGERS = (Role.PROVINCE, Role.CITY, Role.COUNTY)


@bp.get("/accounts")
@roles_required(*MANAGERS)
def account_list():
    search = request.args.get("q", "").strip()
    query = scope().users().outerjoin(School, User.school_id == School.id)
    if search:
        query = query.where(or_(User.username.contains(search, autoescape=True),
                                User.display_name.contains(search, autoescape=True),
                                School.name.contains(search, autoescape=True),
                                School.code == search))
    if role := request.args.get("role"):
        query = query.where(User.role == role)
    users = db.paginate(query.order_by(User.role, User.username), page=page_number(), per_page=50, error_out=False)
    return render("accounts/list.html", "accounts/_table.html", users=users, search=search,
                  roles=services.creatable_roles(current_user))


@bp.route("/accounts/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def create_account():
    form = CreateUserForm()
    roles = services.creatable_roles(current_user)
    form.role.choices = [(role.value, role.label) for role in roles]
    form.region_code.choices = region_choices()
    form.department.choices = Department.choices()
    error = None
    if form.validate_on_submit():
        with saving() as saved:
            user, password = services.create_user(
                acting(), scope(), username=form.username.data, display_name=form.display_name.data,
                role=form.role.data, region_code=form.region_code.data, school_code=form.school_code.data,
                department=form.department.data)
        if not saved.refusal:
            return render("accounts/password_issued.html", user=user, password=password, created=True)
        error = saved.message
    return render("accounts/new.html", form=form, error=error)


def region_choices() -> list[tuple[str, str]]:
    regions = db.session.scalars(
        scope().regions().where(Region.level != RegionLevel.PROVINCE.value).order_by(Region.code)
    )
    return [(region.code, f"{region.code} {region.name}") for region in regions]


@bp.post("/accounts/<int:user_id>/active")
@roles_required(*MANAGERS)
def set_active(user_id: int):
    user = scope().managed_user(user_id)
    with saving():
        services.set_active(acting(), user, request.form.get("active") == "1")
    if wants_fragment():
        return render("accounts/_row.html", user=user)
    flash(f"账号 {user.username} 已{'启用' if user.active else '停用'}")
    return redirect(url_for("accounts.account_list"), 303)


@bp.post("/accounts/<int:user_id>/reset")
@roles_required(*MANAGERS)
def reset_password(user_id: int):
    user = scope().managed_user(user_id)
    with saving():
        password = services.reset_password(acting(), user)
    return render("accounts/password_issued.html", user=user, password=password, created=False)


@bp.post("/accounts/<int:user_id>/second-factor/reset")
@roles_required(*MANAGERS)
def reset_second_factor(user_id: int):
    user = scope().managed_user(user_id)
    with saving():
        second_factor.reset(acting(), user)
    if wants_fragment():
        return render("accounts/_row.html", user=user)
    flash(f"账号 {user.username} 的双因素认证已重置，对方下次登录时须重新绑定认证器")
    return redirect(url_for("accounts.account_list"), 303)


@bp.get("/accounts/second-factor/schools")
@roles_required(Role.PROVINCE)
def school_second_factor():
    required = db.paginate(second_factor.schools_requiring(scope()), page=page_number(), per_page=50,
                           error_out=False)
    return render("accounts/school_second_factor.html", required=required)


@bp.post("/accounts/second-factor/schools")
@roles_required(Role.PROVINCE)
def require_school_second_factor():
    code = request.form.get("school_code", "").strip()
    school = db.session.scalar(scope().schools().where(School.code == code)) if code else None
    if school is None:
        flash("学校标识码不存在，请核对后重新输入")
    else:
        with saving():
            required = second_factor.require_for_school(acting(), school, datetime.now())
        flash(f"已要求{school.name}的账号使用双因素认证：其账号下次打开任何页面时须先绑定认证器" if required
              else f"{school.name}已在名单中")
    return redirect(url_for("accounts.school_second_factor"), 303)


@bp.post("/accounts/second-factor/schools/<int:school_id>/relax")
@roles_required(Role.PROVINCE)
def relax_school_second_factor(school_id: int):
    school = scope().school(school_id)
    with saving():
        second_factor.relax_for_school(acting(), school)
    flash(f"已取消对{school.name}的双因素认证要求")
    return redirect(url_for("accounts.school_second_factor"), 303)
