from celery import shared_task
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
