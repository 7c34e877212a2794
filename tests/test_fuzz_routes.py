"""Every route's parameters, bent out of shape: overflowing integers, unknown periods, stray Unicode, negative
page numbers. Whatever a user types into the address bar is a 404 or a Chinese message, never a 500 — for users
of several tiers. The routes are read from the app's URL map, so a new route is fuzzed without being listed.

First a sweep (every route × the values a tester tries first: 20 digits, 9999-autumn …), then hypothesis draws
random values for path parameters and the query strings the views read."""
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factories import page_text

# Routes whose side effects would end the fuzzing user's sign-in (the sign-in steps themselves, logout).
SKIPPED = {"accounts.login", "accounts.logout", "accounts.verify_second_factor", "accounts.enrol_second_factor",
           "accounts.change_password", "accounts.end_other_sessions", "static"}
ROLES = ("province", "county", "school", "department")
PLACEHOLDER = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")

# What a tester types first; the sweep tries each in every parameter of every route.
NASTY = ["99999999999999999999", "2147483648", "9999-autumn", "2026-13", "٣", "\u202e1" * 99, "1\x00"]
NASTY_FORM = ["99999999999999999999", "-1", "\u202e", "\x00"]
QUERY_NAMES = ["page", "term", "month", "period", "q", "category", "kind", "status", "region", "level", "stage",
               "sort", "order", "role", "from", "to", "action", "actor", "target", "funding", "incomplete", "show",
               "class_name", "next"]

# The form fields the views read (a POST gets them all, bent): ids, versions, numbers typed in, choices.
FORM_NAMES = ["version", "project_id", "position", "days", "day", "month", "removed", "active", "region_code",
              "school_code", "reason", "level", "kind", "mode", "token", "decision", "code", "period", "term", "stage",
              "amount", "standard", "standard_per", "fund_level", "allocated_on", "paid_on", "id_number", "name",
              "label", "comment", "selected", "grade", "period_type", "acknowledged"]


def fuzzed_rules(app):
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED),
                  key=lambda rule: rule.rule)


def sensible(world) -> dict:
    """A value that reaches the view for each parameter name, so that a bent one is read by the view itself."""
    from portal.terms import current_term

    return {"school_id": str(world.xuanwu_school.id), "period_code": current_term().code, "code": world.xuanwu.code,
            "category": "poverty"}


def url_for_values(rule, values: dict) -> str:
    """The rule's address with each placeholder replaced by the given raw text (percent-encoded)."""
    def fill(match):
        converter, name = match.group(1), match.group(2)
        if converter == "any":  # <any(a, b):kind>: the value must be one of them to reach the view at all
            return values.get(name) or rule._converters[name].regex.strip("()").split("|")[0]
        return quote(values.get(name, "1"), safe="")
    return PLACEHOLDER.sub(fill, rule.rule)


def ask(client, rule, path: str, query: dict | None = None, form: dict | None = None):
    """GET with the query string, or POST with the form (a route taking both is asked with GET)."""
    method = "GET" if "GET" in rule.methods else "POST"
    address = path + ("?" + urlencode(query) if query and method == "GET" else "")
    response = client.open(address, method=method, data=(form or {}) if method == "POST" else None)
    return method, address + (f" {form}" if method == "POST" and form else ""), response


def method_is_get(rule) -> bool:
    return "GET" in rule.methods


def assert_answered(response, method, address):
    assert response.status_code != 500, f"{method} {address} → 500"
    if response.status_code in (400, 404, 409, 413, 422) and response.mimetype == "text/html":
        text = page_text(response)
        assert re.search(r"[\u4e00-\u9fff]", text), f"{method} {address}: no Chinese message in {text[:200]!r}"
        assert "Traceback" not in text


def parameter_names(rule) -> list[str]:
    return [match.group(2) for match in PLACEHOLDER.finditer(rule.rule) if match.group(1) != "any"]


@pytest.mark.parametrize("role", ("province", "school"))
def test_every_route_answers_nasty_parameters_without_a_500(app, client, login_as, world, deadline_calendar, role):
    login_as(role)
    for rule in fuzzed_rules(app):
        for name in parameter_names(rule) or [None]:  # one parameter bent at a time, the others sensible
            for value in NASTY:
                values = {**sensible(world), **({name: value} if name else {})}
                method, address, response = ask(client, rule, url_for_values(rule, values), {"page": value})
                assert_answered(response, method, address)
        if not method_is_get(rule):  # then every form field bent at once, the address sensible
            for value in NASTY_FORM:
                method, address, response = ask(client, rule, url_for_values(rule, sensible(world)),
                                                form=dict.fromkeys(FORM_NAMES, value))
                assert_answered(response, method, address)


def test_a_nul_character_anywhere_is_refused_in_chinese(client, login_as):
    """PostgreSQL refuses NUL in any text: the portal refuses it first, on both databases alike."""
    login_as("province")
    for response in (client.get("/org/schools?q=a%00b"), client.get("/org/regions/32%00"),
                     client.post("/library/search", data={"q": "张\x00"})):
        assert response.status_code == 400 and "请求无效" in page_text(response)


def test_the_issues_addresses_are_404s(app, client, login_as, world, deadline_calendar):
    login_as("province")
    for address in ("/audit/?page=99999999999999999999", f"/review/{world.xuanwu_school.id}/reasons/9999-autumn",
                    "/funding/projects/99999999999999999999/active", "/enrolment/upload/99999999999999999999/confirm",
                    "/deadlines/99999999999999999999"):
        response = client.open(address, method="POST" if address.endswith(("active", "confirm")) else "GET")
        assert response.status_code == 404, address
        assert "页面不存在" in page_text(response)


texts = st.one_of(st.text(max_size=30), st.integers(min_value=-(10**25), max_value=10**25).map(str),
                  st.sampled_from(NASTY))


@pytest.mark.parametrize("role", ROLES)
def test_random_parameters_never_answer_500(app, client, login_as, world, deadline_calendar, role):
    login_as(role)
    rules = fuzzed_rules(app)

    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(rule=st.sampled_from(rules), value=texts,
           query=st.dictionaries(st.sampled_from(QUERY_NAMES), texts, max_size=3),
           form=st.dictionaries(st.sampled_from(FORM_NAMES), texts, max_size=6))
    def probe(rule, value, query, form):
        names = parameter_names(rule)
        values = {**sensible(world), **({names[len(value) % len(names)]: value} if names else {})}
        method, address, response = ask(client, rule, url_for_values(rule, values), query, form)
        assert_answered(response, method, address)

    probe()


def test_an_unforeseen_exception_shows_the_chinese_error_page(app, client, login_as, monkeypatch):
    """A real exception inside a view: the user gets the portal's page in Chinese, never a traceback."""
    login_as("county")
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as served: TESTING would re-raise it

    def broken_view():
        from sqlalchemy import text

        from portal.extensions import db
        db.session.execute(text("SELECT no_such_column FROM no_such_table"))  # the database refuses mid-request

    monkeypatch.setitem(app.view_functions, "home.index", broken_view)
    response = client.get("/")
    assert response.status_code == 500
    text = page_text(response)
    assert "系统错误" in text and "请稍后重试" in text and "返回首页" in text
    assert "Traceback" not in text and "no_such_table" not in text
    fragment = client.get("/", headers={"HX-Request": "true"})  # htmx gets the message alone
    assert fragment.status_code == 500 and "系统错误" in page_text(fragment) and "<html" not in fragment.text


def test_when_the_error_page_itself_fails_the_answer_is_still_plain_chinese(app, client, login_as, monkeypatch):
    """The error page's own rendering raising too (a broken template, a database gone): a bare Chinese page."""
    login_as("county")
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def broken_view():
        raise RuntimeError("boom")

    def broken_render(*args, **kwargs):
        raise RuntimeError("the error page is broken too")

    monkeypatch.setitem(app.view_functions, "home.index", broken_view)
    monkeypatch.setattr("portal.web.render", broken_render)
    response = client.get("/")
    assert response.status_code == 500 and response.mimetype == "text/html"
    text = page_text(response)
    assert "系统错误" in text and "请稍后重试" in text and "返回首页" in text and "boom" not in text
