"""Merging upserts: one statement per table per batch, no read-modify-write.

``INSERT … ON CONFLICT … DO UPDATE`` with the merge rules of progress.models
(earliest time wins, the highest state wins) written as CASE expressions, so
PostgreSQL and SQLite (≥ 3.35) run the same SQL and concurrent batches for the
same learner merge instead of racing. The ORM's bulk_create cannot express a
merge (it can only overwrite with the new values). Completion, too, is one
conditional UPDATE that checks the requirements as it writes.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from django.db import connection

from .models import Enrolment, LessonProgress, ProgressEvent, QuizAttempt


def _sql_values(model, fields: list[str], rows: list[dict]) -> tuple[str, list]:
    """``(%s, …), (%s, …)`` and the parameters, prepared as the ORM would."""
    meta = model._meta
    prepared = [meta.get_field(name) for name in fields]
    params = []
    for row in rows:
        params += [f.get_db_prep_save(row[f.name], connection) for f in prepared]
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return ", ".join([one] * len(rows)), params


def _columns(model, fields: list[str]) -> str:
    return ", ".join(
        connection.ops.quote_name(model._meta.get_field(f).column) for f in fields
    )


def _earliest(table: str, column: str) -> str:
    """The earlier of the stored and the incoming value; NULL means none yet."""
    stored, new = f"{table}.{column}", f"excluded.{column}"
    return (
        f"CASE WHEN {stored} IS NULL THEN {new} WHEN {new} IS NULL THEN {stored} "
        f"WHEN {new} < {stored} THEN {new} ELSE {stored} END"
    )


EVENT_FIELDS = [
    "id",
    "user",
    "kind",
    "object_key",
    "course_key",
    "occurred_at",
    "received_at",
    "result",
]
ATTEMPT_FIELDS = [
    "id",
    "user",
    "module_key",
    "course_key",
    "answers",
    "correct",
    "score",
    "total",
    "is_passed",
    "submitted_at",
    "recorded_at",
]


def _json_value(value):
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be sent as JSON")


def _rows_source(model, fields: list[str], rows: list[dict]) -> tuple[str, list]:
    """What to insert: ``VALUES …``, or on PostgreSQL one JSON document.

    A placeholder per value costs the ORM's preparation and psycopg's
    adaptation of every value, in Python; one JSON array of rows costs one
    ``json.dumps`` in C, and the server turns it into typed rows
    (``json_populate_recordset`` reads the columns' types from the table).
    """
    if connection.vendor != "postgresql":
        values, params = _sql_values(model, fields, rows)
        return f"VALUES {values}", params
    meta = model._meta
    names = [(f, meta.get_field(f).column) for f in fields]
    document = json.dumps(
        [{column: row[f] for f, column in names} for row in rows],
        default=_json_value,
    )
    table = connection.ops.quote_name(meta.db_table)
    return (
        f"SELECT {_columns(model, fields)} "
        f"FROM json_populate_recordset(NULL::{table}, %s::json)",
        [document],
    )


def _insert_new(model, fields: list[str], rows: list[dict]) -> set[uuid.UUID]:
    source, params = _rows_source(model, fields, rows)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({_columns(model, fields)}) {source} "
        "ON CONFLICT (id) DO NOTHING RETURNING id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # psycopg returns UUIDs, SQLite their hex.
        return {
            key if isinstance(key, uuid.UUID) else uuid.UUID(key)
            for (key,) in cursor.fetchall()
        }


def insert_events(rows: list[dict]) -> set[uuid.UUID]:
    """Insert events whose id is new; return the ids actually inserted.

    ``ON CONFLICT (id) DO NOTHING RETURNING id`` tells new from replayed in
    the same statement, so two requests racing with one id cannot both
    apply it.
    """
    return _insert_new(ProgressEvent, EVENT_FIELDS, rows) if rows else set()


def insert_attempts(rows: list[dict]) -> None:
    """Insert graded quiz attempts; one already stored (same id) is kept."""
    if rows:
        _insert_new(QuizAttempt, ATTEMPT_FIELDS, rows)


def merge_lessons(rows: list[dict]) -> None:
    """Upsert LessonProgress rows (one per user and lesson), merging states."""
    if not rows:
        return
    fields = ["user", "lesson_key", "course_key", "state", "viewed_at", "completed_at"]
    source, params = _rows_source(LessonProgress, fields, rows)
    table = connection.ops.quote_name(LessonProgress._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({_columns(LessonProgress, fields)}) {source} "
        "ON CONFLICT (user_id, lesson_key) DO UPDATE SET "
        f"state = CASE WHEN excluded.state > {table}.state "
        f"THEN excluded.state ELSE {table}.state END, "
        f"viewed_at = {_earliest(table, 'viewed_at')}, "
        f"completed_at = {_earliest(table, 'completed_at')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def touch_enrolment(
    *, user_id: int, course_key: uuid.UUID, last_activity_at: datetime
) -> Enrolment:
    """Enrol if needed and move last_activity_at forward; the enrolment as stored.

    The upsert always writes the row, so it stays locked until the transaction
    ends: what it returns (``completed_at`` above all) cannot change meanwhile,
    and concurrent batches of the same learner wait here, one after the other.
    """
    fields = [
        "id",
        "user",
        "course_key",
        "enrolled_at",
        "last_activity_at",
        "completed_at",
    ]
    row = {
        "id": uuid.uuid4(),
        "user": user_id,
        "course_key": course_key,
        "enrolled_at": last_activity_at.__class__.now(tz=last_activity_at.tzinfo),
        "last_activity_at": last_activity_at,
        "completed_at": None,
    }
    values, params = _sql_values(Enrolment, fields, [row])
    table = connection.ops.quote_name(Enrolment._meta.db_table)
    stored, new = f"{table}.last_activity_at", "excluded.last_activity_at"
    columns = _columns(Enrolment, fields)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES {values} "
        "ON CONFLICT (user_id, course_key) DO UPDATE SET last_activity_at = "
        f"CASE WHEN {stored} IS NULL OR {new} > {stored} THEN {new} ELSE {stored} END "
        f"RETURNING {columns}"
    )
    # A raw queryset turns the returned row into a model instance, with the
    # database's values converted as for any query (SQLite's naive datetimes).
    return next(iter(Enrolment.objects.raw(sql, params)))


def complete_enrolment(
    enrolment: Enrolment, *, lesson_keys: list, quiz_module_keys: list
) -> Enrolment | None:
    """Set ``completed_at`` if every requirement is met; the row if it changed.

    The requirements are those of ``progress.api.CourseStatus.is_complete``:
    each lesson completed, each quiz module passed at least once. The time is
    when the last of them was first met; an enrolment completed later than
    that moves back to it, never forward. The caller holds the row's lock
    (``touch_enrolment``), so this statement sees every other batch's evidence.
    """
    user_id = enrolment.user_id
    as_uuid = LessonProgress._meta.get_field("lesson_key").get_db_prep_value
    lessons = [as_uuid(k, connection) for k in lesson_keys]
    modules = [as_uuid(k, connection) for k in quiz_module_keys]
    lesson_table = connection.ops.quote_name(LessonProgress._meta.db_table)
    quiz_table = connection.ops.quote_name(QuizAttempt._meta.db_table)
    evidence = (
        f"SELECT completed_at AS at FROM {lesson_table} WHERE user_id = %s "
        f"AND state = %s AND lesson_key IN ({', '.join(['%s'] * len(lessons))})"
    )
    params = [user_id, LessonProgress.State.COMPLETED, *lessons]
    if modules:
        # The first passed attempt of each module (is_passed is 0/1 in SQLite).
        evidence += (
            f" UNION ALL SELECT MIN(submitted_at) FROM {quiz_table} "
            "WHERE user_id = %s AND is_passed = %s "
            f"AND module_key IN ({', '.join(['%s'] * len(modules))}) "
            "GROUP BY module_key"
        )
        params += [user_id, True, *modules]
    table = connection.ops.quote_name(Enrolment._meta.db_table)
    columns = _columns(Enrolment, [f.name for f in Enrolment._meta.concrete_fields])
    sql = (
        f"WITH evidence AS ({evidence}) "
        f"UPDATE {table} SET completed_at = (SELECT MAX(at) FROM evidence) "
        "WHERE id = %s AND (SELECT COUNT(*) FROM evidence) = %s AND "
        "(completed_at IS NULL OR completed_at > (SELECT MAX(at) FROM evidence)) "
        f"RETURNING {columns}"
    )
    params += [
        Enrolment._meta.pk.get_db_prep_value(enrolment.pk, connection),
        len(lessons) + len(modules),
    ]
    return next(iter(Enrolment.objects.raw(sql, params)), None)
