"""What each learner has done, keyed on pages' translation keys.

A lesson completed in French counts in Arabic: every row refers to a page by
its ``translation_key``, which all translations of the page share.

State only moves forward. Each recorded event merges into the state with
commutative, idempotent rules (earliest time wins, a completed lesson stays
completed, the best quiz attempt counts), so events replayed, duplicated or
received out of order give the same state as the clean, time-ordered stream.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EnrolmentQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def completed(self):
        return self.filter(completed_at__isnull=False)


class Enrolment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course_key = models.UUIDField(_("course"), db_index=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    # Set once, on the transition to complete; never cleared by later changes
    # to the course (README: "A completion, once earned, stays").
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # When the learner was last reminded of a course left unfinished
    # (progress.reminders): at most once each time they stop.
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course_key"], name="progress_one_enrolment_per_course"
            )
        ]

    def __str__(self):
        return f"{self.user} in {self.course_key}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class LessonProgress(models.Model):
    class State(models.IntegerChoices):
        # Ordered: the state of a lesson is the highest ever recorded.
        VIEWED = 1, _("Viewed")
        COMPLETED = 2, _("Completed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons"
    )
    lesson_key = models.UUIDField()
    course_key = models.UUIDField(db_index=True)
    state = models.PositiveSmallIntegerField(choices=State.choices)
    viewed_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson_key"], name="progress_one_row_per_lesson"
            ),
            models.CheckConstraint(
                condition=models.Q(state=1, completed_at__isnull=True)
                | models.Q(state=2, completed_at__isnull=False),
                name="progress_completed_state_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.user}: {self.lesson_key} {self.get_state_display()}"


class QuizAttempt(models.Model):
    """One graded submission of a module quiz, with every answer."""

    # The client's event id for synced attempts; a fresh one for form posts.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    module_key = models.UUIDField(db_index=True)
    course_key = models.UUIDField(db_index=True)
    answers = models.JSONField(help_text="question key → chosen option ids")
    correct = models.JSONField(help_text="question key → answered right?")
    score = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    is_passed = models.BooleanField()
    submitted_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        indexes = [models.Index(fields=["user", "module_key"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__lte=models.F("total")),
                name="progress_score_at_most_total",
            )
        ]

    def __str__(self):
        return f"{self.user}: {self.score}/{self.total} on {self.module_key}"


class ProgressEvent(models.Model):
    """The log of every event recorded, by its (client-made) UUID.

    The primary key makes recording idempotent: an event id seen before is
    acknowledged and ignored. The log is also what the xAPI export reads.
    """

    class Kind(models.TextChoices):
        LESSON_VIEWED = "lesson_viewed", _("Lesson viewed")
        LESSON_COMPLETED = "lesson_completed", _("Lesson completed")
        QUIZ_SUBMITTED = "quiz_submitted", _("Quiz submitted")

    id = models.UUIDField(primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    object_key = models.UUIDField(help_text="the lesson's or module's translation key")
    course_key = models.UUIDField()
    occurred_at = models.DateTimeField(help_text="when it happened, on the device")
    received_at = models.DateTimeField(auto_now_add=True)
    result = models.JSONField(null=True, blank=True)

    class Meta:
        verbose_name = _("progress event")
        verbose_name_plural = _("progress events")
        indexes = [models.Index(fields=["user", "occurred_at"])]

    def __str__(self):
        return f"{self.kind} {self.object_key} by {self.user}"


class DeviceToken(models.Model):
    """A learner's token for the offline client; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    label = models.CharField(_("device"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("device token")
        verbose_name_plural = _("device tokens")

    def __str__(self):
        return f"{self.user}: {self.label or self.created_at:%Y-%m-%d}"


# --- Cohorts ----------------------------------------------------------------

# Crockford's base 32: digits and capitals without I, L, O and U, so nothing
# on a printed code can be misread; a typed I, L or O is read as 1, 1 or 0.
JOIN_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
JOIN_CODE_LENGTH = 8


class Organisation(models.Model):
    """A partner institution that runs cohorts: a university, an employer…"""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, allow_unicode=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="progress_organisation_slug")
        ]

    def __str__(self):
        return self.name


class CohortQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The cohorts ``user`` runs; every cohort for a superuser."""
        if not (user.is_authenticated and user.is_active):
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(trainers=user)

    def with_member_count(self):
        return self.annotate(member_count=models.Count("memberships", distinct=True))


class Cohort(models.Model):
    """A group of learners taking one or more courses with a trainer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="cohorts",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    # The CoursePages' translation keys (as strings), in the trainer's order:
    # a cohort takes the course in whatever language each learner reads.
    course_keys = models.JSONField(_("courses"), default=list)
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="trained_cohorts",
        verbose_name=_("trainers"),
    )
    # Stored without the dash, in capitals; see progress.cohorts for typing.
    join_code = models.CharField(_("join code"), max_length=JOIN_CODE_LENGTH)
    is_open = models.BooleanField(
        _("open to join"),
        default=True,
        help_text=_("Learners can join with the code while the cohort is open."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["join_code"], name="progress_join_code"),
            models.CheckConstraint(
                condition=models.lookups.Exact(
                    models.functions.Length("join_code"), JOIN_CODE_LENGTH
                ),
                name="progress_join_code_length",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def display_code(self) -> str:
        """The join code as printed and shown: two groups of four, "K7Q3-9M2X"."""
        half = JOIN_CODE_LENGTH // 2
        return f"{self.join_code[:half]}-{self.join_code[half:]}"

    @property
    def course_uuids(self) -> list[uuid.UUID]:
        return [uuid.UUID(key) for key in self.course_keys]


class CohortMembership(models.Model):
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="cohort_memberships",
    )
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    # The trainer made this account from a class list, so the trainer may
    # issue it a new one-time password; never for an account of one's own.
    is_bulk_created = models.BooleanField(
        _("account made by the trainer"), default=False
    )

    class Meta:
        verbose_name = _("cohort membership")
        verbose_name_plural = _("cohort memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "user"], name="progress_one_membership_per_cohort"
            )
        ]

    def __str__(self):
        return f"{self.user} in {self.cohort}"


class TemporaryPassword(models.Model):
    """An account still using the one-time password a trainer handed out.

    The password itself is never stored. The row goes when the learner sets a
    password of their own; until then, every log-in asks them to.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="temporary_password",
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("temporary password")
        verbose_name_plural = _("temporary passwords")

    def __str__(self):
        return f"{self.user}: {self.issued_at:%Y-%m-%d}"
