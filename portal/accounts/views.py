"""Routes of signing in and out: the password, the second factor, a due password change, the user's own
security page; the server-side session behind every request. Account management is in manage.py."""
from datetime import datetime

from flask import flash, g, make_response, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import bp, second_factor, services, sessions, signin
from portal.accounts.forms import ChangePasswordForm, CodeForm, LoginForm
from portal.accounts.models import User
from portal.accounts.passwords import RULES, password_expired
from portal.errors import saving
from portal.extensions import db, login_manager
from portal.web import acting, render


login_manager.login_view = "accounts.login"
SESSION_TOKEN = "sid"  # the cookie's key for the token of the user_session row
AFTER_SIGN_IN = "after_sign_in"  # where the user was going when the session ran out


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
    g.user_session = sessions.resume(session[SESSION_TOKEN], user.id, datetime.now()).session


def second_factor_passed() -> None:
    """The sign-in is complete: a new session token (and CSRF token) for the fully signed-in browser."""
    now = datetime.now()
    session[SESSION_TOKEN] = sessions.rotate(session[SESSION_TOKEN], now, second_factor_at=now)
    session.pop("csrf_token", None)
    db.session.commit()


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path of this portal, never another site."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@bp.before_app_request
def finish_signing_in():
    """Until every step of signing in is done, the step's page (and logout) is the only page that answers."""
    g.sign_in_step = None
    if not current_user.is_authenticated:
        return None
    g.sign_in_step = signin.next_step(current_user, g.user_session, datetime.now())
    if g.sign_in_step and request.endpoint not in (g.sign_in_step, "accounts.logout", "accounts.login", "static"):
        return go_to(url_for(g.sign_in_step))
    return None


@bp.app_context_processor
def sign_in_state():
    return {"signing_in": bool(g.get("sign_in_step"))}  # the layout hides the menus meanwhile


def _not_the_current_step(step: str):
    """A step page visited when it is not the step due: nothing to do there."""
    return None if g.get("sign_in_step") == step else redirect(url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:  # not saving(): a refused sign-in is recorded (and committed) by authenticate itself
            user = services.authenticate(acting(), form.username.data, form.password.data)
        except services.AccountError as refusal:
            error = str(refusal)
        else:
            begin_session(user)
            session[AFTER_SIGN_IN] = safe_next(request.args.get("next"))
            step = signin.next_step(user, g.user_session, datetime.now())
            return redirect(url_for(step) if step else session.pop(AFTER_SIGN_IN), 303)
    return render("accounts/login.html", form=form, error=error, status=200 if error is None else 401)


@bp.route("/login/second-factor", methods=["GET", "POST"])
@login_required
def verify_second_factor():
    if elsewhere := _not_the_current_step(signin.VERIFY):
        return elsewhere
    form = CodeForm()
    error = None
    if form.validate_on_submit():
        try:  # not saving(): a wrong code is recorded and counted (and committed) by verify itself
            verified = second_factor.verify(acting(), current_user, form.code.data, datetime.now())
        except second_factor.SecondFactorError as refusal:
            if not refusal.locked:
                error, form.code.data = str(refusal), ""
            else:
                _sign_out()
                flash(str(refusal))
                return redirect(url_for("accounts.login"), 303)
        else:
            second_factor_passed()
            if verified.recovery_codes_left is not None:
                flash(f"您使用了一个恢复码，还剩 {verified.recovery_codes_left} 个。"
                      "如手机已丢失，请在“账号安全”中重新生成恢复码，或请上级管理员重置双因素认证。")
            return redirect(safe_next(session.pop(AFTER_SIGN_IN, None)), 303)
    return render("accounts/second_factor.html", form=form, error=error, status=200 if error is None else 401)


@bp.route("/login/second-factor/setup", methods=["GET", "POST"])
@login_required
def enrol_second_factor():
    if elsewhere := _not_the_current_step(signin.ENROL):
        return elsewhere
    form = CodeForm()
    error = None
    with saving():
        secret = second_factor.enrolment_secret(current_user)
    if form.validate_on_submit():
        with saving() as saved:
            codes = second_factor.confirm_enrolment(acting(), current_user, form.code.data, datetime.now())
        if saved.refusal:
            error, form.code.data = saved.message, ""
        else:
            second_factor_passed()
            return render("accounts/recovery_codes.html", codes=codes, first_time=True)
    uri = second_factor.provisioning_uri(current_user, secret)
    return render("accounts/enrol.html", form=form, error=error, qr=second_factor.qr_svg(uri),
                  secret=" ".join(secret[i:i + 4] for i in range(0, len(secret), 4)))


def _sign_out() -> None:
    sessions.end(session.get(SESSION_TOKEN))
    db.session.commit()
    logout_user()
    session.clear()


@bp.post("/logout")
@login_required
def logout():
    with saving():
        services.record_logout(acting())
    _sign_out()
    flash("您已安全退出")
    return redirect(url_for("accounts.login"), 303)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        with saving() as saved:
            services.change_password(acting(), current_user, form.current.data, form.new.data, form.confirm.data,
                                     keep_session=session.get(SESSION_TOKEN))
        error = saved.message
        if not error:
            flash("密码已修改；您在其他设备上的登录已全部退出")
            step = signin.next_step(current_user, g.user_session, datetime.now())
            return redirect(url_for(step or "home.index"), 303)
    return render("accounts/password.html", form=form, error=error, rules=RULES,
                  expired=password_expired(current_user, datetime.now()))


@bp.get("/account/security")
@login_required
def security():
    return render("accounts/security.html", required=second_factor.required(current_user),
                  enrolled=second_factor.enrolled(current_user),
                  codes_left=second_factor.recovery_codes_left(current_user),
                  other_sessions=sessions.open_sessions(current_user.id, datetime.now()) - 1, form=CodeForm())


@bp.post("/account/security/recovery-codes")
@login_required
def renew_recovery_codes():
    form = CodeForm()
    if not second_factor.enrolled(current_user):
        return redirect(url_for("accounts.security"), 303)
    with saving() as saved:
        if not form.validate():
            raise second_factor.SecondFactorError("请输入认证器上此刻显示的 6 位数字")
        codes = second_factor.renew_recovery_codes(acting(), current_user, form.code.data, datetime.now())
    if saved.refusal:
        flash(saved.message)
        return redirect(url_for("accounts.security"), 303)
    return render("accounts/recovery_codes.html", codes=codes, first_time=False)


@bp.post("/account/security/sessions/end")
@login_required
def end_other_sessions():
    with saving():
        ended = services.end_other_sessions(acting(), session.get(SESSION_TOKEN))
    flash(f"已退出其他 {ended} 个登录会话" if ended else "没有其他登录会话")
    return redirect(url_for("accounts.security"), 303)
