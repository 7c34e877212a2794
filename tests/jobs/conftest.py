"""A real worker for job tests: `flask worker` as a process of its own, on the test's database and instance folder."""
import os
import subprocess
import sys
import textwrap

import pytest

from portal.jobs.queue import JobQueue

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def real_worker(app, tmp_path):
    """The app's jobs go to a SQLite queue that `flask worker`, started as its own process on the same database
    and instance folder, takes them from. Yields a function that starts the worker."""
    queue_url = f"sqlite:///{tmp_path}/jobs.db"
    immediate = app.extensions["portal_jobs"]
    app.extensions["portal_jobs"] = JobQueue(app, queue_url)
    (tmp_path / "worker_app.py").write_text(textwrap.dedent(f"""\
        from portal import create_app
        app = create_app({{"SQLALCHEMY_DATABASE_URI": {app.config["SQLALCHEMY_DATABASE_URI"]!r},
                          "PORTAL_DATA_KEY": {app.config["PORTAL_DATA_KEY"]!r}, "SECRET_KEY": "test-secret",
                          "JOBS_URL": {queue_url!r}}}, instance_path={app.instance_path!r})
        """), encoding="utf-8")
    processes = []

    def start():
        environment = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}
        processes.append(subprocess.Popen([sys.executable, "-m", "flask", "--app", "worker_app", "worker",
                                           "--workers", "1"], cwd=tmp_path, env=environment,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT))

    yield start
    for process in processes:
        process.terminate()
        output = process.communicate(timeout=30)[0].decode("utf-8", "replace")
        print(output)
    app.extensions["portal_jobs"] = immediate


