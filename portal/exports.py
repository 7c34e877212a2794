"""Large xlsx exports go to a background job (portal.jobs); small ones are answered in the request.

A view counts what the export would hold: up to IN_REQUEST_ROWS lines the file is written at once and downloaded;
above, the export is submitted as a job of the domain's export kind and the user is sent to its page, which
offers the (sealed) file once the worker has written it. Either way the rows come from the database a batch at
a time as plain rows (no ORM object per row), and the export is recorded in the audit log by the domain."""
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import redirect, url_for
from sqlalchemy import Select, func, select
from werkzeug.exceptions import NotFound

from portal.audit.services import Actor
from portal.errors import saving
from portal.extensions import db
from portal.jobs import JobRefused, submit
from portal.org.models import School
from portal.scope import Scope
from portal.terms import Term, TermError, parse_term
from portal.web import download

IN_REQUEST_ROWS = 5_000  # more lines than this: written by the worker, not in the request
BATCH_ROWS = 2_000


def row_count(query: Select, limit: int) -> int:
    """How many rows the query gives, counted up to `limit` (the export's cap)."""
    capped = query.order_by(None).limit(limit).subquery()
    return db.session.scalar(select(func.count()).select_from(capped))


class batches:  # noqa: N801  (iterated like a generator: `for rows in batches(query):`)
    """The query's rows a batch at a time (a server-side cursor on PostgreSQL): the whole result is never held.
    `done` counts the rows handed out so far; progress(done), when given, is told after each batch."""

    def __init__(self, query: Select, progress: Callable[[int], None] | None = None, size: int = BATCH_ROWS):
        self.query, self.progress, self.size, self.done = query, progress, size, 0

    def __iter__(self) -> Iterator[list]:
        result = db.session.execute(self.query.execution_options(yield_per=self.size))
        for partition in result.partitions():
            yield partition
            self.done += len(partition)
            if self.progress is not None:
                self.progress(self.done)


def answer(rows: int, kind: str, params: dict, actor: Actor, write: Callable[[], bytes], filename: str):
    """The view's answer: the file itself when small (written, and its audit entry committed, in the request),
    else a job of `kind` (params: what the task needs to write it again) and a redirect to the job's page."""
    if rows <= IN_REQUEST_ROWS:
        with saving():
            content = write()
        return download(content, filename)
    job = submit(kind, params, actor)
    return redirect(url_for("jobs.page", job_id=job.id), 303)


def scope_of_actor(actor: Actor) -> Scope:
    """The asking user's scope, as the worker rebuilds it: the user may have been disabled since."""
    if actor.user is None or not actor.user.is_active:
        raise JobRefused("提出导出的账号已停用，未导出任何数据。")
    return Scope(actor.user)


@contextmanager
def still_in_scope():
    """Scope.region()/school() inside refuse with a 404 (NotFound): in the worker that is a refusal the job page
    shows, for a region or school the asker no longer oversees."""
    try:
        yield
    except NotFound:
        raise JobRefused("所选区划或学校不在您的管辖范围内，未导出任何数据。") from None


def school_of(actor: Actor, params: dict) -> School:
    """The school a job's params name (school_id), as the asker's scope sees it now."""
    with still_in_scope():
        return scope_of_actor(actor).school(params["school_id"])


def term_of(params: dict) -> Term:
    """The term a job's params name (its code)."""
    try:
        return parse_term(params["term"])
    except (KeyError, TermError):
        raise JobRefused("学期无效，未导出任何数据。") from None


def started(progress: Callable[[int, int | None], None], total: int) -> Callable[[int], None]:
    """The job's bar at 0 of `total`, and the writer's callback: rows written so far."""
    progress(0, total)
    return lambda done: progress(done, total)
