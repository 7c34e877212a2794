"""flask worker: the process that runs the jobs (what `make run` starts beside the server, and what a
production process list runs once per installation); flask sweep-job-files: remove jobs' files past their time."""
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.jobs.services import abandon_interrupted, sweep_files


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="同时运行的任务数（线程）")
@click.option("--nice", default=10, show_default=True, help="降低后台任务的 CPU 优先级（0 不降低）")
@with_appcontext
def worker_command(workers, nice):
    """运行后台任务（导入、全省比对、导出等）。"""
    queue = current_app.extensions["portal_jobs"]
    if queue.url == "immediate":
        raise click.ClickException("PORTAL_JOBS_URL=immediate 时任务在提交处直接运行，不需要 worker")
    if nice:
        os.nice(nice)  # users' requests come first on a shared machine; the import's writing process inherits it
    interrupted = abandon_interrupted()
    if interrupted:
        click.echo(f"{interrupted} 个上次中断的任务已标记为失败")
    swept = sweep_files()
    if swept:
        click.echo(f"已删除 {swept} 个超过保留期限的任务文件")
    click.echo(f"后台任务进程已启动（{workers} 个线程，队列 {queue.url.split('@')[-1]}）")
    queue.consumer(workers).run()


@click.command("sweep-job-files")
@with_appcontext
def sweep_job_files_command():
    """删除超过保留期限（PORTAL_JOB_FILE_DAYS，默认 7 天）的后台任务文件（导出、告知书 PDF）。"""
    removed = sweep_files()
    click.echo(f"已删除 {removed} 个超过 {current_app.config['JOB_FILE_DAYS']} 天的任务文件")
