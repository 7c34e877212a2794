"""Background jobs: long work runs in the worker process (`flask --app wsgi worker`), never in a request and
never on a thread of the web process. A job row (portal.jobs.models.Job) records what was asked, by whom, and
how far it got; its page shows a progress bar that polls until the job is done.

The API other domains use
-------------------------
Register a kind of job once, at import time of the domain's module (add the module to portal/jobs/all_kinds.py, which the
worker imports)::

    from portal.jobs import JobRefused, Outcome, job_kind

    @job_kind("notices_batch", "批量生成告知书", unit="人",
              next_step=lambda job: ("下载告知书", url_for("jobs.result_file", job_id=job.id)))
    def make_notices(params: dict, actor: Actor, progress) -> Outcome:
        progress(0, total)                      # rows (or steps) done of total; total None = not known
        ...                                     # the work, in db.session's transaction
        progress(done, total, "已生成 … 份")   # optional message; calls are cheap (written at most twice a second)
        if something_is_wrong:
            raise JobRefused("中文的原因")        # the job fails with this message; the transaction is rolled back
        return Outcome("已生成 120 份告知书", data={...}, file=(pdf_bytes, "告知书.pdf"))

Ask for one from a view (or a CLI command), then send the user to its page::

    job = submit("notices_batch", {"class_id": 7}, acting())   # committed and queued at once
    return redirect(url_for("jobs.page", job_id=job.id), 303)

or include the self-polling fragment in a page of your own: `{% include "jobs/_progress.html" %}` with `job`
(and `kind = job_kinds[job.kind]`) in the context; it polls `jobs.progress` every second until done or failed.

Rules the runner keeps:
- The task's work runs in `db.session` inside the worker's own app context; it is committed when the task
  returns, rolled back when it raises (all or nothing). Progress goes through a connection of its own.
- A JobRefused's message (Chinese) is what the user sees; any other exception is logged and the user reads
  "任务失败（内部错误）…，数据未改变". The task never reads `request` or `current_user`: it gets `params`
  (JSON values) and the acting `Actor` (the user who asked, or the command line).
- Return an `Outcome` (or None): its message is shown, `data` is kept as JSON (a kind's `next_step(job)` may
  read it through `job_data(job)`), `file` is kept sealed (portal.protect) under instance/jobs/ and
  downloadable by the job's owner alone; each download is audited.
- A job is seen only by the user who asked for it (anyone else gets 404).

Queue: huey. Storage from PORTAL_JOBS_URL: unset → SQLite at instance/jobs.db (so `make run` stays one
command and runs the worker beside the server); `redis://host:6379/0` → Redis (production); `sqlite:////path`;
`immediate` → run at once in the caller (tests only). A worker started again marks the jobs that were running
when it stopped as failed (数据未改变): run one worker command per installation (it has several threads).
"""
from flask import Blueprint

from portal.jobs.services import JobRefused, Outcome, job_data, job_kind, kinds, submit  # noqa: F401

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def blueprint() -> Blueprint:
    """The blueprint with its routes on it: the route modules are imported here, when the app is built."""
    from portal.jobs import views  # noqa: F401  (their routes join bp)

    return bp
