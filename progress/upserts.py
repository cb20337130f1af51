"""Merging upserts: one statement per table per batch, no read-modify-write.

``INSERT … ON CONFLICT … DO UPDATE`` with the merge rules of progress.models
(earliest time wins, the highest state wins) written as CASE expressions, so
PostgreSQL and SQLite (≥ 3.35) run the same SQL and concurrent batches for the
same learner merge instead of racing. The ORM's bulk_create cannot express a
merge (it can only overwrite with the new values).
"""

from __future__ import annotations

import uuid

from django.db import connection

from .models import Enrolment, LessonProgress, ProgressEvent


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
# PostgreSQL array types of those columns, for one INSERT … SELECT FROM UNNEST.
PG_ARRAYS = [
    "uuid[]",
    "bigint[]",
    "varchar[]",
    "uuid[]",
    "uuid[]",
    "timestamptz[]",
    "timestamptz[]",
    "jsonb[]",
]


def insert_events(rows: list[dict]) -> set[uuid.UUID]:
    """Insert events whose id is new; return the ids actually inserted.

    ``ON CONFLICT (id) DO NOTHING RETURNING id`` tells new from replayed in
    the same statement, so two requests racing with one id cannot both
    apply it. On PostgreSQL the rows travel as one array per column (UNNEST),
    which costs far less than a placeholder per value.
    """
    if not rows:
        return set()
    table = connection.ops.quote_name(ProgressEvent._meta.db_table)
    columns = _columns(ProgressEvent, EVENT_FIELDS)
    if connection.vendor == "postgresql":
        fields = [ProgressEvent._meta.get_field(f) for f in EVENT_FIELDS]
        params = [
            [f.get_db_prep_save(row[f.name], connection) for row in rows]
            for f in fields
        ]
        arrays = ", ".join(f"%s::{kind}" for kind in PG_ARRAYS)
        sql = f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({arrays})"
    else:
        values, params = _sql_values(ProgressEvent, EVENT_FIELDS, rows)
        sql = f"INSERT INTO {table} ({columns}) VALUES {values}"
    with connection.cursor() as cursor:
        cursor.execute(sql + " ON CONFLICT (id) DO NOTHING RETURNING id", params)
        return {uuid.UUID(str(row[0])) for row in cursor.fetchall()}


def merge_lessons(rows: list[dict]) -> None:
    """Upsert LessonProgress rows (one per user and lesson), merging states."""
    if not rows:
        return
    fields = ["user", "lesson_key", "course_key", "state", "viewed_at", "completed_at"]
    values, params = _sql_values(LessonProgress, fields, rows)
    table = connection.ops.quote_name(LessonProgress._meta.db_table)
    sql = (
        f"INSERT INTO {table} ({_columns(LessonProgress, fields)}) VALUES {values} "
        "ON CONFLICT (user_id, lesson_key) DO UPDATE SET "
        f"state = CASE WHEN excluded.state > {table}.state "
        f"THEN excluded.state ELSE {table}.state END, "
        f"viewed_at = {_earliest(table, 'viewed_at')}, "
        f"completed_at = {_earliest(table, 'completed_at')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def touch_enrolment(*, user_id: int, course_key: uuid.UUID, last_activity_at) -> bool:
    """Enrol if needed, move last_activity_at forward; True if already completed."""
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
    sql = (
        f"INSERT INTO {table} ({_columns(Enrolment, fields)}) VALUES {values} "
        "ON CONFLICT (user_id, course_key) DO UPDATE SET last_activity_at = "
        f"CASE WHEN {stored} IS NULL OR {new} > {stored} THEN {new} ELSE {stored} END "
        "RETURNING completed_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0] is not None
