"""Issue a certificate when a course is completed."""

import logging

from django.dispatch import receiver

from progress.signals import course_completed

log = logging.getLogger(__name__)


@receiver(course_completed, dispatch_uid="certificates.issue_on_completion")
def issue_on_completion(sender, enrolment, **kwargs):
    from . import api

    # Sent after the completing transaction commits, inside the learner's
    # request: a certificate that cannot be issued now (a name no font can
    # print) must not fail that request. The dashboard offers to try again.
    try:
        api.issue_certificate(enrolment=enrolment)
    except api.IssueError as error:
        log.warning("certificate not issued for enrolment %s: %s", enrolment.pk, error)
    except Exception:
        log.exception("certificate not issued for enrolment %s", enrolment.pk)
