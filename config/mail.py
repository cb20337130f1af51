"""Email leaves the web process through Celery.

A web request that sends mail (password reset, sign-up confirmation) only
enqueues it, through the transactional outbox (config/outbox.py) so a broker
outage delays it but never loses it; the worker delivers it with
PAMOJA_EMAIL_DELIVERY_BACKEND and retries when the mail server is down. With
no broker the task runs in-process.
"""

from django.core.mail.backends.base import BaseEmailBackend


class CeleryEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        from config import outbox

        for message in email_messages:
            outbox.enqueue("config.tasks.deliver_email", serialize(message))
        return len(email_messages)


def serialize(message) -> dict:
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype]
            for content, mimetype in getattr(message, "alternatives", [])
        ],
    }
