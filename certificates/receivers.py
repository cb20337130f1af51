"""Issue a certificate when a course is completed."""

import logging

from django.dispatch import receiver

from progress.signals import course_completed

log = logging.getLogger(__name__)


@receiver(course_completed, dispatch_uid="certificates.issue_on_completion")
def issue_on_completion(sender, enrolment, **kwargs):
    """Queue the issue: signing takes tens of milliseconds the learner's
    request (or offline batch) should not wait for.

    Sent after the completing transaction commits. If the broker cannot take
    the task, the completion still stands: the hourly
    ``issue_missing_certificates`` job issues it, and the dashboard offers
    "Get your certificate" meanwhile.
    """
    from .tasks import issue_certificate

    try:
        issue_certificate.delay(str(enrolment.pk))
    except Exception:
        log.exception("certificate issue not queued for enrolment %s", enrolment.pk)
