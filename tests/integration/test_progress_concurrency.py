"""Course completion fires exactly once, even when two requests complete the
last lesson at the same moment (PostgreSQL, two threads, two connections)."""

import threading

import pytest
from django.db import connection
from django.utils.datastructures import MultiValueDict

from progress import api
from progress.models import Enrolment, LessonProgress
from progress.signals import course_completed
from tests.progress.helpers import answers, lessons, module


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("attempt", range(3))
def test_two_simultaneous_completions_of_the_last_lesson_complete_once(
    learner, tiny_course, attempt
):
    first, second, last = lessons(tiny_course)
    quiz = module(tiny_course)
    api.record_lesson_completed(user=learner, lesson=first)
    api.record_lesson_completed(user=learner, lesson=second)
    api.record_quiz_submission(
        user=learner, module=quiz, data=MultiValueDict(answers(quiz))
    )
    fired, errors = [], []

    def receiver(sender, enrolment, **kwargs):
        fired.append(enrolment)

    course_completed.connect(receiver)
    barrier = threading.Barrier(2)

    def complete():
        try:
            barrier.wait(timeout=10)
            api.record_lesson_completed(user=learner, lesson=last)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    course_completed.disconnect(receiver)

    assert errors == []
    assert len(fired) == 1
    assert Enrolment.objects.get(user=learner).completed_at is not None
    assert LessonProgress.objects.filter(user=learner, state=2).count() == 3
