"""Reminders to learners who stopped part-way (a daily Celery beat job)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from progress import api as progress_api
from progress import reminders, tasks
from progress.models import Enrolment
from tests.progress.helpers import lessons

pytestmark = pytest.mark.django_db


@pytest.fixture
def stalled(learner, tiny_course):
    """The learner, with an email address, who did one lesson and stopped."""
    learner.email = "asha@example.org"
    learner.save()
    progress_api.record_lesson_completed(user=learner, lesson=lessons(tiny_course)[0])
    return Enrolment.objects.get(user=learner)


def days_later(enrolment, days):
    return enrolment.last_activity_at + timedelta(days=days)


def run(django_capture_on_commit_callbacks, now):
    with django_capture_on_commit_callbacks(execute=True):
        return reminders.send_reminders(now=now)


def test_a_learner_who_stopped_is_reminded_once(
    stalled, django_capture_on_commit_callbacks
):
    now = days_later(stalled, 15)

    assert run(django_capture_on_commit_callbacks, now) == 1
    assert run(django_capture_on_commit_callbacks, now + timedelta(days=1)) == 0

    [message] = mail.outbox
    assert message.to == ["asha@example.org"]
    assert message.subject == "Continue your course: Tiny course"
    assert "Asha Patel" in message.body
    assert f"{settings.PAMOJA_PUBLIC_URL}/en/dashboard/" in message.body
    assert "without a connection" in message.body
    stalled.refresh_from_db()
    assert stalled.reminded_at == now


def test_nobody_is_reminded_too_soon(stalled, django_capture_on_commit_callbacks):
    assert run(django_capture_on_commit_callbacks, days_later(stalled, 13)) == 0
    assert mail.outbox == []


def test_a_learner_who_came_back_and_stopped_again_is_reminded_again(
    stalled, django_capture_on_commit_callbacks
):
    now = timezone.now()
    Enrolment.objects.filter(pk=stalled.pk).update(
        last_activity_at=now - timedelta(days=40)
    )
    assert run(django_capture_on_commit_callbacks, now - timedelta(days=20)) == 1
    # Back four days after the reminder, then gone again.
    Enrolment.objects.filter(pk=stalled.pk).update(
        last_activity_at=now - timedelta(days=16)
    )

    assert run(django_capture_on_commit_callbacks, now) == 1
    assert run(django_capture_on_commit_callbacks, now) == 0
    assert len(mail.outbox) == 2


def test_no_reminder_without_an_email_address_when_complete_or_long_gone(
    stalled, learner, django_capture_on_commit_callbacks
):
    learner.email = ""
    learner.save()
    assert run(django_capture_on_commit_callbacks, days_later(stalled, 15)) == 0

    learner.email = "asha@example.org"
    learner.save()
    assert run(django_capture_on_commit_callbacks, days_later(stalled, 91)) == 0

    Enrolment.objects.filter(pk=stalled.pk).update(completed_at=timezone.now())
    assert run(django_capture_on_commit_callbacks, days_later(stalled, 15)) == 0
    assert mail.outbox == []


def test_the_reminder_is_in_the_learners_language(
    stalled, learner, django_capture_on_commit_callbacks
):
    learner.preferred_language = "fr"
    learner.save()

    run(django_capture_on_commit_callbacks, days_later(stalled, 15))

    assert f"{settings.PAMOJA_PUBLIC_URL}/fr/dashboard/" in mail.outbox[0].body


def test_reminders_can_be_switched_off(
    stalled, settings, django_capture_on_commit_callbacks
):
    settings.PAMOJA_REMINDER_AFTER_DAYS = 0

    assert run(django_capture_on_commit_callbacks, days_later(stalled, 30)) == 0


def test_the_daily_task_reminds(stalled, django_capture_on_commit_callbacks):
    Enrolment.objects.filter(pk=stalled.pk).update(
        last_activity_at=timezone.now() - timedelta(days=20)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.remind_stalled_learners.delay().get() == 1
        assert tasks.remind_stalled_learners.delay().get() == 0

    assert len(mail.outbox) == 1


def test_every_periodic_job_names_a_registered_task():
    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()}

    assert "progress.tasks.remind_stalled_learners" in scheduled
    assert scheduled <= set(app.tasks)
