"""Certificates: one record of truth for every credential Pamoja issues.

A row is written once, at issue time, with the signed credential; the PDF is
rendered from it afterwards by a worker. Revoking or reissuing never edits the
credential: it changes ``status`` and flips the certificate's bit in the
status list, which is re-signed in the same transaction.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(status=Certificate.Status.VALID)

    def for_learner(self, user):
        return self.filter(user=user)


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        REVOKED = "revoked", _("Revoked")
        SUPERSEDED = "superseded", _("Superseded")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=24, unique=True)
    # Kept when the learner deletes their account, so a certificate they have
    # shared still verifies (SECURITY.md, "Privacy"; accounts/privacy.py).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="certificates",
    )
    course_key = models.UUIDField(_("course"), db_index=True)
    course_revision = models.PositiveIntegerField(_("course revision"), null=True)
    name = models.CharField(_("name as printed"), max_length=255)
    course_title = models.CharField(_("course as printed"), max_length=255)
    language = models.CharField(_("language"), max_length=10)
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when issued automatically on completion."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.VALID
    )
    status_list = models.PositiveSmallIntegerField(default=1)
    status_index = models.PositiveIntegerField()
    credential = models.JSONField(_("signed credential"))
    qr_token = models.TextField(_("signed printed claims"))
    pdf = models.FileField(_("PDF"), upload_to="certificates/", blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revocation_reason = models.TextField(_("reason"), blank=True)
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at"]
        constraints = [
            # The state guard's backstop: two concurrent issues for one
            # learner and course cannot both commit.
            models.UniqueConstraint(
                fields=["user", "course_key"],
                condition=models.Q(status="valid"),
                name="certificates_one_valid_per_learner_course",
            ),
            models.UniqueConstraint(
                fields=["status_list", "status_index"],
                name="certificates_one_certificate_per_status_bit",
            ),
        ]

    def __str__(self):
        return f"{self.code} ({self.name})"

    @property
    def is_rendered(self) -> bool:
        return bool(self.pdf_sha256)

    @property
    def verify_url(self) -> str:
        return f"{settings.PAMOJA_PUBLIC_URL}/verify/{self.code}/"


class StatusList(models.Model):
    """A signed Bitstring Status List credential, re-signed on every change."""

    number = models.PositiveSmallIntegerField(primary_key=True)
    credential = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self):
        return f"status list {self.number}"


class PartnerKey(models.Model):
    """An API key a partner institution sends as ``Bearer pmj_<prefix>_<secret>``.

    Only a SHA-256 hash of the secret is kept: the key is shown once, when an
    administrator creates it. The secret is 256 random bits, so a fast hash
    is enough (nothing to brute-force); the prefix finds the row.
    """

    organisation = models.CharField(_("organisation"), max_length=255)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    secret_sha256 = models.CharField(max_length=64, editable=False)
    rate_per_minute = models.PositiveIntegerField(
        _("requests per minute"),
        default=60,
        help_text=_("Single and bulk requests together; a bulk request counts once."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")
        ordering = ["organisation", "-created_at"]

    def __str__(self):
        return f"{self.organisation} (pmj_{self.prefix}_…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class VerificationLogQuerySet(models.QuerySet):
    def counts_by_certificate(self, certificate_ids) -> dict:
        """``{certificate id: (times verified, last verified at)}`` in one query."""
        rows = (
            self.filter(certificate_id__in=certificate_ids)
            .values("certificate_id")
            .annotate(times=models.Count("id"), last_at=models.Max("at"))
        )
        return {row["certificate_id"]: (row["times"], row["last_at"]) for row in rows}


class VerificationLog(models.Model):
    """One verification: when, how, and what the answer was.

    No personal data: no name, no code typed, no IP address (rate limiting
    needs none stored), only the certificate's id when one was found. A bulk
    request writes a row per certificate found and one row for the batch,
    whose ``items`` is the number of codes it held.
    """

    class Channel(models.TextChoices):
        PAGE = "page", _("Verify page")
        API = "api", _("API")
        BULK = "bulk", _("Bulk")

    class Kind(models.TextChoices):
        CODE = "code", _("Code")
        CREDENTIAL = "credential", _("Credential")
        PDF = "pdf", _("PDF")
        QR = "qr", _("QR code")
        BATCH = "batch", _("Batch")

    at = models.DateTimeField(_("at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("input"), max_length=12, choices=Kind.choices)
    outcome = models.CharField(_("outcome"), max_length=12, blank=True)
    items = models.PositiveIntegerField(_("items"), default=1)
    certificate = models.ForeignKey(
        Certificate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verifications",
        db_index=False,  # the (certificate, at) index below serves lookups
    )
    partner_key = models.ForeignKey(
        PartnerKey,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verifications",
    )

    objects = VerificationLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verification log")
        ordering = ["-at"]
        indexes = [models.Index(fields=["certificate", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.channel} {self.kind} {self.outcome}"
