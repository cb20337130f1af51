"""Issue a certificate when a course is completed."""

import logging

from django.dispatch import receiver

from progress.signals import course_completed

log = logging.getLogger(__name__)


@receiver(course_completed, dispatch_uid="certificates.issue_on_completion")
def issue_on_completion(sender, enrolment, **kwargs):
    """Queue the issue: signing takes tens of milliseconds the learner's
    request (or offline batch) should not wait for.

    Sent after the completing transaction commits. The task goes through the
    outbox (config/outbox.py), so a broker outage delays it but does not
    lose it; should even the outbox row not be written, the completion still
    stands: the hourly ``issue_missing_certificates`` job issues it, and the
    dashboard offers "Get your certificate" meanwhile.
    """
    from config import outbox

    try:
        outbox.enqueue("certificates.tasks.issue_certificate", str(enrolment.pk))
    except Exception:
        log.exception("certificate issue not queued for enrolment %s", enrolment.pk)
