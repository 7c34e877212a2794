"""Transport and browser (issue 14 point 5): PORTAL_HTTPS makes every cookie Secure and __Host- prefixed and sends
HSTS; no page or fragment is kept in a cache; htmx keeps no copy of pages; the Content-Security-Policy allows no
inline script or style, and no template carries one."""
import json
import re
from html import unescape
from pathlib import Path

import pytest

from factories import make_user, page_text, sign_in
from portal.config import https_cookies
from portal.extensions import db
from portal.vocab import Role

TEMPLATES = Path(__file__).resolve().parent.parent / "portal" / "templates"


@pytest.fixture
def https(app, monkeypatch):
    """The app as PORTAL_HTTPS=1 configures it, and a client that speaks HTTPS to it."""
    settings = {"HTTPS": True}
    https_cookies(settings)
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    return client


def set_cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_with_https_every_cookie_is_secure_and_host_prefixed(https, world):
    user = make_user(Role.COUNTY, region=world.xuanwu)
    db.session.commit()
    cookies = set_cookies(https.get("/login")) + set_cookies(sign_in(https, user))
    assert cookies, "signing in sets the session cookie"
    for cookie in cookies:
        name, _, attributes = cookie.partition(";")
        parts = [part.strip().lower() for part in attributes.split(";")]
        assert name.startswith("__Host-"), cookie
        assert "secure" in parts and "path=/" in parts and "httponly" in parts, cookie
        assert not any(part.startswith("domain=") for part in parts), cookie
    page = https.get("/")
    assert page.status_code == 200 and user.display_name in page_text(page)  # the prefixed cookie signs in
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_without_https_there_is_no_hsts_and_the_cookie_is_plain(client, world):
    user = make_user(Role.SCHOOL, school=world.xuanwu_school)
    db.session.commit()
    response = sign_in(client, user)
    assert "Strict-Transport-Security" not in response.headers
    assert any(cookie.startswith("session=") for cookie in set_cookies(response))


def test_pages_and_fragments_are_not_stored_static_files_may_be(client, login_as, world):
    login_as("county")
    for address, headers in (("/", {}), ("/org/schools", {}), ("/org/schools", {"HX-Request": "true"}),
                             (f"/org/schools/{world.xuanwu_school.id}", {}), ("/audit/", {}),
                             ("/no-such-page", {}), ("/login", {})):
        response = client.get(address, headers=headers)
        assert response.headers["Cache-Control"] == "no-store", address
    assert "no-store" not in (client.get("/static/css/portal.css").headers.get("Cache-Control") or "")


def test_logout_clears_what_the_browser_kept(client, login_as):
    login_as("school")
    response = client.post("/logout")
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_the_content_security_policy_forbids_inline_code_plugins_base_and_framing(client):
    policy = client.get("/login").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"


def test_htmx_keeps_no_history_and_injects_no_style(client):
    meta = re.search(r'<meta name="htmx-config" content="([^"]+)"', client.get("/login").text).group(1)
    config = json.loads(unescape(meta))
    assert config["historyCacheSize"] == 0 and config["includeIndicatorStyles"] is False
    assert config["allowEval"] is False


# What a CSP without 'unsafe-inline' refuses: style attributes, <style> blocks, inline scripts, on…= handlers,
# javascript: links. Scripts are allowed only as <script src=…> of the portal's own static files.
INLINE = [
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…= handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
    (re.compile(r"\shx-on[:-]", re.I), "hx-on handler (eval)"),
]


def test_no_template_carries_inline_style_or_script():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    found = [f"{path.relative_to(TEMPLATES)}:{number}: {what}"
             for path in templates
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for pattern, what in INLINE if pattern.search(line)]
    assert found == []


def test_the_template_scan_would_catch_each_kind():
    samples = ['<p style="color:red">', "<style>p{}</style>", "<script>alert(1)</script>",
               '<button onclick="go()">', '<a href="javascript:go()">', '<div hx-on:click="go()">']
    assert all(any(pattern.search(sample) for pattern, _ in INLINE) for sample in samples)
    assert not any(pattern.search('<script src="/static/x.js" defer></script>') for pattern, _ in INLINE)
