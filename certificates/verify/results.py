"""What the verifier answers: an outcome, the checks behind it, the details."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

if TYPE_CHECKING:
    from .trust import Trust


class Outcome(models.TextChoices):
    VALID = "valid", gettext_lazy("Valid")
    REVOKED = "revoked", gettext_lazy("Revoked")
    SUPERSEDED = "superseded", gettext_lazy("Replaced")
    INVALID = "invalid", gettext_lazy("Invalid")
    UNKNOWN = "unknown", gettext_lazy("Unknown")


# Which outcome wins when several checks fail.
SEVERITY = {
    Outcome.VALID: 0,
    Outcome.UNKNOWN: 1,
    Outcome.SUPERSEDED: 2,
    Outcome.REVOKED: 3,
    Outcome.INVALID: 4,
}

CHECK_LABELS = {
    "code": gettext_lazy("Certificate code"),
    "record": gettext_lazy("Register of certificates"),
    "credential_signature": gettext_lazy("Signature of the digital credential"),
    "credential_record": gettext_lazy("Digital credential matches the register"),
    "status_list": gettext_lazy("Revocation list"),
    "pdf_signature": gettext_lazy("Signature of the PDF"),
    "pdf_credential": gettext_lazy("Digital credential inside the PDF"),
    "qr_signature": gettext_lazy("Signature in the QR code"),
    "qr_claims": gettext_lazy("Details in the QR code"),
}


class InputError(ValueError):
    """Not a certificate question: the input cannot be read at all. The
    message is translated and safe to show; ``status_code`` is for HTTP."""

    status_code = 400


class InputTooLarge(InputError):
    status_code = 413


@dataclass(frozen=True)
class Check:
    name: str  # a key of CHECK_LABELS
    passed: bool
    detail: str  # plain English, for logs and the API; pages show ``label``

    @property
    def label(self) -> str:
        return str(CHECK_LABELS[self.name])


@dataclass(frozen=True)
class Details:
    """What the register (offline: the signed credential or QR code) says,
    to compare with the paper."""

    code: str  # "" when not known (an offline credential or PDF)
    name: str
    course_title: str
    issued_on: dt.date
    issuer_name: str
    language: str
    revoked_at: dt.datetime | None = None
    revocation_reason: str = ""
    superseded_by: str | None = None  # the new certificate's code

    def as_dict(self) -> dict:
        # By hand: dataclasses.asdict deep-copies, a tenth of a verification.
        data = {field.name: getattr(self, field.name) for field in _DETAILS_FIELDS}
        data["issued_on"] = self.issued_on.isoformat()
        data["revoked_at"] = self.revoked_at.isoformat() if self.revoked_at else None
        return data


_DETAILS_FIELDS = dataclasses.fields(Details)


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    checks: tuple[Check, ...]
    details: Details | None
    certificate_id: uuid.UUID | None
    message: str  # translated one-line answer for people
    as_of: dt.datetime | None = None  # offline: when the trust bundle was made

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.passed)

    def as_dict(self) -> dict:
        """JSON-safe, for the API and logs."""
        return {
            "outcome": str(self.outcome),
            "message": str(self.message),
            "checks": [
                {"name": c.name, "passed": c.passed, "detail": c.detail}
                for c in self.checks
            ],
            "details": self.details.as_dict() if self.details else None,
            "certificate_id": str(self.certificate_id) if self.certificate_id else None,
            "as_of": self.as_of.isoformat() if self.as_of else None,
        }


class Findings:
    """The checks of one verification as they are made; :meth:`result`
    turns them into the answer."""

    def __init__(self, trust: Trust | None = None):
        self.trust = trust
        self.checks: list[Check] = []
        self.outcome = Outcome.VALID
        self.message = ""

    def passed(self, name: str, detail: str) -> None:
        self.checks.append(Check(name, True, detail))

    def failed(self, name: str, detail: str, *, outcome: Outcome, message) -> None:
        if outcome == Outcome.VALID:
            raise ValueError("a failed check cannot leave the answer valid")
        self.checks.append(Check(name, False, detail))
        if SEVERITY[outcome] > SEVERITY[self.outcome]:
            self.outcome, self.message = outcome, str(message)

    def invalid(self, name: str, detail: str, message) -> None:
        self.failed(name, detail, outcome=Outcome.INVALID, message=message)

    @property
    def is_invalid(self) -> bool:
        return self.outcome == Outcome.INVALID

    @property
    def issuer(self) -> str:
        from django.conf import settings

        return self.trust.issuer_name if self.trust else settings.PAMOJA_ISSUER_NAME

    def result(
        self, details: Details | None = None, certificate_id: uuid.UUID | None = None
    ) -> Result:
        as_of = self.trust.as_of if self.trust else None
        if self.outcome == Outcome.INVALID:
            details = None  # nothing an invalid input says is to be believed
        message = self.message
        if self.outcome == Outcome.VALID:
            message = valid_message(details, as_of)
        return Result(
            self.outcome, tuple(self.checks), details, certificate_id, message, as_of
        )


def format_date(moment: dt.date | dt.datetime) -> str:
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment).date()
    return _formatted_date(moment, translation.get_language())


@functools.lru_cache(maxsize=1024)
def _formatted_date(moment: dt.date, language: str | None) -> str:
    """Memoised: a bulk answer formats the same few dates thousands of times
    (in the active ``language``, part of the key)."""
    return formats.date_format(moment, "DATE_FORMAT")


def format_as_of(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def isolate(text: str) -> str:
    """``text`` as a bidi isolate (FSI … PDI): an Arabic name inside an English
    sentence, or a Latin one inside Arabic, keeps the sentence's word order."""
    return f"\u2068{text}\u2069"


def valid_message(details: Details | None, as_of: dt.datetime | None) -> str:
    if details is None:
        return _("Valid.")
    text = _("Valid: issued by %(issuer)s to %(name)s for “%(course)s” on %(date)s.")
    text %= {
        "issuer": isolate(details.issuer_name),
        "name": isolate(details.name),
        "course": isolate(details.course_title),
        "date": format_date(details.issued_on),
    }
    if as_of:
        as_of_text = _("Revocation status as of %(time)s.")
        text += " " + as_of_text % {"time": format_as_of(as_of)}
    return text
