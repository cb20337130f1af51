"""The progress engine: the one module views, the events API, tasks and
commands call to record and read what learners have done.

Recording is batch-first: a form post is a batch of one event, the offline
client sends up to 100. Every event carries a UUID (made by the client, or by
the form when it was rendered), so a replayed or duplicated event changes
nothing. Events merge into the state by order-independent rules (see
progress.models), and course completion is detected on the transition,
exactly once, by a conditional UPDATE that only one transaction can win.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import models, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _

from courses import grading
from courses.models import CoursePage, LessonPage, ModulePage

from . import structure, upserts
from .models import Enrolment, LessonProgress, ProgressEvent, QuizAttempt
from .signals import course_completed

MAX_BATCH = 100
VIEWED = LessonProgress.State.VIEWED
COMPLETED = LessonProgress.State.COMPLETED
# Devices' clocks drift; an event may claim to be this far in the future.
CLOCK_SKEW = timedelta(minutes=10)
Kind = ProgressEvent.Kind
KINDS = frozenset(Kind.values)


@dataclass(frozen=True)
class Event:
    """One thing a learner did, as received."""

    id: uuid.UUID
    kind: str
    object_key: uuid.UUID
    occurred_at: datetime
    answers: dict[str, list[str]] | None = None


@dataclass
class Outcome:
    """What became of one event: recorded, a duplicate, or refused (why)."""

    id: uuid.UUID
    status: str  # "recorded" | "duplicate" | "invalid"
    reason: str = ""
    result: grading.QuizResult | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)


# --- Recording --------------------------------------------------------------


def enrol(*, user, course: CoursePage) -> Enrolment:
    """Enrol ``user`` in ``course`` (any translation of it); idempotent."""
    enrolment, _created = Enrolment.objects.get_or_create(
        user=user, course_key=course.translation_key
    )
    return enrolment


def is_enrolled(*, user, course: CoursePage) -> bool:
    return Enrolment.objects.filter(
        user=user, course_key=course.translation_key
    ).exists()


def parse_event_id(value) -> uuid.UUID | None:
    """The id a form was rendered with (so a resubmission counts once), if valid."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def record_lesson_viewed(*, user, lesson: LessonPage, event_id=None) -> Outcome:
    """Record that ``user`` opened ``lesson``; enrols them if the course allows."""
    return _record_one(user, Kind.LESSON_VIEWED, lesson, event_id)


def record_lesson_completed(*, user, lesson: LessonPage, event_id=None) -> Outcome:
    """Record that ``user`` marked ``lesson`` complete."""
    return _record_one(user, Kind.LESSON_COMPLETED, lesson, event_id)


def record_quiz_submission(
    *, user, module: ModulePage, data: MultiValueDict, event_id=None
) -> Outcome:
    """Grade a module quiz submission on the server and record the attempt.

    An invalid submission (missing answer, unknown option or question) is not
    recorded; the outcome carries a message per question.
    """
    event = Event(
        id=event_id or uuid.uuid4(),
        kind=Kind.QUIZ_SUBMITTED,
        object_key=module.translation_key,
        occurred_at=timezone.now(),
        answers={k: data.getlist(k) for k in data if k not in grading.FORM_KEYS},
    )
    return record_events(user=user, events=[event])[0]


def _record_one(user, kind, page, event_id) -> Outcome:
    event = Event(
        id=event_id or uuid.uuid4(),
        kind=kind,
        object_key=page.translation_key,
        occurred_at=timezone.now(),
    )
    return record_events(user=user, events=[event])[0]


def record_events(*, user, events: list[Event]) -> list[Outcome]:
    """Record a batch of events for one learner; one outcome per event, in order.

    Invalid events are refused with a reason while the valid ones are kept.
    Events already recorded (same id) are acknowledged as duplicates.
    """
    if len(events) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} events per batch")
    placed = structure.place({e.object_key for e in events})
    courses = structure.source_courses({p.course_key for p in placed.values()})
    latest = timezone.now() + CLOCK_SKEW
    outcomes, valid = [], []
    for event in events:
        outcome = _validate(event, placed, courses, latest)
        outcomes.append(outcome)
        if outcome.status == "recorded":
            valid.append((event, outcome))
    if valid:
        _apply(user, valid, placed, courses)
    return outcomes


def _validate(event: Event, placed, courses, latest: datetime) -> Outcome:
    placement = placed.get(event.object_key)
    expected = ModulePage if event.kind == Kind.QUIZ_SUBMITTED else LessonPage
    if event.kind not in KINDS:
        return Outcome(event.id, "invalid", str(_("Unknown event type.")))
    if placement is None or not isinstance(placement.page, expected):
        return Outcome(event.id, "invalid", str(_("No such lesson or module.")))
    if event.occurred_at > latest:
        return Outcome(
            event.id, "invalid", str(_("The event's time is in the future."))
        )
    if event.kind != Kind.QUIZ_SUBMITTED:
        return Outcome(event.id, "recorded")
    course = courses.get(placement.course_key)
    questions = placement.page.quiz_questions()
    answers = {
        k: v for k, v in (event.answers or {}).items() if k not in grading.FORM_KEYS
    }
    errors = grading.check_answers(questions=questions, answers=answers)
    if errors:
        return Outcome(
            event.id,
            "invalid",
            str(_("The quiz answers are incomplete.")),
            errors=errors,
        )
    result = grading.grade(
        questions=questions,
        answers=answers,
        pass_mark=course.pass_mark if course else 70,
    )
    return Outcome(event.id, "recorded", result=result)


@transaction.atomic
def _apply(user, valid: list[tuple[Event, Outcome]], placed, courses) -> None:
    now = timezone.now()
    new_ids = upserts.insert_events(
        [
            {
                "id": e.id,
                "user": user.pk,
                "kind": e.kind,
                "object_key": e.object_key,
                "course_key": placed[e.object_key].course_key,
                "occurred_at": e.occurred_at,
                "received_at": now,
                "result": _result_json(o.result) if o.result else None,
            }
            for e, o in {e.id: (e, o) for e, o in valid}.values()
        ]
    )
    fresh = []
    for event, outcome in valid:
        if event.id in new_ids:
            new_ids.discard(event.id)  # a second copy in the same batch is a duplicate
            fresh.append((event, outcome))
        else:
            # Seen before (ids are random UUIDs, so an id recorded for another
            # learner is a replay too, and is never applied to this one).
            outcome.status = "duplicate"
    if not fresh:
        return
    upserts.merge_lessons(
        _lesson_rows(
            user, [e for e, _o in fresh if e.kind != Kind.QUIZ_SUBMITTED], placed
        )
    )
    upserts.insert_attempts(
        [_attempt_row(user, e, o, placed, now) for e, o in fresh if o.result]
    )
    by_course = defaultdict(list)
    for event, outcome in fresh:
        by_course[placed[event.object_key].course_key].append((event, outcome))
    for course_key, recorded in by_course.items():
        # Locks the enrolment: from here on, this learner's batches for this
        # course take turns, so the completion check sees every other one's
        # evidence. (The check cannot share this statement: a statement that
        # waited for the lock still reads as of before the wait.)
        enrolment = upserts.touch_enrolment(
            user_id=user.pk,
            course_key=course_key,
            last_activity_at=max(e.occurred_at for e, _o in recorded),
        )
        if _may_change_completion(enrolment, recorded):
            _complete_if_done(enrolment, courses.get(course_key))


def _result_json(result: grading.QuizResult) -> dict:
    return {
        "score": result.score,
        "total": result.total,
        "passed": result.passed,
        "answers": {r.question.key: list(r.chosen_ids) for r in result.results},
    }


def _lesson_rows(user, events: list[Event], placed) -> list[dict]:
    """One row per lesson: the batch's own events merged (earliest, highest)."""
    rows: dict[uuid.UUID, dict] = {}
    for event in events:
        row = rows.setdefault(
            event.object_key,
            {
                "user": user.pk,
                "lesson_key": event.object_key,
                "course_key": placed[event.object_key].course_key,
                "state": LessonProgress.State.VIEWED,
                "viewed_at": event.occurred_at,
                "completed_at": None,
            },
        )
        row["viewed_at"] = min(row["viewed_at"], event.occurred_at)
        if event.kind == Kind.LESSON_COMPLETED:
            row["state"] = LessonProgress.State.COMPLETED
            row["completed_at"] = min(
                filter(None, [row["completed_at"], event.occurred_at])
            )
    return list(rows.values())


def _attempt_row(user, event: Event, outcome: Outcome, placed, now) -> dict:
    # The id is the event's own: a concurrent replay may have stored it already.
    result = outcome.result
    return {
        "id": event.id,
        "user": user.pk,
        "module_key": event.object_key,
        "course_key": placed[event.object_key].course_key,
        "answers": {r.question.key: list(r.chosen_ids) for r in result.results},
        "correct": {r.question.key: r.is_correct for r in result.results},
        "score": result.score,
        "total": result.total,
        "is_passed": result.passed,
        "submitted_at": event.occurred_at,
        "recorded_at": now,
    }


def _may_change_completion(enrolment: Enrolment, recorded) -> bool:
    """Whether these new events can complete the course or move its completion.

    Only a completed lesson or a passed quiz is evidence (views and failed
    attempts never complete a course). A completed course moves only back,
    to evidence older than its completion.
    """
    evidence = [
        e.occurred_at
        for e, o in recorded
        if e.kind == Kind.LESSON_COMPLETED or (o.result and o.result.passed)
    ]
    if not evidence:
        return False
    return enrolment.completed_at is None or min(evidence) < enrolment.completed_at


def _complete_if_done(enrolment: Enrolment, course: CoursePage | None) -> None:
    """Detect the transition to complete; send ``course_completed`` once.

    ``completed_at`` is when the requirements were first all met, by the
    devices' clocks. Evidence that arrives late (an offline attempt from
    earlier) may move it back, never forward, and never un-completes.
    ``enrolment`` was read under this transaction's lock on its row
    (``upserts.touch_enrolment``), so whether it was complete cannot change.
    """
    if course is None:
        return
    required = structure.requirements(course)
    if not required.lesson_keys:  # as CourseStatus.is_complete: nothing to do
        return
    completed = upserts.complete_enrolment(
        enrolment,
        lesson_keys=required.lesson_keys,
        quiz_module_keys=required.quiz_module_keys,
    )
    # Only the transaction that completes the row sends the signal.
    if completed is not None and not enrolment.is_completed:
        transaction.on_commit(
            lambda: course_completed.send(sender=Enrolment, enrolment=completed)
        )


# --- Reading ----------------------------------------------------------------


@dataclass
class Missing:
    """One requirement not met yet, for the "why not complete yet" list."""

    key: uuid.UUID
    title: str
    kind: str  # "lesson" | "quiz"
    attempted: bool = False  # a quiz taken but not passed yet


@dataclass
class CourseStatus:
    course: CoursePage
    lessons_done: int
    lessons_total: int
    quizzes_passed: int
    quizzes_total: int
    missing: list[Missing]
    requirements_met_at: datetime | None
    enrolment: Enrolment | None = None

    @property
    def next_step(self) -> Missing | None:
        """Where to continue: the first requirement not met, in course order."""
        lessons = [m for m in self.missing if m.kind == "lesson"]
        return next(iter(lessons or self.missing), None)

    @property
    def is_complete(self) -> bool:
        return not self.missing and self.lessons_total > 0

    @property
    def percent(self) -> int:
        total = self.lessons_total + self.quizzes_total
        done = self.lessons_done + self.quizzes_passed
        return 100 * done // total if total else 0


def _status(user, course: CoursePage) -> CourseStatus:
    return _statuses(user, [course])[0]


def _statuses(user, courses: list[CoursePage]) -> list[CourseStatus]:
    """Each course's status, from two queries whatever the number of courses."""
    requirements = [structure.requirements(course) for course in courses]
    lesson_keys = {key for r in requirements for key in r.lesson_keys}
    module_keys = {key for r in requirements for key in r.quiz_module_keys}
    all_completed = dict(
        LessonProgress.objects.filter(
            user=user,
            lesson_key__in=lesson_keys,
            state=LessonProgress.State.COMPLETED,
        ).values_list("lesson_key", "completed_at")
    )
    attempts = {
        row["module_key"]: row
        for row in QuizAttempt.objects.filter(user=user, module_key__in=module_keys)
        .values("module_key")
        .annotate(
            first_pass=Min("submitted_at", filter=Q(is_passed=True)),
            best=Max("score"),
        )
    }
    return [
        _status_from(course, required, all_completed, attempts)
        for course, required in zip(courses, requirements, strict=True)
    ]


def _status_from(course, required, all_completed, attempts) -> CourseStatus:
    completed = {
        key: all_completed[key] for key in required.lesson_keys if key in all_completed
    }
    missing = [
        Missing(k, required.titles[k], "lesson")
        for k in required.lesson_keys
        if k not in completed
    ]
    passed = {}
    for key in required.quiz_module_keys:
        row = attempts.get(key)
        if row and row["first_pass"]:
            passed[key] = row["first_pass"]
        else:
            missing.append(Missing(key, required.titles[key], "quiz", bool(row)))
    times = [*completed.values(), *passed.values()]
    return CourseStatus(
        course=course,
        lessons_done=len(completed),
        lessons_total=len(required.lesson_keys),
        quizzes_passed=len(passed),
        quizzes_total=len(required.quiz_module_keys),
        missing=missing,
        requirements_met_at=max(times) if times and not missing else None,
    )


def course_status(*, user, course: CoursePage) -> CourseStatus:
    """Where ``user`` stands in ``course``: counts, percentage, what is missing."""
    source = structure.source_course(course.translation_key) or course
    status = _status(user, source)
    status.enrolment = Enrolment.objects.filter(
        user=user, course_key=course.translation_key
    ).first()
    return status


def lesson_states(*, user, lesson_keys) -> dict[uuid.UUID, int]:
    """LessonProgress.State of each of these lessons that ``user`` has touched."""
    return dict(
        LessonProgress.objects.filter(
            user=user, lesson_key__in=lesson_keys
        ).values_list("lesson_key", "state")
    )


def best_attempt(*, user, module: ModulePage) -> QuizAttempt | None:
    """The attempt that counts: the highest score, the earliest among equals."""
    return (
        QuizAttempt.objects.filter(user=user, module_key=module.translation_key)
        .order_by("-score", "submitted_at")
        .first()
    )


def dashboard(*, user) -> list[CourseStatus]:
    """The learner's enrolled courses, most recently active first."""
    enrolments = Enrolment.objects.for_user(user).order_by(
        models.F("last_activity_at").desc(nulls_last=True), "-enrolled_at"
    )
    shown = []
    for enrolment in enrolments:
        course = structure.source_course(enrolment.course_key)
        if course is not None:  # an unpublished course has nothing to show
            shown.append((enrolment, course))
    statuses = _statuses(user, [course for _enrolment, course in shown])
    for status, (enrolment, _course) in zip(statuses, shown, strict=True):
        status.enrolment = enrolment
    return statuses


# --- Cohorts and reports
# Defined in their own modules, re-exported here: other apps import only api.

from .cohorts import (  # noqa: E402, F401
    ClassListError,
    JoinError,
    bulk_create_learners,
    create_cohort,
    has_temporary_password,
    join_cohort,
    may_run_cohorts,
    normalise_join_code,
    organisation_named,
    reissue_password,
    set_cohort_open,
)
from .reports import CohortReport, cohort_report  # noqa: E402, F401
from .xapi import statements_for_cohort, statements_for_learner  # noqa: E402, F401
