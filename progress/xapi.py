"""Recorded progress events as xAPI 1.0.3 statements.

Each ProgressEvent becomes one statement whose id is the event's UUID, so an
LRS that imports the export twice keeps one copy. The actor is identified by
an account on this deployment (its user id), never by name or email address.
Activities get stable IRIs built from pages' translation keys, so a lesson
read in French and one read in Arabic are the same activity.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Q, QuerySet
from wagtail.models import Locale, Page

from .models import Cohort, CohortMembership, ProgressEvent

VERSION = "1.0.3"
ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
MAX_LIMIT = 500
DEFAULT_LIMIT = 100
Kind = ProgressEvent.Kind


class CursorError(ValueError):
    """A ``cursor`` that this export did not make."""


@dataclass
class StatementResult:
    """One page of statements, and the cursor of the next page (None: done)."""

    statements: list[dict]
    next_cursor: str | None


def statements_for_learner(*, user, limit=DEFAULT_LIMIT, cursor=None):
    """``user``'s own statements, oldest first, one page at a time."""
    events = ProgressEvent.objects.filter(user=user)
    return statement_page(events=events, limit=limit, cursor=cursor)


def statements_for_cohort(*, cohort: Cohort, limit=DEFAULT_LIMIT, cursor=None):
    """Statements of ``cohort``'s members about the cohort's courses."""
    members = CohortMembership.objects.filter(cohort=cohort).values("user_id")
    events = ProgressEvent.objects.filter(
        user__in=members, course_key__in=cohort.course_uuids
    )
    return statement_page(events=events, limit=limit, cursor=cursor)


def statement_page(
    *, events: QuerySet, limit: int = DEFAULT_LIMIT, cursor: str | None = None
) -> StatementResult:
    """A page of ``events`` as statements, ordered by (occurred_at, id).

    The cursor names the last statement of the previous page, so pages stay
    stable while new events arrive. ``limit`` 0 means the largest page.
    """
    limit = min(limit or MAX_LIMIT, MAX_LIMIT)
    if cursor:
        occurred_at, last_id = decode_cursor(cursor)
        events = events.filter(
            Q(occurred_at__gt=occurred_at) | Q(occurred_at=occurred_at, id__gt=last_id)
        )
    rows = list(events.order_by("occurred_at", "id")[: limit + 1])
    page, more = rows[:limit], len(rows) > limit
    return StatementResult(
        statements=statements(page),
        next_cursor=encode_cursor(page[-1]) if more else None,
    )


def statements(events: list[ProgressEvent]) -> list[dict]:
    """Statements for ``events``; activity names in one query."""
    keys = {e.object_key for e in events} | {e.course_key for e in events}
    default = Locale.get_default()
    titles = dict(
        Page.objects.filter(translation_key__in=keys, locale=default).values_list(
            "translation_key", "title"
        )
    )
    return [statement(e, titles=titles, language=default.language_code) for e in events]


def statement(event: ProgressEvent, *, titles: dict, language: str) -> dict:
    """One event as an xAPI statement. ``titles``: translation key → title in
    the source ``language``."""
    is_quiz = event.kind == Kind.QUIZ_SUBMITTED
    result = event.result or {}
    if is_quiz:
        verb = "passed" if result.get("passed") else "failed"
    else:
        verb = {Kind.LESSON_VIEWED: "experienced", Kind.LESSON_COMPLETED: "completed"}[
            event.kind
        ]
    object_iri = activity_iri(event.object_key) + ("/quiz" if is_quiz else "")
    data = {
        "id": str(event.id),
        "version": VERSION,
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": _base_url(), "name": str(event.user_id)},
        },
        "verb": {"id": ADL_VERBS + verb, "display": {"en-US": verb}},
        "object": _activity(
            object_iri,
            titles.get(event.object_key),
            language,
            "assessment" if is_quiz else "lesson",
        ),
        "context": {
            "platform": "Pamoja",
            "contextActivities": {
                "grouping": [
                    _activity(
                        activity_iri(event.course_key),
                        titles.get(event.course_key),
                        language,
                        "course",
                    )
                ]
            },
        },
        "timestamp": _iso(event.occurred_at),
        "stored": _iso(event.received_at),
    }
    if is_quiz:
        data["result"] = _quiz_result(result)
    elif event.kind == Kind.LESSON_COMPLETED:
        data["result"] = {"completion": True}
    return data


def activity_iri(translation_key: uuid.UUID) -> str:
    """The stable IRI of a page, the same in every language."""
    return f"{_base_url()}/xapi/activities/{translation_key}"


def _activity(iri: str, title: str | None, language: str, kind: str) -> dict:
    definition = {"type": ADL_ACTIVITIES + kind}
    if title:
        definition["name"] = {language: title}
    return {"objectType": "Activity", "id": iri, "definition": definition}


def _quiz_result(result: dict) -> dict:
    score, total = result.get("score", 0), result.get("total", 0)
    return {
        "score": {
            "raw": score,
            "min": 0,
            "max": total,
            "scaled": round(score / total, 4) if total else 0,
        },
        "success": bool(result.get("passed")),
        "completion": True,
    }


def _base_url() -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/")


def _iso(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as LRSs store it: "…T10:00:00.000Z"."""
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def encode_cursor(event: ProgressEvent) -> str:
    raw = json.dumps([event.occurred_at.isoformat(), str(event.id)])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, event_id = json.loads(base64.urlsafe_b64decode(padded))
        occurred_at = datetime.fromisoformat(moment)
        if occurred_at.tzinfo is None:
            raise ValueError("a cursor's time has an offset")
        return occurred_at, uuid.UUID(event_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise CursorError(cursor) from exc
