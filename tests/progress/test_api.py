import uuid
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from wagtail.models import Locale

from courses.models import LessonPage
from progress import api
from progress.models import Enrolment, LessonProgress, ProgressEvent, QuizAttempt
from progress.signals import course_completed
from tests.progress.helpers import answers, event, lessons, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def completions():
    received = []

    def receiver(sender, enrolment, **kwargs):
        received.append(enrolment)

    course_completed.connect(receiver)
    yield received
    course_completed.disconnect(receiver)


def submit(user, module_page, **kw):
    return api.record_quiz_submission(
        user=user, module=module_page, data=MultiValueDict(answers(module_page, **kw))
    )


def finish(user, course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons(course):
            api.record_lesson_completed(user=user, lesson=lesson)
        return submit(user, module(course))


def test_completing_every_lesson_and_passing_the_quiz_completes_the_course_once(
    learner, tiny_course, completions, django_capture_on_commit_callbacks
):
    outcome = finish(learner, tiny_course, django_capture_on_commit_callbacks)

    assert outcome.status == "recorded"
    assert outcome.result.passed
    assert len(completions) == 1
    assert completions[0].user == learner
    enrolment = Enrolment.objects.get(user=learner)
    assert enrolment.completed_at is not None
    # Doing it all again changes nothing and sends nothing.
    finish(learner, tiny_course, django_capture_on_commit_callbacks)
    assert len(completions) == 1
    assert Enrolment.objects.get(user=learner).completed_at == enrolment.completed_at


def test_lessons_alone_do_not_complete_a_course_with_a_quiz(
    learner, tiny_course, completions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for lesson in lessons(tiny_course):
            api.record_lesson_completed(user=learner, lesson=lesson)

    status = api.course_status(user=learner, course=tiny_course)
    assert completions == []
    assert not status.is_complete
    assert [(m.kind, m.title, m.attempted) for m in status.missing] == [
        ("quiz", "First module", False)
    ]
    assert status.percent == 75


def test_a_failed_attempt_is_kept_and_the_best_attempt_counts(learner, tiny_course):
    first = module(tiny_course)

    failed = submit(learner, first, l1={"q1": ["A"], "q2": ["A"]})
    passed = submit(learner, first)
    again = submit(learner, first, l2="F")

    assert not failed.result.passed
    assert (failed.result.score, passed.result.score, again.result.score) == (1, 3, 2)
    assert QuizAttempt.objects.filter(user=learner).count() == 3
    assert api.best_attempt(user=learner, module=first).score == 3
    status = api.course_status(user=learner, course=tiny_course)
    assert status.quizzes_passed == 1


def test_multiple_choice_with_only_some_right_options_scores_nothing(
    learner, tiny_course
):
    outcome = submit(learner, module(tiny_course), l1={"q1": ["B"], "q2": ["A"]})

    assert outcome.result.score == 2
    attempt = QuizAttempt.objects.get(user=learner)
    assert sorted(attempt.correct.values()) == [False, True, True]
    assert sorted(map(sorted, attempt.answers.values())) == [["A"], ["B"], ["T"]]


def test_an_incomplete_quiz_submission_is_refused_and_nothing_recorded(
    learner, tiny_course
):
    data = answers(module(tiny_course))
    data.pop(next(iter(data)))

    outcome = api.record_quiz_submission(
        user=learner, module=module(tiny_course), data=MultiValueDict(data)
    )

    assert outcome.status == "invalid"
    assert "Choose an answer to this question." in str(outcome.errors)
    assert not QuizAttempt.objects.exists()
    assert not ProgressEvent.objects.exists()


def test_the_same_event_twice_counts_once(learner, tiny_course):
    lesson = lessons(tiny_course)[0]
    event_id = uuid.uuid4()

    first = api.record_lesson_completed(user=learner, lesson=lesson, event_id=event_id)
    second = api.record_lesson_completed(user=learner, lesson=lesson, event_id=event_id)

    assert (first.status, second.status) == ("recorded", "duplicate")
    assert ProgressEvent.objects.count() == 1


def test_a_view_arriving_after_the_completion_never_regresses_the_lesson(
    learner, tiny_course
):
    lesson = lessons(tiny_course)[0]
    now = timezone.now()
    api.record_events(
        user=learner,
        events=[event("lesson_completed", lesson, at=now - timedelta(hours=1))],
    )
    api.record_events(
        user=learner,
        events=[event("lesson_viewed", lesson, at=now - timedelta(hours=2))],
    )

    row = LessonProgress.objects.get(user=learner)
    assert row.state == LessonProgress.State.COMPLETED
    assert row.viewed_at == now - timedelta(hours=2)
    assert row.completed_at == now - timedelta(hours=1)


def test_a_batch_keeps_valid_events_and_names_what_is_wrong_with_the_others(
    learner, tiny_course
):
    lesson = lessons(tiny_course)[0]
    future = timezone.now() + timedelta(days=1)
    batch = [
        event("lesson_completed", lesson),
        api.Event(uuid.uuid4(), "lesson_completed", uuid.uuid4(), timezone.now()),
        event("lesson_viewed", lesson, at=future),
        event("quiz_submitted", lesson, answers={}),
    ]

    outcomes = api.record_events(user=learner, events=batch)

    assert [o.status for o in outcomes] == ["recorded", "invalid", "invalid", "invalid"]
    assert outcomes[1].reason == "No such lesson or module."
    assert outcomes[2].reason == "The event's time is in the future."
    assert LessonProgress.objects.get(user=learner).state == 2


def test_completion_is_never_revoked_when_the_course_changes(
    learner, tiny_course, completions, django_capture_on_commit_callbacks
):
    finish(learner, tiny_course, django_capture_on_commit_callbacks)
    l3 = lessons(tiny_course)[2]
    added = l3.get_parent().add_child(
        instance=LessonPage(title="New lesson", slug="new", objective="x", body=[])
    )
    added.save_revision().publish()
    l3.unpublish()

    status = api.course_status(user=learner, course=tiny_course)
    assert status.enrolment.is_completed
    assert [m.title for m in status.missing] == ["New lesson"]
    assert len(completions) == 1


def test_a_lesson_completed_in_french_counts_in_english(learner, tiny_course):
    french = Locale.objects.create(language_code="fr")
    english_lesson = lessons(tiny_course)[0]
    french_lesson = english_lesson.copy_for_translation(french, copy_parents=True)
    french_lesson.save_revision().publish()

    api.record_lesson_completed(user=learner, lesson=french_lesson)

    status = api.course_status(user=learner, course=tiny_course)
    assert status.lessons_done == 1
    assert english_lesson.title not in [m.title for m in status.missing]
    assert api.lesson_states(user=learner, lesson_keys=[english_lesson.translation_key])


def test_the_dashboard_lists_enrolments_with_what_is_missing(learner, tiny_course):
    assert api.dashboard(user=learner) == []
    api.enrol(user=learner, course=tiny_course)
    api.record_lesson_completed(user=learner, lesson=lessons(tiny_course)[1])

    [status] = api.dashboard(user=learner)
    assert status.lessons_done == 1
    assert [m.title for m in status.missing] == [
        "Lesson one",
        "Lesson three",
        "First module",
    ]
    assert status.next_step.title == "Lesson one"
    assert status.enrolment.last_activity_at is not None


def statements(user, events):
    """The SQL that recording ``events`` runs once the page tree is remembered
    (another learner sent the same), without the test's savepoints."""
    other = type(user).objects.create(username=f"o{uuid.uuid4().hex[:8]}", name="O")
    api.record_events(user=other, events=[replace(e, id=uuid.uuid4()) for e in events])
    with CaptureQueriesContext(connection) as capture:
        api.record_events(user=user, events=events)
    return [q["sql"] for q in capture if "SAVEPOINT" not in q["sql"]]


def test_a_batch_that_completes_the_course_costs_five_statements(
    learner, tiny_course, completions, django_capture_on_commit_callbacks
):
    quiz = module(tiny_course)
    batch = [event("lesson_viewed", lesson) for lesson in lessons(tiny_course)]
    batch += [event("lesson_completed", lesson) for lesson in lessons(tiny_course)]
    batch += [event("quiz_submitted", quiz, answers=answers(quiz))]

    with django_capture_on_commit_callbacks(execute=True):
        sql = statements(learner, batch)

    # Events, lessons, attempts, the enrolment, the completion.
    assert len(sql) == 5
    assert completions[-1].user == learner  # the first: the other learner's


def test_a_batch_of_views_never_looks_at_completion(learner, tiny_course):
    views = [event("lesson_viewed", lesson) for lesson in lessons(tiny_course)]

    # Events, lessons, the enrolment.
    assert len(statements(learner, views)) == 3
