"""Routes: login, logout, password change, and the account list of an upper tier."""
from datetime import datetime

from flask import Blueprint, flash, g, make_response, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import or_

from portal.accounts import services, sessions
from portal.accounts.forms import ChangePasswordForm, CreateUserForm, LoginForm
from portal.accounts.models import User
from portal.accounts.passwords import RULES, password_expired
from portal.extensions import db, login_manager
from portal.org.models import Region, School
from portal.vocab import Department, RegionLevel, Role
from portal.web import acting, page_number, render, roles_required, scope, wants_fragment

bp = Blueprint("accounts", __name__)

MANAGERS = (Role.PROVINCE, Role.CITY, Role.COUNTY)
login_manager.login_view = "accounts.login"
login_manager.login_message = "请先登录"


SESSION_TOKEN = "sid"  # the cookie's key for the token of the user_session row


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The user of a live server-side session: an ended or expired session signs the browser out."""
    resumed = sessions.resume(session.get(SESSION_TOKEN), int(user_id), datetime.now())
    g.user_session, g.session_expired = resumed.session, resumed.expired
    return resumed.session.user if resumed.session else None


@login_manager.unauthorized_handler
def sign_in_first():
    flash("登录已超时，请重新登录" if g.get("session_expired") else "请先登录")
    return go_to(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))


def go_to(url: str):
    """A redirect; for htmx, one the browser follows as a whole page (never a login page swapped into a table)."""
    if request.htmx:
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url)


def begin_session(user: User) -> None:
    """Sign the browser in on a new server-side session. The cookie's old content goes, its CSRF token with it."""
    session.clear()
    session[SESSION_TOKEN] = sessions.start(user.id, request.remote_addr, datetime.now())
    db.session.commit()
    login_user(user)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this portal, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@bp.before_app_request
def force_password_change():
    """A first login, a reset or an expired password must be replaced before anything else is done."""
    if (
        current_user.is_authenticated
        and (current_user.must_change_password or password_expired(current_user, datetime.now()))
        and request.endpoint not in ("accounts.change_password", "accounts.logout", "static")
    ):
        return go_to(url_for("accounts.change_password"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(acting(), form.username.data, form.password.data)
        except services.AccountError as refusal:
            error = str(refusal)
        else:
            begin_session(user)
            return redirect(safe_next(request.args.get("next")), 303)
    return render("accounts/login.html", form=form, error=error, status=200 if error is None else 401)


@bp.post("/logout")
@login_required
def logout():
    services.record_logout(acting(), session.get(SESSION_TOKEN))
    logout_user()
    session.clear()
    flash("您已安全退出")
    return redirect(url_for("accounts.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            services.change_password(acting(), current_user, form.current.data, form.new.data, form.confirm.data,
                                     keep_session=session.get(SESSION_TOKEN))
        except services.AccountError as refusal:
            error = str(refusal)
        else:
            flash("密码已修改")
            return redirect(url_for("home.index"), 303)
    return render("accounts/password.html", form=form, error=error, rules=RULES,
                  expired=password_expired(current_user, datetime.now()))


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
        try:
            user, password = services.create_user(
                acting(), scope(), username=form.username.data, display_name=form.display_name.data,
                role=form.role.data, region_code=form.region_code.data, school_code=form.school_code.data,
                department=form.department.data)
        except services.AccountError as refusal:
            error = str(refusal)
        else:
            return render("accounts/password_issued.html", user=user, password=password, created=True)
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
    services.set_active(acting(), user, request.form.get("active") == "1")
    if wants_fragment():
        return render("accounts/_row.html", user=user)
    flash(f"账号 {user.username} 已{'启用' if user.active else '停用'}")
    return redirect(url_for("accounts.account_list"), 303)


@bp.post("/accounts/<int:user_id>/reset")
@roles_required(*MANAGERS)
def reset_password(user_id: int):
    user = scope().managed_user(user_id)
    password = services.reset_password(acting(), user)
    return render("accounts/password_issued.html", user=user, password=password, created=False)
