"""Certificate work done by Celery workers.

Tasks are idempotent and acknowledged late (settings): a worker killed
mid-render leaves the message on the queue, the next worker renders again,
and only one PDF is ever recorded.
"""

import logging

from celery import shared_task
from django.db import models

from . import api

log = logging.getLogger(__name__)


@shared_task
def issue_certificate(enrolment_id: str) -> None:
    """Issue on completion; a redelivered task finds the certificate issued."""
    from progress.models import Enrolment

    enrolment = Enrolment.objects.filter(pk=enrolment_id).select_related("user").first()
    if enrolment is None:
        return
    try:
        api.issue_certificate(enrolment=enrolment)
    except api.IssueError as error:
        # E.g. a name no font can print: the learner sees why on the
        # dashboard when they press "Get your certificate".
        log.warning("certificate not issued for enrolment %s: %s", enrolment_id, error)


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=None,
)
def render_certificate(certificate_id: str) -> None:
    api.render_pdf(certificate_id=certificate_id)


@shared_task
def republish_status_lists() -> None:
    """Re-sign every status list (after a key rotation; safe to repeat)."""
    from .models import StatusList

    for number in StatusList.objects.values_list("number", flat=True):
        api.publish_status_list(number)


@shared_task
def issue_missing_certificates() -> int:
    """Issue what a failed completion request could not (periodic; idempotent)."""
    from progress.models import Enrolment

    from .models import Certificate

    issued = 0
    pending = Enrolment.objects.completed().exclude(
        course_key__in=Certificate.objects.filter(user=models.OuterRef("user")).values(
            "course_key"
        )
    )
    for enrolment in pending.select_related("user").iterator():
        try:
            api.issue_certificate(enrolment=enrolment)
            issued += 1
        except api.IssueError:
            continue
    return issued


@shared_task
def drain_verification_log() -> int:
    """Move verifications queued in Redis into the log table (idempotent:
    rows leave the queue only once stored)."""
    from . import verifylog

    return verifylog.drain()


@shared_task
def verification_log_retention() -> int:
    """Delete verification log rows past PAMOJA_VERIFY_LOG_RETENTION_DAYS."""
    from . import audit

    return audit.delete_expired()
