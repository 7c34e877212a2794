"""Every route, every role: an object outside the user's scope answers 404 and never leaks.
A new route must be listed here, or test_every_route_is_listed fails."""
import pytest

from factories import make_user, page_text
from portal.extensions import db
from portal.vocab import Role

# Routes that take an object: how to point them at something in 无锡 (outside 南京 and 玄武).
OBJECT_ROUTES = {
    "org.tree_branch": ("GET", lambda w, other: f"/org/tree/{w.xishan.code}"),
    "org.region_page": ("GET", lambda w, other: f"/org/regions/{w.wuxi.code}"),
    "org.school_page": ("GET", lambda w, other: f"/org/schools/{w.xishan_school.id}"),
    "org.set_school_active": ("POST", lambda w, other: f"/org/schools/{w.xishan_school.id}/active"),
    "org.move_school": ("POST", lambda w, other: f"/org/schools/{w.xishan_school.id}/move"),
    "accounts.set_active": ("POST", lambda w, other: f"/accounts/{other.id}/active"),
    "accounts.reset_password": ("POST", lambda w, other: f"/accounts/{other.id}/reset"),
}
# Routes without an object: lists and forms whose content must stay inside the scope.
LIST_ROUTES = {
    "home.index": "/",
    "org.school_list": "/org/schools",
    "accounts.account_list": "/accounts",
    "accounts.create_account": "/accounts/new",
    "audit.entry_list": "/audit/",
    "audit.export": "/audit/export.xlsx",
    "org.registry_import": "/org/import/schools",
    "org.import_template": "/org/import/schools/template.xlsx",
    "org.confirm_import": None,
    "org.refused_rows": None,
    "accounts.change_password": "/password",
    "accounts.logout": None,
}
PUBLIC = {"static", "accounts.login"}
SCOPED_ROLES = ["city", "county", "school", "department"]


@pytest.fixture
def other_account(world):
    user = make_user(Role.SCHOOL, username="wuxi-school", school=world.xishan_school)
    db.session.commit()
    return user


def test_every_route_is_listed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unlisted = endpoints - set(OBJECT_ROUTES) - set(LIST_ROUTES) - PUBLIC
    assert not unlisted, f"add these routes to the scope guard test: {sorted(unlisted)}"


@pytest.mark.parametrize("endpoint", sorted(OBJECT_ROUTES))
@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_out_of_scope_object_is_404(client, login_as, world, other_account, role, endpoint):
    login_as(role)
    method, url = OBJECT_ROUTES[endpoint]
    response = client.open(url(world, other_account), method=method, data={"active": "0", "region_code": "320102"})
    assert response.status_code == 404
    text = page_text(response)
    assert "锡山" not in text and "wuxi-school" not in text
    db.session.expire_all()
    assert world.xishan_school.active and world.xishan_school.region_code == world.xishan.code
    assert other_account.active


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_lists_never_show_out_of_scope_schools(client, login_as, world, other_account, role):
    login_as(role)
    for endpoint, url in LIST_ROUTES.items():
        if url is None or url.endswith(".xlsx"):
            continue
        response = client.get(url)
        assert response.status_code in (200, 404), endpoint
        assert "锡山区第一小学" not in page_text(response), endpoint


@pytest.mark.parametrize("endpoint", sorted(set(OBJECT_ROUTES) | {e for e, u in LIST_ROUTES.items() if u}))
def test_every_route_requires_login(client, world, other_account, endpoint):
    if endpoint in OBJECT_ROUTES:
        method, url = OBJECT_ROUTES[endpoint]
        url = url(world, other_account)
    else:
        method, url = "GET", LIST_ROUTES[endpoint]
    response = client.open(url, method=method)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_county_sees_only_its_own_schools(client, login_as, world):
    login_as("county")
    text = page_text(client.get("/org/schools"))
    assert "玄武区第一小学" in text and "玄武区第二小学" in text
    assert "秦淮区第一小学" not in text and "南京市职业教育中心" not in text


def test_school_sees_only_itself(client, login_as, world):
    login_as("school")
    text = page_text(client.get("/"))
    assert "玄武区第一小学" in text
    assert "玄武区第二小学" not in text
    assert client.get(f"/org/schools/{world.xuanwu_school_2.id}").status_code == 404
