"""The job table: one row per piece of long work, written by the web process when it is asked for and by the
worker while it runs. The row, not the queue, is what pages read: it survives restarts of either process."""
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, String, Text

from portal.extensions import db


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    LABELS = {QUEUED: "排队中", RUNNING: "进行中", DONE: "完成", FAILED: "失败"}
    FINISHED = (DONE, FAILED)


class Job(db.Model):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_user_id_id", "user_id", "id"), Index("ix_job_status", "status"))

    id = db.Column(Integer, primary_key=True)
    kind = db.Column(String(40), nullable=False)
    status = db.Column(String(10), nullable=False, default=JobStatus.QUEUED)
    params = db.Column(Text, nullable=False, default="{}")  # JSON
    user_id = db.Column(Integer, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True)
    actor_name = db.Column(String(64), nullable=False)
    actor_ip = db.Column(String(64), nullable=True)
    done = db.Column(BigInteger, nullable=False, default=0)
    total = db.Column(BigInteger, nullable=True)  # None: not known (yet)
    message = db.Column(String(500), nullable=True)  # what the user reads: progress, the outcome, or the refusal
    result = db.Column(Text, nullable=True)  # JSON the task returned
    result_file = db.Column(String(255), nullable=True)  # a file under instance/jobs/ (e.g. an export)
    result_name = db.Column(String(255), nullable=True)  # its name for the download
    created_at = db.Column(DateTime, nullable=False, default=datetime.now)
    started_at = db.Column(DateTime, nullable=True)
    finished_at = db.Column(DateTime, nullable=True)

    @property
    def finished(self) -> bool:
        return self.status in JobStatus.FINISHED

    @property
    def file_cleaned(self) -> bool:
        """Done, and its file was swept after JOB_FILE_DAYS (the row keeps the file's name, not the file)."""
        return self.status == JobStatus.DONE and self.result_name is not None and self.result_file is None

    @property
    def status_label(self) -> str:
        return JobStatus.LABELS.get(self.status, self.status)

    @property
    def elapsed_seconds(self) -> int:
        if self.started_at is None:
            return 0
        return int(((self.finished_at or datetime.now()) - self.started_at).total_seconds())

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == JobStatus.DONE else None
        return min(100, int(self.done * 100 / self.total))
