"""The register (the database's certificates) and codes looked up in it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import uuid
from dataclasses import dataclass

from django.utils.asyncio import async_unsafe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import codes, dataintegrity
from .results import Details, Findings, Outcome, Result, format_date
from .trust import Trust

MAX_CODE_LENGTH = 64
# Codes per query in bulk: within SQLite's and PostgreSQL's parameter limits.
BULK_QUERY_SIZE = 10_000
CODE_EXAMPLE = "PMJ-7K3Q-9M2X-PV4D-8"
UNKNOWN_CODE = gettext_lazy("Not found: %(issuer)s has no certificate with this code.")


@dataclass(frozen=True)
class Record:
    """A registered certificate, as much of it as a check needs."""

    id: uuid.UUID
    code: str
    name: str
    course_title: str
    language: str
    issued_at: dt.datetime
    status: str
    revoked_at: dt.datetime | None
    revocation_reason: str
    superseded_by__code: str | None
    credential: dict | None = None
    pdf_sha256: str = ""
    status_list: int = 0
    status_index: int = 0

    def details(self, issuer_name: str) -> Details:
        return Details(
            code=self.code,
            name=self.name,
            course_title=self.course_title,
            issued_on=self.issued_at.astimezone(dt.UTC).date(),
            issuer_name=issuer_name,
            language=self.language,
            revoked_at=self.revoked_at,
            revocation_reason=self.revocation_reason,
            superseded_by=self.superseded_by__code,
        )


_FIELDS = [field.name for field in dataclasses.fields(Record)]
# What the bulk lookup loads: no credential JSON for ten thousand rows.
_BRIEF_FIELDS = _FIELDS[: _FIELDS.index("credential")]


def records(*, brief: bool = False, **lookup) -> list[Record]:
    """Registered certificates matching ``lookup``, in one query."""
    from ..models import Certificate

    rows = Certificate.objects.filter(**lookup)
    return [
        Record(**row) for row in rows.values(*(_BRIEF_FIELDS if brief else _FIELDS))
    ]


def record(**lookup) -> Record | None:
    found = records(**lookup)
    return found[0] if found else None


def record_by_code(code: str) -> Record | None:
    """``record(code=code)``, the busiest lookup partners make, without
    building the query each time: its SQL is compiled once per process and
    only the code changes (the ORM's query building cost more than the
    indexed lookup itself)."""
    from django.db import connection

    sql, compiler, converters = _by_code(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [code])
        rows = cursor.fetchall()
    if converters:
        rows = compiler.apply_converters(rows, converters)
    return next((Record(*row) for row in rows), None)


@functools.cache
def _by_code(alias: str):
    from ..models import Certificate

    query = Certificate.objects.filter(code=_PLACEHOLDER).values(*_FIELDS).query
    compiler = query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if params != (_PLACEHOLDER,):  # pragma: no cover - a Django change
        raise RuntimeError(f"unexpected parameters for the code lookup: {params}")
    converters = compiler.get_converters([col for col, *_ in compiler.select])
    return sql, compiler, converters


_PLACEHOLDER = "PMJ-PLACEHOLDER"


# Checks ------------------------------------------------------------------------


def check_code(f: Findings, text) -> str | None:
    """The canonical code, or None with the ``code`` check failed. No query."""
    try:
        if not isinstance(text, str) or len(text) > MAX_CODE_LENGTH:
            raise codes.CodeError("length")
        code = codes.normalise(text)
    except codes.CodeError as error:
        if str(error) == "check":
            detail = "the check symbol does not match: a typing mistake"
            message = _("Check the code: it has a typing mistake.")
        else:
            detail = (
                "has characters no certificate code contains"
                if str(error) == "symbols"
                else "not the shape of a certificate code"
            )
            message = _("Check the code: it should look like %(example)s.")
            message %= {"example": CODE_EXAMPLE}
        f.invalid("code", detail, message)
        return None
    f.passed("code", f"well-formed: {code}")
    return code


def check_record(
    f: Findings, record: Record | None, *, unknown, note: str = ""
) -> None:
    """The register's answer: valid, revoked (date, reason) or superseded
    (the new code). ``unknown``: the message when there is no such record."""
    from ..models import Certificate

    if record is None:
        message = unknown % {"issuer": f.issuer}
        f.failed(
            "record",
            "not in the register" + note,
            outcome=Outcome.UNKNOWN,
            message=message,
        )
    elif record.status == Certificate.Status.VALID:
        f.passed("record", f"registered as {record.code}, valid{note}")
    elif record.status == Certificate.Status.SUPERSEDED:
        when = record.revoked_at or record.issued_at
        new = record.superseded_by__code
        message = _("Replaced: this certificate was reissued as %(code)s on %(date)s.")
        message %= {"code": new or "?", "date": format_date(when)}
        detail = f"superseded by {new} on {when.isoformat()}{note}"
        f.failed("record", detail, outcome=Outcome.SUPERSEDED, message=message)
    else:
        when = record.revoked_at or record.issued_at
        reason = record.revocation_reason
        message = _("Revoked on %(date)s: %(reason)s")
        message %= {"date": format_date(when), "reason": reason}
        detail = f"revoked on {when.isoformat()}: {reason}{note}"
        f.failed("record", detail, outcome=Outcome.REVOKED, message=message)


def check_stored_credential(f: Findings, record: Record) -> None:
    """The register's own signed credential must verify and say what its row
    says: a row edited behind the application's back is not believed."""
    proof = f.trust.verify_proof(record.credential)
    if not proof.ok:
        detail = f"the register's credential does not verify: {proof.reason}"
        f.invalid(
            "credential_signature",
            detail,
            _("Invalid: the register's record of this certificate is damaged."),
        )
        return
    detail = f"the register's credential verifies ({proof.verification_method})"
    f.passed("credential_signature", detail)
    check_matches_record(f, record.credential, record)


def check_matches_record(f: Findings, credential: dict, record: Record) -> None:
    if problem := _mismatch(credential, record):
        f.invalid(
            "credential_record",
            problem,
            _("Invalid: the credential does not match the register."),
        )
    else:
        f.passed("credential_record", "the credential matches the register")


def learner_name(subject: dict) -> str | None:
    for identifier in subject.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("identityType") == "name":
            return identifier.get("identityHash")
    return None


def _mismatch(credential: dict, record: Record) -> str | None:
    from ..api import status_list_url

    if credential != record.credential:
        return "differs from the credential registered for this certificate"
    subject = credential.get("credentialSubject") or {}
    status = credential.get("credentialStatus") or {}
    says = {
        "id": credential.get("id"),
        "name": learner_name(subject),
        "course": (subject.get("achievement") or {}).get("name"),
        "validFrom": credential.get("validFrom"),
        "statusListCredential": status.get("statusListCredential"),
        "statusListIndex": status.get("statusListIndex"),
    }
    registered = {
        "id": f"urn:uuid:{record.id}",
        "name": record.name,
        "course": record.course_title,
        "validFrom": dataintegrity.xsd_datetime(record.issued_at),
        "statusListCredential": status_list_url(record.status_list),
        "statusListIndex": str(record.status_index),
    }
    wrong = [key for key in says if says[key] != registered[key]]
    if wrong:
        return f"the register's row and its credential differ: {', '.join(wrong)}"
    return None


# Codes ------------------------------------------------------------------------


@async_unsafe
def verify_code(text: str, *, trust: Trust | None = None) -> Result:
    """A typed code, answered by the register: online only. A malformed code
    is answered without a database query."""
    f = Findings(trust)
    code = check_code(f, text)
    if code is None:
        return f.result()
    f.trust = trust or Trust.online()
    if not f.trust.is_online:
        detail = "codes are looked up in the register, which is not available offline"
        message = _(
            "A code can only be checked online; check the PDF or the "
            "credential instead."
        )
        f.failed("record", detail, outcome=Outcome.UNKNOWN, message=message)
        return f.result()
    found = record_by_code(code)
    check_record(f, found, unknown=UNKNOWN_CODE)
    if found is None:
        return f.result()
    check_stored_credential(f, found)
    return f.result(found.details(f.issuer), found.id)


@async_unsafe
def verify_codes(texts: list[str]) -> list[Result]:
    """Many codes, online, answered in input order: one query for all the
    well-formed ones (per BULK_QUERY_SIZE distinct codes), none for malformed
    ones. Bulk answers come from the register alone: re-verifying each stored
    credential's proof (what :func:`verify_code` does) costs ~10 ms each."""
    checked = []
    for text in texts:
        f = Findings()
        checked.append((f, check_code(f, text)))
    wanted = sorted({code for _f, code in checked if code})
    found = {}
    for start in range(0, len(wanted), BULK_QUERY_SIZE):
        chunk = wanted[start : start + BULK_QUERY_SIZE]
        found |= {r.code: r for r in records(brief=True, code__in=chunk)}
    results = []
    for f, code in checked:
        if code is not None:
            check_record(f, found.get(code), unknown=UNKNOWN_CODE)
        if code in found:
            results.append(f.result(found[code].details(f.issuer), found[code].id))
        else:
            results.append(f.result())
    return results
