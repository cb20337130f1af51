from django.db import models


class OutboxMessage(models.Model):
    """A Celery task waiting to be published (config/outbox.py).

    Written in the transaction of the change that needs the task, deleted
    once the broker has taken it.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        # Not the arguments: an email's carries its reset link.
        return f"{self.task} #{self.pk}"
