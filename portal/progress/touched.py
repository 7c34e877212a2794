"""Which schools a transaction touched, collected in one place, and their progress rows refreshed before it commits.

No writer remembers to refresh anything. Three session/connection hooks watch every write to the tables the
progress figures are counted from (WATCHED), and note the (school, term) pairs it reaches:
- ORM objects: after each flush, the new, changed and deleted objects of a watched table (both the old and the
  new school/term when a key changed); a School whose region, stages or 空壳 flag changed (every term it has rows
  for); a FundingProject whose level changed (the schools and terms its records paid in);
- Core statements run through the session (INSERT … VALUES / executemany / FROM SELECT, UPDATE, DELETE): the
  pairs the statement's rows hold, read by one SELECT DISTINCT over its WHERE clause (or its FROM SELECT) just
  before it runs — set-based, whatever the number of rows;
- raw bulk inserts (portal.bulk.insert_plain): the pairs of the tuples written.
Just before the commit, the noted schools' rows are refreshed (portal.progress.services.refresh_progress: a few
statements per term for the whole set; only the reasons rows after a write of reasons alone, which no other figure
counts) and, on the first refresh of a day, the day's snapshot is taken. The same hooks watch the progress rows
and the submissions (SUMMARISED), whoever writes them, and a school's place, stages and 空壳 flag: the homes'
summary rows of those schools are rebuilt next (portal.progress.summary). The refresh's own writes (marked NOTED)
name their schools to the summary themselves, so the hooks need not read back which rows they reached.
A rollback forgets the notes. So a new writer that knows nothing of progress still leaves the dashboards right.
A writer that knows which schools its statements will reach may say so instead (within()): matching, whose
statements all reach the schools it matches; its 学籍重复 marking, which reads the schools whose flags move before it
moves them; an upload's preview, whose pending rows no figure counts. The hooks then do not read those rows back.
"""
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Select, event, inspect, literal, select
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql.elements import BinaryExpression, BindParameter
from sqlalchemy.orm import Session

from portal.terms import TermError, parse_period

_NOTES = "progress_touched"  # Session.info key: {term code or EVERY_TERM: set of school ids, or ALL}
_REASONS_NOTES = "reasons_touched"  # the same, for writes only the reasons rows are counted from
SUMMARY_NOTES = "summary_touched"  # the same, for the homes' summary rows (portal.progress.summary)
NOTED = "progress_noted"  # execution option of refresh_progress's own writes: they note the summary themselves
_WITHIN = "progress_within"  # Session.info key: inside within(), the figures' tables' statements are noted already
EVERY_TERM = "*"  # the school's rows in every term it has one for (a school moved or marked 空壳)
ALL = "all"  # every school (a statement whose rows could not be told apart)
MANY = 5000  # beyond this many schools a term is refreshed for every school: still one statement per figure group


@dataclass(frozen=True)
class Watched:
    school: str  # column holding the school id
    term: str | None  # column holding the term code, or
    period: str | None = None  # a column holding a period code (a term, or a 中职 month of one)
    via_student: bool = False  # keyed through hardship_student (student_id)
    notes: str = _NOTES  # which refresh its writes call for: every figure, or the reasons rows alone


WATCHED = {
    "enrolment_upload": Watched("school_id", "term"),
    "enrolment_student": Watched("school_id", "term"),
    "hardship_student": Watched("school_id", "term"),
    "hardship_category": Watched("student_id", None, via_student=True),
    "funding_record": Watched("school_id", "term"),
    # read by portal.reasons.figures alone: a reason written refreshes the reasons rows, not the school's figures
    "unfunded_reason": Watched("school_id", None, period="period", notes=_REASONS_NOTES),
    "notice_record": Watched("school_id", "term"),
}
# what the homes' summary is counted from (besides the school itself): written by refresh_progress, by review
SUMMARISED = {
    "school_progress": Watched("school_id", "term"),
    "reasons_progress": Watched("school_id", "term"),
    "period_submission": Watched("school_id", None, period="period"),
}
SCHOOL_FIGURE_COLUMNS = ("region_code", "city_code", "county_code", "active", "stages")


def notes(session: Session, key: str = _NOTES) -> dict:
    return session.info.setdefault(key, {})


def _watched(table: str | None) -> tuple[Watched, str] | None:
    """How a table's rows name their schools and terms, and which notes they go to."""
    if table in WATCHED:
        return WATCHED[table], WATCHED[table].notes
    if table in SUMMARISED:
        return SUMMARISED[table], SUMMARY_NOTES
    return None


def touch(session: Session, school_ids, term: str = EVERY_TERM, key: str = _NOTES) -> None:
    """Note schools whose figures changed (ids, or ALL). Writers need not call this: the hooks below do."""
    found = notes(session, key)
    if school_ids == ALL or found.get(term) == ALL:
        found[term] = ALL
        return
    ids = found.setdefault(term, set())
    ids.update(int(school_id) for school_id in school_ids if school_id is not None)
    if len(ids) > MANY:  # beyond a bound parameter list's reach: every school, still set-based
        found[term] = ALL


@contextmanager
def within(session: Session, school_ids, term: str):
    """The block's statements and raw inserts write the figures' tables (WATCHED) only in rows of these schools
    (ids, ALL, or none: rows no figure counts) and this term, as the caller knows: the schools are noted at once, and
    the hooks do not read back which rows each statement reached. ORM objects flushed in the block are noted as
    ever."""
    if school_ids:
        touch(session, school_ids, term)
    session.info[_WITHIN] = session.info.get(_WITHIN, 0) + 1
    try:
        yield
    finally:
        session.info[_WITHIN] -= 1


def touch_pairs(session: Session, pairs, key: str = _NOTES) -> None:
    by_term = defaultdict(set)
    for school_id, term in pairs:
        if school_id is not None and term:
            by_term[term].add(school_id)
    for term, ids in by_term.items():
        touch(session, ids, term, key)


def _term_of(period_code: str | None) -> str | None:
    try:
        return parse_period(period_code).term.code if period_code else None
    except TermError:
        return None


def touch_rows(session: Session, table: str, columns: list[str], rows) -> None:
    """Raw inserts (portal.bulk.insert_plain): the pairs the tuples hold."""
    found = _watched(table)
    if found is None or found[0].via_student or found[0].school not in columns or (
            table in WATCHED and session.info.get(_WITHIN)):
        return
    watched, key = found
    school = columns.index(watched.school)
    if watched.term and watched.term in columns:
        term = columns.index(watched.term)
        touch_pairs(session, {(row[school], row[term]) for row in rows}, key)
    elif watched.period and watched.period in columns:
        period = columns.index(watched.period)
        touch_pairs(session, {(row[school], _term_of(row[period])) for row in {(r[school], r[period]) for r in rows}},
                    key)
    else:
        touch(session, {row[school] for row in rows}, key=key)


# ---- ORM objects ---------------------------------------------------------------------------------------------

def _after_flush(session: Session, _context) -> None:
    students: set[int] = set()  # rows keyed through their student: one SELECT for the whole flush
    for state_set, changed_only in ((session.new, False), (session.dirty, True), (session.deleted, False)):
        for instance in state_set:
            _note_instance(session, instance, changed_only, students)
    if students:
        from portal.enrolment.models import HardshipStudent

        _touch_select(session, select(HardshipStudent.school_id, HardshipStudent.term).distinct()
                      .where(HardshipStudent.id.in_(sorted(students))))


def _note_instance(session: Session, instance, changed_only: bool, students: set[int]) -> None:
    from portal.funding.models import FundingProject
    from portal.org.models import School

    table = getattr(instance, "__tablename__", None)
    state = inspect(instance)
    if isinstance(instance, School):
        if not changed_only or any(state.attrs[name].history.has_changes() for name in SCHOOL_FIGURE_COLUMNS):
            touch(session, [instance.id])
            touch(session, ALL, key=SUMMARY_NOTES)  # its old place is not kept: every place, every term summed
        return
    if isinstance(instance, FundingProject):
        if changed_only and state.attrs.level.history.has_changes():
            _touch_select(session, _project_pairs(select(FundingProject.id).where(FundingProject.id == instance.id)))
        return
    found = _watched(table)
    if found is None or (changed_only and not session.is_modified(instance)):
        return
    watched, key = found
    if watched.via_student:
        students.update(value for value in _values(state, "student_id") if value is not None)
        return
    schools = _values(state, watched.school)
    if watched.term:
        terms = _values(state, watched.term)
    else:
        terms = {_term_of(code) for code in _values(state, watched.period)}
    touch_pairs(session, {(school, term) for school in schools for term in terms}, key)


def _values(state, name: str) -> set:
    """The attribute's current value and, if it changed in this flush, its previous one."""
    history = state.attrs[name].history
    found = set(history.added or ()) | set(history.unchanged or ()) | set(history.deleted or ())
    if not found:
        found.add(state.attrs[name].value)
    return found


# ---- Core statements -----------------------------------------------------------------------------------------

def _do_orm_execute(state) -> None:
    if not (state.is_insert or state.is_update or state.is_delete) or state.execution_options.get(NOTED):
        return
    statement = state.statement
    table = getattr(statement, "table", None)
    name = getattr(table, "name", None)
    if name == "school":  # a school moved, re-staged or marked 空壳 (one by one, or a registry import's executemany)
        if state.is_update and any(key in SCHOOL_FIGURE_COLUMNS for key in _set_keys(statement)):
            for where in _wheres(statement.whereclause, state.parameters):
                _touch_schools_select(state.session, _keyed(where, table.c.id))
            touch(state.session, ALL, key=SUMMARY_NOTES)
        return
    if name == "funding_project":
        if state.is_update and "level" in _set_keys(statement):
            for where in _wheres(statement.whereclause, state.parameters):
                _touch_select(state.session, _project_pairs(_keyed(where, table.c.id)))
        return
    found = _watched(name)
    if found is None or (name in WATCHED and state.session.info.get(_WITHIN)):
        return
    watched, key = found
    session = state.session
    if state.is_insert:
        _note_insert(session, statement, table, watched, state.parameters, key)
    else:
        for where in _wheres(statement.whereclause, state.parameters):
            _touch_select(session, _pairs(watched, table, where), key)
        values = getattr(statement, "_values", None) or {}
        if state.is_update and any(_key(column) in (watched.school, watched.term, watched.period) for column in values):
            touch(session, ALL, EVERY_TERM, key)  # a statement moving rows between schools or terms: rare, be safe


def _wheres(where, parameters) -> list:
    """The WHERE clause with its bound parameters filled in: an executemany UPDATE or DELETE … WHERE id = :x
    becomes one WHERE id IN (all the x), anything else with parameters one clause per parameter set."""
    if where is None or not parameters:
        return [where]
    sets = parameters if isinstance(parameters, list) else [parameters]
    if (isinstance(where, BinaryExpression) and where.operator is operators.eq
            and isinstance(where.right, BindParameter) and where.right.key in sets[0]):
        return [where.left.in_({found[where.right.key] for found in sets})]
    return [visitors.replacement_traverse(where, {}, lambda element, found=found: (
        literal(found[element.key], element.type) if isinstance(element, BindParameter) and element.key in found
        else None)) for found in sets]


def _set_keys(statement) -> set[str]:
    return {_key(column) for column in (getattr(statement, "_values", None) or {})}


def _key(column) -> str:
    return column if isinstance(column, str) else getattr(column, "key", str(column))


def _keyed(where, column) -> Select:
    query = select(column)
    return query.where(where) if where is not None else query


def _pairs(watched: Watched, table, where) -> Select:
    """SELECT DISTINCT school id, term (or period) of the table's rows the WHERE clause reaches."""
    from portal.enrolment.models import HardshipStudent

    if watched.via_student:
        students = select(table.c.student_id)
        if where is not None:
            students = students.where(where)
        return (select(HardshipStudent.school_id, HardshipStudent.term).distinct()
                .where(HardshipStudent.id.in_(students)))
    key = table.c[watched.term] if watched.term else table.c[watched.period]
    query = select(table.c[watched.school], key).distinct()
    query = query.where(where) if where is not None else query
    return query if watched.term else _PeriodPairs(query)


class _PeriodPairs:
    """A pairs select whose second column is a period code, turned into its term after reading."""

    def __init__(self, query: Select):
        self.query = query


def _touch_select(session: Session, query, key: str = _NOTES) -> None:
    if isinstance(query, _PeriodPairs):
        rows = session.execute(query.query).all()
        touch_pairs(session, {(school, _term_of(period)) for school, period in rows}, key)
        return
    touch_pairs(session, session.execute(query).all(), key)


def _touch_schools_select(session: Session, query: Select) -> None:
    touch(session, session.scalars(query).all())


def _project_pairs(projects: Select) -> Select:
    from portal.funding.models import FundingRecord

    return (select(FundingRecord.school_id, FundingRecord.term).distinct()
            .where(FundingRecord.project_id.in_(projects)))


def _note_insert(session: Session, statement, table, watched: Watched, parameters, notes_key: str) -> None:
    source = getattr(statement, "select", None)
    names = getattr(statement, "_select_names", None)
    if source is not None and names:
        rows = source.subquery()
        columns = dict(zip([_key(name) for name in names], rows.c))
        if watched.via_student:
            from portal.enrolment.models import HardshipStudent

            _touch_select(session, select(HardshipStudent.school_id, HardshipStudent.term).distinct()
                          .where(HardshipStudent.id.in_(select(columns["student_id"]))), notes_key)
            return
        key = watched.term or watched.period
        if watched.school in columns and key in columns:
            query = select(columns[watched.school], columns[key]).distinct()
            _touch_select(session, query if watched.term else _PeriodPairs(query), notes_key)
            return
        touch(session, ALL, EVERY_TERM, notes_key)
        return
    rows = parameters if isinstance(parameters, list) else ([parameters] if parameters else [])
    values = getattr(statement, "_values", None)
    if values:
        rows = rows + [{_key(column): getattr(value, "value", None) for column, value in values.items()}]
    multi = getattr(statement, "_multi_values", None)
    for group in multi or ():
        for row in group:
            if isinstance(row, dict):
                rows.append({_key(column): getattr(value, "value", value) for column, value in row.items()})
    if not rows:
        touch(session, ALL, EVERY_TERM, notes_key)
        return
    if watched.via_student:
        from portal.enrolment.models import HardshipStudent

        ids = {row.get("student_id") for row in rows} - {None}
        _touch_select(session, select(HardshipStudent.school_id, HardshipStudent.term)
                      .where(HardshipStudent.id.in_(ids)), notes_key)
        return
    if watched.term:
        touch_pairs(session, {(row.get(watched.school), row.get(watched.term)) for row in rows}, notes_key)
    else:
        touch_pairs(session, {(row.get(watched.school), _term_of(row.get(watched.period))) for row in rows}, notes_key)


# ---- before commit -------------------------------------------------------------------------------------------

def _before_commit(session: Session) -> None:
    from portal.progress.services import refresh_touched

    from portal.progress.summary import refresh_summary

    for _ in range(5):  # progress, then the summary of what that wrote (which nothing watches): the rule is two rounds
        session.flush()
        found, reasons = session.info.pop(_NOTES, None), session.info.pop(_REASONS_NOTES, None)
        if found or reasons:
            refresh_touched(session, found or {}, reasons or {})
            continue
        summary = session.info.pop(SUMMARY_NOTES, None)
        if not summary:
            return
        refresh_summary(summary)


def _after_rollback(session: Session) -> None:
    for key in (_NOTES, _REASONS_NOTES, SUMMARY_NOTES):
        session.info.pop(key, None)


def install(session_class) -> None:
    """Listen on the application's session class (once)."""
    if event.contains(session_class, "after_flush", _after_flush):
        return
    event.listen(session_class, "after_flush", _after_flush)
    event.listen(session_class, "do_orm_execute", _do_orm_execute)
    event.listen(session_class, "before_commit", _before_commit)
    event.listen(session_class, "after_rollback", _after_rollback)


def pending(session: Session) -> dict:
    """The notes so far, whichever refresh they call for (for tests and for writers curious what will be
    refreshed)."""
    found = {}
    for key in (_NOTES, _REASONS_NOTES):
        for term, ids in session.info.get(key, {}).items():
            found[term] = ALL if ALL in (ids, found.get(term)) else found.get(term, set()) | set(ids)
    return found


__all__ = ["ALL", "EVERY_TERM", "NOTED", "SUMMARY_NOTES", "install", "pending", "touch", "touch_pairs",
           "touch_rows", "within"]
