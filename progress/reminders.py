"""Reminders to learners who stopped part-way through a course (a daily job).

The offline queue lives on the learner's phone (site/static/js/offline.js),
where the server cannot see it. What the server can see is its shadow: an
enrolment whose activity stopped before the course was complete. A learner
with an email address then gets one reminder, which also says that what the
phone kept offline is sent when it is next online. One per stop: a learner
reminded is not reminded again until they have come back and stopped again.

Idempotent: the reminder is claimed by a conditional UPDATE of
``Enrolment.reminded_at`` that only one run can win, and the mail is enqueued
in that same transaction (sent after commit), so a job run twice, or by two
workers at once, sends one mail.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import structure
from .models import Enrolment

# A learner gone longer than this is not written to: switching reminders on
# must not mail everyone who ever stopped.
GIVE_UP_AFTER = timedelta(days=90)


def _due(now):
    after = timedelta(days=settings.PAMOJA_REMINDER_AFTER_DAYS)
    return (
        Enrolment.objects.filter(
            completed_at__isnull=True,
            last_activity_at__lt=now - after,
            last_activity_at__gte=now - GIVE_UP_AFTER,
            user__is_active=True,
        )
        .exclude(user__email="")
        .filter(
            models.Q(reminded_at__isnull=True)
            | models.Q(reminded_at__lt=models.F("last_activity_at"))
        )
    )


def send_reminders(*, now=None) -> int:
    """Remind every learner due a reminder; the number of reminders sent."""
    if settings.PAMOJA_REMINDER_AFTER_DAYS <= 0:
        return 0
    now = now or timezone.now()
    sent = 0
    for enrolment in _due(now).select_related("user").iterator():
        course = structure.source_course(enrolment.course_key)
        if course is None:  # unpublished since: nothing to come back to
            continue
        with transaction.atomic():
            if not _due(now).filter(pk=enrolment.pk).update(reminded_at=now):
                continue  # another run got there first
            _send(enrolment.user, course)
        sent += 1
    return sent


def _send(user, course) -> None:
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        title = course.localized.title
        dashboard = settings.PAMOJA_PUBLIC_URL + reverse("progress:dashboard")
        send_mail(
            _("Continue your course: %(course)s") % {"course": title},
            _(
                "Hello %(name)s,\n\n"
                "You have not been back to %(course)s for a while. Continue "
                "where you left off: %(dashboard)s\n\n"
                "If you studied without a connection, open Pamoja on that phone "
                "while it is online: what it saved is then sent and counted."
            )
            % {
                "name": user.name or user.username,
                "course": title,
                "dashboard": dashboard,
            },
            None,
            [user.email],
        )
