"""The engine's own SQL (progress.upserts), on SQLite and on PostgreSQL: run
with DATABASE_URL to take the PostgreSQL path (rows sent as one JSON document)."""

from datetime import timedelta, timezone

import pytest
from django.utils import timezone as django_timezone

from progress import api
from progress.models import Enrolment, LessonProgress, ProgressEvent, QuizAttempt
from progress.signals import course_completed
from tests.progress.helpers import answers, event, lessons, module

pytestmark = pytest.mark.django_db

# Not UTC, with microseconds: both must survive the trip to the database.
NAIROBI = timezone(timedelta(hours=3))
T0 = (
    (django_timezone.now() - timedelta(days=3))
    .astimezone(NAIROBI)
    .replace(microsecond=123456)
)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def quiz(course, minutes, *, passed=True):
    page = module(course)
    chosen = answers(page, l2="T" if passed else "F")
    return event("quiz_submitted", page, at=at(minutes), answers=chosen)


def test_events_attempts_and_lessons_are_stored_exactly_as_sent(learner, tiny_course):
    lesson = lessons(tiny_course)[0]
    batch = [
        event("lesson_viewed", lesson, at=at(0)),
        event("lesson_completed", lesson, at=at(5)),
        quiz(tiny_course, 7),
    ]

    outcomes = api.record_events(user=learner, events=batch)

    assert [o.status for o in outcomes] == ["recorded"] * 3
    stored = {e.id: e for e in ProgressEvent.objects.filter(user=learner)}
    for sent in batch:
        row = stored[sent.id]
        assert (row.kind, row.object_key, row.occurred_at) == (
            sent.kind,
            sent.object_key,
            sent.occurred_at,
        )
        assert row.course_key == tiny_course.translation_key
    assert stored[batch[0].id].result is None
    assert stored[batch[2].id].result["score"] == 3
    attempt = QuizAttempt.objects.get(user=learner)
    assert (attempt.id, attempt.submitted_at) == (batch[2].id, at(7))
    assert (attempt.score, attempt.total, attempt.is_passed) == (3, 3, True)
    assert {k: sorted(v) for k, v in attempt.answers.items()} == batch[2].answers
    assert all(attempt.correct.values())
    progress = LessonProgress.objects.get(user=learner)
    assert (progress.state, progress.viewed_at, progress.completed_at) == (
        LessonProgress.State.COMPLETED,
        at(0),
        at(5),
    )


def completion(user, course):
    """The stored completion time, checked against what the dashboard computes."""
    enrolment = Enrolment.objects.get(user=user)
    status = api.course_status(user=user, course=course)
    if enrolment.completed_at is not None:
        assert status.is_complete
        assert enrolment.completed_at == status.requirements_met_at
    return enrolment.completed_at


@pytest.fixture
def signals():
    sent = []

    def receiver(sender, enrolment, **kwargs):
        sent.append(enrolment)

    course_completed.connect(receiver)
    yield sent
    course_completed.disconnect(receiver)


def test_the_completion_time_is_when_the_last_requirement_was_first_met(
    learner, tiny_course, signals, django_capture_on_commit_callbacks
):
    one, two, three = lessons(tiny_course)
    with django_capture_on_commit_callbacks(execute=True):
        api.record_events(
            user=learner,
            events=[
                event("lesson_completed", one, at=at(10)),
                event("lesson_viewed", two, at=at(12)),
                event("lesson_completed", three, at=at(20)),
                quiz(tiny_course, 5, passed=False),
                quiz(tiny_course, 25),
                quiz(tiny_course, 40),
            ],
        )
        assert completion(learner, tiny_course) is None
        api.record_events(
            user=learner,
            events=[
                event("lesson_completed", two, at=at(30)),
                event("lesson_completed", two, at=at(15)),
            ],
        )

    assert completion(learner, tiny_course) == at(25)
    assert [e.completed_at for e in signals] == [at(25)]
    assert signals[0].user == learner


def test_late_evidence_moves_a_completion_back_never_forward(
    learner, tiny_course, signals, django_capture_on_commit_callbacks
):
    one, two, three = lessons(tiny_course)
    with django_capture_on_commit_callbacks(execute=True):
        api.record_events(
            user=learner,
            events=[
                event("lesson_completed", one, at=at(10)),
                event("lesson_completed", two, at=at(20)),
                event("lesson_completed", three, at=at(30)),
                quiz(tiny_course, 40),
            ],
        )
        # Later evidence changes nothing; an attempt made offline earlier,
        # synced late, moves the completion back to the last lesson.
        api.record_events(user=learner, events=[quiz(tiny_course, 50)])
        assert completion(learner, tiny_course) == at(40)
        api.record_events(user=learner, events=[quiz(tiny_course, 1)])
        assert completion(learner, tiny_course) == at(30)
        api.record_events(
            user=learner, events=[event("lesson_completed", three, at=at(2))]
        )

    assert completion(learner, tiny_course) == at(20)
    assert len(signals) == 1
