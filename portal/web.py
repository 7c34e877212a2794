"""What every view shares: the acting user and scope, page-or-fragment rendering, downloads, guards."""
import json
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from urllib.parse import quote

from flask import Flask, abort, flash, make_response, render_template, request
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError

from portal.audit.services import Actor
from portal.bidi import neutralise_bidi
from portal.enrolment.common import is_open
from portal.errors import DomainError
from portal.org.models import School
from portal.paging import page_number  # noqa: F401  (views import it from here)
from portal.scope import Scope, refuse_and_record
from portal.terms import Period, Term, current_term, parse_term, recent_terms
from portal.vocab import Role

UPPER_TIERS = (Role.PROVINCE, Role.CITY, Role.COUNTY)
ALL_TIERS = (Role.SCHOOL, *UPPER_TIERS)


def acting() -> Actor:
    """The signed-in user and the address they act from, for services and the audit log."""
    user = current_user._get_current_object() if current_user.is_authenticated else None
    return Actor(user, request.remote_addr)


def scope() -> Scope:
    """The signed-in user's scope. Cheap to build, so never cached beyond the call."""
    return Scope(current_user)


# A refusal keeps its real status (422 a form or file that cannot be taken, 409 a concurrent edit, 413 too
# large, 400 an expired form, 404 out of scope) and still shows its message: htmx 2 swaps only 2xx answers
# unless told, so the layout's <meta name="htmx-config"> tells it to swap these like a 200. The one rule.
REFUSAL_STATUSES = (400, 404, 409, 413, 422)
# htmx, told in the layout's <meta name="htmx-config">: no copy of visited pages in sessionStorage (they hold names
# and masked ID numbers, and would outlive the sign-in), no <style> or eval of its own (the CSP refuses both; the
# indicator rules are in portal.css).
HTMX_CONFIG = json.dumps({
    "historyCacheSize": 0, "refreshOnHistoryMiss": True, "includeIndicatorStyles": False, "allowEval": False,
    "allowScriptTags": False,
    "responseHandling": [
        {"code": "204", "swap": False},
        {"code": "^[23]..$", "swap": True},
        {"code": "^(" + "|".join(map(str, REFUSAL_STATUSES)) + ")$", "swap": True},
        {"code": "^[45]..$", "swap": False, "error": True},
    ]}, separators=(",", ":"))
# Scripts and styles only from the portal's own files; no plugins, no <base>, no framing, forms post home.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
HSTS = "max-age=31536000; includeSubDomains"


# the 500 answer when even the error page cannot be rendered (its template or the database is what failed)
SERVER_ERROR_TEXT = ("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>系统错误</title>"
                     "<h1>系统错误</h1><p>系统处理您的请求时出错，请稍后重试。</p><p><a href=\"/\">返回首页</a></p></html>")


def selected_term() -> Term:
    """The term picked in the page's term selector (recent terms only), else the current one."""
    wanted = request.values.get("term", "")
    return next((term for term in recent_terms() if wanted in (term.code, term.label)), current_term())


def school_and_period(school_id: int, code: str | None, read_period: Callable[[School, str | None], Period]):
    """The school in scope and the period `code` names for it, as read_period(school, code) reads it for
    this domain; 404 for a school outside the scope or a period the domain refuses for it."""
    school = scope().school(school_id)
    try:
        return school, read_period(school, code)
    except DomainError:
        abort(404)


def wants_fragment() -> bool:
    """An htmx request that swaps part of a page (boosted navigation and history restores want pages)."""
    return bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request


def render(page: str, fragment: str | None = None, status: int = 200, **context):
    """The full page for a normal request, the fragment alone for an htmx request: same templates."""
    template = fragment if fragment and wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    if request.htmx.boosted and request.method != "GET":
        # a boosted form answered with a page (a preview, a refusal) keeps the form's address: htmx would
        # push the POST's URL, which a reload or a bookmark then asks for with GET
        response.headers["HX-Push-Url"] = "false"
    return response


def download(content: bytes, filename: str, mimetype: str | None = None):
    response = make_response(content)
    response.mimetype = mimetype or "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["Cache-Control"] = "no-store"
    return response


def roles_required(*roles: Role):
    """Only these tiers may use the view; others get 404, as if the page did not exist for them."""

    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(*args, **kwargs):
            if Role(current_user.role) not in roles:
                refuse_and_record(current_user._get_current_object(), "page", request.path)
            return view(*args, **kwargs)

        return guarded

    return decorator


def init_app(app: Flask) -> None:
    # Browsers ask for /favicon.ico on their own (beside a download, a page without the layout's link): it
    # is the static file under another address, on the static endpoint so no guard stands in front of it.
    app.add_url_rule("/favicon.ico", "static", defaults={"filename": "favicon.ico"})

    @app.errorhandler(404)
    def not_found(_error):
        return render("errors/error.html", "errors/_error.html", 404, title="页面不存在",
                      message="您访问的页面不存在，或不在您的管辖范围内。")

    @app.errorhandler(413)
    def too_large(_error):
        return render("errors/error.html", "errors/_error.html", 413, title="文件过大",
                      message="上传的文件超过大小上限，请拆分后再上传。")

    @app.errorhandler(400)
    def bad_request(error):
        if isinstance(error, CSRFError):  # the form's token ran out (WTF_CSRF_TIME_LIMIT) or the session is gone
            if request.htmx:  # htmx would drop a 400 silently: reload the page, the message waits on it
                flash("页面已过期，已为您刷新页面，请重新操作。")
                response = make_response("", 400)
                response.headers["HX-Refresh"] = "true"
                return response
            return render("errors/error.html", "errors/_error.html", 400, title="页面已过期",
                          message="页面已过期，请刷新页面后重试。")
        return render("errors/error.html", "errors/_error.html", 400, title="请求无效",
                      message="请求无效或页面已过期，请刷新页面后重试。")

    @app.before_request
    def refuse_nul_characters():
        """A NUL character has no place in an address or a form, and PostgreSQL refuses it in any text (a 500)."""
        if "\x00" in request.path or any("\x00" in key or "\x00" in value
                                          for fields in (request.args, request.form)
                                          for key, value in fields.items(multi=True)):
            abort(400)

    @app.errorhandler(500)
    def server_error(error):
        """Anything unforeseen: a Chinese page, never a traceback (the exception goes to the log, not the user)."""
        from portal.extensions import db

        db.session.rollback()  # the failed statement's transaction, so the page itself can read the user
        try:
            return render("errors/error.html", "errors/_error.html", 500, title="系统错误",
                          message="系统处理您的请求时出错，请稍后重试；如果问题一直存在，请联系系统管理员。")
        except Exception:  # the page's own rendering failed too: the plainest answer that still speaks Chinese
            app.logger.exception("错误页面无法显示")
            return SERVER_ERROR_TEXT, 500, {"Content-Type": "text/html; charset=utf-8"}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if app.config.get("HTTPS"):
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static":  # pages and fragments carry personal data: no copy on disk or in a proxy
            response.headers["Cache-Control"] = "no-store"
        if request.endpoint == "accounts.logout":  # whatever the browser kept of the portal's pages goes too
            response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response

    # Every {{ … }} a template prints loses bidi controls: a name cannot reorder itself or the page around it.
    app.jinja_env.finalize = neutralise_bidi

    @app.context_processor
    def vocabulary():
        return {"Role": Role, "htmx_config": HTMX_CONFIG}

    @app.template_global()
    def term_open(code: str) -> bool:
        return is_open(parse_term(code))

    @app.template_global()
    def term_label(code: str) -> str:
        return parse_term(code).label

    @app.template_global()
    def elapsed(run) -> int:
        return int(((run.finished_at or datetime.now()) - run.started_at).total_seconds())

    app.add_template_global(current_term, "current_term")

    @app.template_filter("num")
    def thousands(value) -> str:
        """A count as Chinese statistics print it: 235,602."""
        return "" if value is None else f"{value:,}"

    @app.template_filter("yuan")
    def yuan(value) -> str:
        """A money amount in yuan as every page prints it: 12,345.60 (nothing for an amount not given)."""
        return "" if value is None else f"{value:,.2f}"
