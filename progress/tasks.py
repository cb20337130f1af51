"""Progress work done by Celery workers."""

from celery import shared_task

from . import reminders


@shared_task
def remind_stalled_learners() -> int:
    """Mail learners who stopped part-way (periodic; idempotent)."""
    return reminders.send_reminders()
