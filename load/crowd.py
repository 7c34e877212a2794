"""The simulated users, over real HTTP on the loopback: CROWD school users arriving over ARRIVAL_SECONDS, each
signing in, opening the home page, the 就学信息库 and the reasons list, giving reasons (a few one by one, the rest
at once), submitting, then watching the status; a returned school fixes a reason and submits again. One county user
reviews what is submitted (returns every fourth school once, approves the rest). A probe user opens a trivial page
(the change-password form) twice a second: the yardstick of the same run.

Every answer that is not the one a browser expects counts as an error; every acknowledged write is kept, to be
read back from the database afterwards."""
import html
import random
import re
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pyotp
import urllib3

ARRIVAL_SECONDS = 60  # the users arrive one by one over a minute
THINK_SECONDS = (2.0, 5.0)  # reading the page, choosing from the list
INLINE_SAVES = 3  # reasons given one by one; the rest with 批量设置
POLL_SECONDS = 5.0
WATCH_SECONDS = 20  # how long a school keeps its status card open after submitting, waiting for the county
REVIEW_THINK_SECONDS = (0.1, 0.3)
COUNTY_AFTER_SECONDS = 15  # the county goes on this long after the last school user has left
PROBE_EVERY = 0.5
CAP_SECONDS = 90  # the crowd stops here whatever is left
REASONS = ("other_aid", "declined", "next_batch", "id_error")

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
_ROW = re.compile(r'hx-post="/reasons/([^/"]+)/students/(\d+)"[^>]*>\s*<input[^>]*>\s*<input type="hidden" '
                  r'name="version" value="(\d+)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')
_STATUS = re.compile(r'填报状态：<span class="tag[^"]*">([^<]+)</span>')
_REVIEW_LINK = re.compile(r'href="/review/(\d+)/reasons/([^"?]+)"')


class Refused(Exception):
    """An answer a browser would show the user as an error."""


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    crowd: list = field(default_factory=list)  # seconds per request of the crowd (schools and county)
    trivial: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    reasons: dict = field(default_factory=dict)  # student id → reason code acknowledged last
    statuses: dict = field(default_factory=dict)  # school id → submission status acknowledged last
    finished: int = 0
    first: float = 0.0
    last: float = 0.0


class Browser:
    """One user's cookies and CSRF token over a shared connection pool; no redirect is followed unasked."""

    def __init__(self, pool: urllib3.PoolManager, base: str, tally: Tally, timings: list):
        self.pool, self.base, self.tally, self.timings = pool, base, tally, timings
        self.cookies, self.csrf = {}, ""

    def request(self, method: str, path: str, fields: dict | list | None = None, htmx: bool = False,
                expect: int = 200) -> tuple[str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        if htmx:
            headers["HX-Request"] = "true"
        body = None
        if method == "POST":
            pairs = list(fields.items()) if isinstance(fields, dict) else list(fields or [])
            pairs.append(("csrf_token", self.csrf))
            headers["X-CSRFToken"] = self.csrf
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(pairs)
        started = time.monotonic()
        try:
            answer = self.pool.request(method, self.base + path, body=body, headers=headers, redirect=False,
                                       retries=False, timeout=urllib3.Timeout(connect=10, read=60))
        except Exception as failure:  # noqa: BLE001  (a user would see the browser's error page)
            self._count(started)
            raise Refused(f"{method} {path}: {failure.__class__.__name__}") from None
        self._count(started)
        for cookie in answer.headers.getlist("Set-Cookie"):
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if "Max-Age=0" in cookie or "expires=Thu, 01 Jan 1970" in cookie:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        text = answer.data.decode("utf-8", "replace")
        if answer.status != expect:
            shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))[:160]
            raise Refused(f"{method} {path}: {answer.status} {shown}")
        found = _CSRF.search(text)
        if found:
            self.csrf = html.unescape(found.group(1) or found.group(2))
        return text, answer.headers.get("Location", "")

    def _count(self, started: float) -> None:
        ended = time.monotonic()
        with self.tally.lock:
            self.timings.append(ended - started)
            self.tally.first = self.tally.first or started
            self.tally.last = max(self.tally.last, ended)

    def sign_in(self, username: str, password: str, totp_secret: str | None = None) -> None:
        self.request("GET", "/login")
        _, where = self.request("POST", "/login", {"username": username, "password": password}, expect=303)
        if where.endswith("/login/second-factor"):
            self.request("GET", "/login/second-factor")
            step = int(time.time()) // 30
            time.sleep(max(0.0, (step + 1) * 30 - time.time()) if _used_step.get(username) == step else 0)
            code = pyotp.TOTP(totp_secret).now()
            _used_step[username] = int(time.time()) // 30
            _, where = self.request("POST", "/login/second-factor", {"code": code}, expect=303)
        self.request("GET", where.replace(self.base, "") or "/")


_used_step: dict = {}


class Stopped(Exception):
    """The run's time is up: the user leaves where they are (not an error)."""


def _think(stop: threading.Event, seconds: tuple[float, float] = THINK_SECONDS) -> None:
    if stop.wait(random.uniform(*seconds)):
        raise Stopped


def _error(tally: Tally, who: str, refusal: Exception) -> None:
    with tally.lock:
        tally.errors.append(f"{who}: {refusal}")


def school_user(browser: Browser, username: str, school_id: int, delay: float, stop: threading.Event,
                password: str) -> None:
    tally = browser.tally
    if stop.wait(delay):
        return
    try:
        browser.sign_in(username, password)
        _think(stop)
        browser.request("GET", "/enrolment/")  # the school's 就学信息库
        _think(stop)
        page, _ = browser.request("GET", "/reasons/")
        rows = _ROW.findall(page)
        if not rows:
            raise Refused("GET /reasons/: no student to give a reason for")
        period = rows[0][0]
        for n, (_, student, version) in enumerate(rows[:INLINE_SAVES]):
            _think(stop)
            code = REASONS[(school_id + n) % len(REASONS)]
            row, _ = browser.request("POST", f"/reasons/{period}/students/{student}",
                                     {"reason": code, "note": "", "version": version}, htmx=True)
            if "已保存" not in row:
                raise Refused(f"save {student}: not saved")
            with tally.lock:
                tally.reasons[int(student)] = code
            browser.request("GET", f"/reasons/{period}/summary", htmx=True)  # the status card follows (HX-Trigger)
        rest = rows[INLINE_SAVES:]
        if rest:
            _think(stop)
            code = REASONS[school_id % len(REASONS)]
            table, _ = browser.request("POST", f"/reasons/{period}/bulk",
                                       [*[("student", f"{s}:{v}") for _, s, v in rest], ("reason", code),
                                        ("note", "")], htmx=True)
            if f"已为 {len(rest)} 名学生设置原因" not in table or "未覆盖" in table:
                raise Refused("bulk: not every student saved")
            with tally.lock:
                tally.reasons.update({int(s): code for _, s, _ in rest})
            browser.request("GET", f"/reasons/{period}/summary", htmx=True)
        resubmitted = False
        while not stop.is_set():
            _think(stop)
            _, where = browser.request("POST", f"/reasons/{period}/submit", {}, expect=303)
            with tally.lock:
                tally.statuses[school_id] = "submitted"
            browser.request("GET", where.replace(browser.base, ""))
            status, leaving = "", time.monotonic() + WATCH_SECONDS
            while time.monotonic() < leaving and not stop.wait(POLL_SECONDS):  # the status card open a while
                card, _ = browser.request("GET", f"/reasons/{period}/summary", htmx=True)
                status = (_STATUS.search(card) or [None, ""])[1]
                if status in ("已退回", "已审核"):
                    break
            if status != "已退回" or resubmitted:
                break
            resubmitted = True  # returned: change the first student's reason, then submit again
            page, _ = browser.request("GET", "/reasons/")
            _, student, version = _ROW.findall(page)[0]
            code = "other_aid" if tally.reasons.get(int(student)) != "other_aid" else "declined"
            row, _ = browser.request("POST", f"/reasons/{period}/students/{student}",
                                     {"reason": code, "note": "", "version": version}, htmx=True)
            if "已保存" not in row:
                raise Refused(f"save {student} after return: not saved")
            with tally.lock:
                tally.reasons[int(student)] = code
        with tally.lock:
            tally.finished += 1
    except Refused as refusal:
        _error(tally, username, refusal)
    except Stopped:
        pass


def county_user(browser: Browser, username: str, password: str, secret: str, schools_done: threading.Event,
                stop: threading.Event) -> None:
    """Reviews until every school user is done (or the cap): returns a school's first submission when its id is
    divisible by four, approves everything else."""
    tally, returned = browser.tally, set()
    try:
        browser.sign_in(username, password, secret)
        while not stop.is_set():
            listing, _ = browser.request("GET", "/review/?kind=reasons&status=submitted")
            waiting = list(dict.fromkeys(_REVIEW_LINK.findall(listing)))
            if not waiting and schools_done.is_set():
                break
            for school, period in waiting[:10]:
                if stop.is_set():
                    break
                path = f"/review/{school}/reasons/{period}"
                panel, _ = browser.request("GET", path, htmx=True)  # 审核 opens the panel beside the list
                found = _VERSION.search(panel)
                if found is None:
                    continue  # not awaiting review any more
                school_id = int(school)
                send_back = school_id % 4 == 0 and school_id not in returned
                _think(stop, REVIEW_THINK_SECONDS)
                if send_back:
                    fields = {"version": found.group(1), "comment": "请核对第一名学生的原因"}
                    panel, _ = browser.request("POST", f"{path}/return", fields, htmx=True)
                    done = "已退回学校修改" in panel
                    returned.add(school_id)
                else:
                    panel, _ = browser.request("POST", f"{path}/approve", {"version": found.group(1)}, htmx=True)
                    done = "已审核通过" in panel
                if not done:
                    raise Refused(f"review {school}: {'return' if send_back else 'approve'} not acknowledged")
                with tally.lock:
                    tally.statuses[school_id] = "returned" if send_back else "approved"
            stop.wait(0.5)
    except Refused as refusal:
        _error(tally, username, refusal)
    except Stopped:
        pass


def probe_user(browser: Browser, username: str, password: str, stop: threading.Event) -> None:
    try:
        browser.sign_in(username, password)
        browser.timings.clear()  # only the trivial page itself
        while not stop.wait(PROBE_EVERY):
            browser.request("GET", "/password")
    except Refused as refusal:
        _error(browser.tally, username, refusal)


def run(base: str, accounts: dict, password: str, totp_secret: str) -> Tally:
    """The whole crowd against the server at `base`; returns what was measured and acknowledged."""
    tally = Tally()
    pool = urllib3.PoolManager(num_pools=4, maxsize=64, block=False)
    stop, probe_stop, schools_done = threading.Event(), threading.Event(), threading.Event()
    random.seed(16)
    probe = threading.Thread(target=probe_user, args=(Browser(pool, base, tally, tally.trivial), accounts["probe"],
                                                      password, probe_stop))
    probe.start()
    county = threading.Thread(target=county_user, args=(Browser(pool, base, tally, tally.crowd), accounts["county"],
                                                        password, totp_secret, schools_done, stop))
    schools = [threading.Thread(target=school_user, args=(
        Browser(pool, base, tally, tally.crowd), username, school_id, ARRIVAL_SECONDS * n / len(accounts["schools"]),
        stop, password)) for n, (username, school_id) in enumerate(accounts["schools"].items())]
    county.start()
    for thread in schools:
        thread.start()
    deadline = time.monotonic() + CAP_SECONDS
    for thread in schools:
        thread.join(max(0.1, deadline - time.monotonic()))
    schools_done.set()
    county.join(max(0.1, min(deadline, time.monotonic() + COUNTY_AFTER_SECONDS) - time.monotonic()))
    stop.set()
    for thread in [*schools, county]:
        thread.join()
    probe_stop.set()
    probe.join()
    pool.clear()
    return tally
