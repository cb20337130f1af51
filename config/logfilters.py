"""Logging filters that keep personal data and secrets out of the logs."""

import logging

HIDDEN = "(hidden)"


class HideTaskArguments(logging.Filter):
    """Celery logs a task's arguments with its outcome ("Task … succeeded",
    "received", "raised"): for ``deliver_email`` that is the whole message,
    a password-reset link and the learner's address included. The task's
    name and id stay; its arguments are hidden."""

    def filter(self, record):
        if isinstance(record.args, dict) and {"args", "kwargs"} & record.args.keys():
            record.args = {**record.args, "args": HIDDEN, "kwargs": HIDDEN}
        return True
