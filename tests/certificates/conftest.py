import pytest

from progress.models import Enrolment


def complete(user, course, capture):
    """Complete ``course`` through the progress engine (every lesson, the quiz
    passed) and run the on-commit callbacks: the course_completed receiver
    issues the certificate and the (eager) task renders it."""
    from django.utils.datastructures import MultiValueDict

    from courses.models import LessonPage
    from progress import api as progress_api
    from tests.progress.helpers import answers, module

    with capture(execute=True):
        for lesson in LessonPage.objects.descendant_of(course).live():
            progress_api.record_lesson_completed(user=user, lesson=lesson)
        first = module(course)
        progress_api.record_quiz_submission(
            user=user, module=first, data=MultiValueDict(answers(first))
        )
    return Enrolment.objects.get(user=user, course_key=course.translation_key)


@pytest.fixture
def completed(learner, tiny_course, media, django_capture_on_commit_callbacks):
    """The learner's enrolment in the tiny course, completed, with its
    certificate issued and rendered."""
    return complete(learner, tiny_course, django_capture_on_commit_callbacks)


@pytest.fixture
def certificate(completed):
    from certificates.models import Certificate

    return Certificate.objects.get(user=completed.user)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def own_key_dir(settings, tmp_path):
    """A key directory of the test's own, for tests that rotate keys."""
    from certificates import keys

    settings.PAMOJA_KEY_DIR = tmp_path / "keys"
    keys.reset_keyset_cache()
    yield settings.PAMOJA_KEY_DIR
    keys.reset_keyset_cache()
