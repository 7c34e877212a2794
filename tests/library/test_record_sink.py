"""The writing process's side of the pipe, driven directly: what it answers, and what it keeps."""
import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.library import importer, record_sink
from portal.library.models import BatchStatus, LibraryBatch, LibraryRecord
from portal.library.writer import stored_columns


class _Answers(io.BytesIO):
    """The process's stdout: what it wrote stays readable after it closes it."""

    def close(self) -> None:
        self.written = self.getvalue()
        super().close()


def _batch() -> LibraryBatch:
    batch = LibraryBatch(category="orphan", status=BatchStatus.PENDING, filename="x.xlsx", uploaded_by_name="测试")
    db.session.add(batch)
    db.session.commit()
    return batch


def _frames(batch_id: int, *frames) -> io.BytesIO:
    incoming = io.BytesIO()
    record_sink.send(incoming, {"dialect": db.engine.dialect.name, "database": _database(),
                                "columns": stored_columns(importer.ROW_COLUMNS),
                                "constants": {"batch_id": batch_id, "category": "orphan"}, "commit_every": 100_000})
    for frame in frames:
        record_sink.send(incoming, frame)
    return incoming


def _database() -> str:
    from portal.library.writer import _database as database_of

    return database_of(db.engine.url)


def _columns(name: str) -> list[list]:
    return record_sink.bindable(db.engine.dialect.name, stored_columns(importer.ROW_COLUMNS),
                                [[bytes(16)], [b"sealed"], ["320102************"], ["M"], [2015], ["320102"], [name],
                                 [None], [2]])


def _serve(incoming: io.BytesIO) -> tuple[int, list]:
    incoming.seek(0)
    outgoing = _Answers()
    code = record_sink.serve(incoming, outgoing)
    answer = outgoing.written if outgoing.closed else outgoing.getvalue()  # after a failure the process exits
    return code, record_sink.receive(io.BytesIO(answer))


def test_rows_are_committed_at_finish_and_counted_in_the_answer(app, world):
    batch = _batch()
    assert _serve(_frames(batch.id, _columns("张三"), _columns("李四"), record_sink.FINISH)) == (0, ["ok", 2])
    assert sorted(db.session.scalars(select(LibraryRecord.name))) == ["张三", "李四"]


def test_an_importer_gone_in_the_middle_of_a_frame_leaves_nothing(app, world):
    batch = _batch()
    incoming = _frames(batch.id, _columns("张三"))
    incoming.write(record_sink._LENGTH.pack(1000) + b"only part of a frame")
    code, _ = _serve(incoming)
    assert code == 0  # an abort: rolled back, nobody left to tell
    assert db.session.scalar(select(func.count()).select_from(LibraryRecord)) == 0


def test_a_database_refusal_is_answered_with_the_drivers_name(app, world):
    batch = _batch()
    code, answer = _serve(_frames(batch.id, _columns(None), record_sink.FINISH))
    assert code == 1 and answer[0] == "error" and answer[1] in {"IntegrityError", "NotNullViolation"}
    assert db.session.scalar(select(func.count()).select_from(LibraryRecord)) == 0
