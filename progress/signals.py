from django.dispatch import Signal

# Sent once per enrolment, after the transaction that completed the course
# commits. Arguments: enrolment (progress.models.Enrolment).
course_completed = Signal()
