from celery import shared_task, signals
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=8)
def deliver_email(self, message: dict) -> None:
    """Deliver one serialized email with the configured delivery backend."""
    alternatives = message.pop("alternatives", [])
    email = EmailMultiAlternatives(
        connection=get_connection(settings.PAMOJA_EMAIL_DELIVERY_BACKEND), **message
    )
    for content, mimetype in alternatives:
        email.attach_alternative(content, mimetype)
    email.send()


@shared_task
def drain_outbox() -> int:
    """Publish the tasks the broker could not take when they were queued
    (periodic, and when a worker starts; idempotent)."""
    from config import outbox

    return outbox.drain()


@signals.worker_ready.connect
def _drain_on_start(sender=None, **kwargs):
    # A worker coming back with the broker finds what waited meanwhile
    # without waiting for beat.
    drain_outbox.delay()
