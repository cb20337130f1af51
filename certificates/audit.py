"""The verification log: how often each certificate is checked, and how.

Rows hold no personal data (see ``VerificationLog``) and are deleted after
PAMOJA_VERIFY_LOG_RETENTION_DAYS by a periodic task.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import verifylog
from .models import PartnerKey, VerificationLog

Channel = VerificationLog.Channel
Kind = VerificationLog.Kind


def record(*, channel: str, kind: str, result, partner: PartnerKey | None = None):
    """Log one verification answer (a ``verify.Result``) already counted
    against its limit; a request not yet counted uses ``verifylog.admit``,
    which counts and logs it in one round trip."""
    verifylog.queue(
        verifylog.row(channel=channel, kind=kind, result=result, partner=partner)
    )


def record_bulk(*, results, partner: PartnerKey | None = None) -> None:
    """Log a batch: a row per certificate found, one row for the batch itself.

    Codes that found nothing are only counted in the batch row: there is no
    certificate to attach them to and the code itself is not kept. A code
    listed twice in a batch is one verification."""
    now = timezone.now()
    partner_id = partner.pk if partner else None
    found = {r.certificate_id: r.outcome for r in results if r.certificate_id}
    rows = [
        (now, Channel.BULK, Kind.CODE, str(outcome), 1, certificate_id, partner_id)
        for certificate_id, outcome in found.items()
    ]
    rows.append((now, Channel.BULK, Kind.BATCH, "", len(results), None, partner_id))
    insert_rows(rows)


# The order of the tuples _insert takes.
_COLUMNS = ["at", "channel", "kind", "outcome", "items", "certificate", "partner_key"]


@functools.cache
def _target() -> tuple[list, str, str]:
    """The log's fields in ``_COLUMNS`` order, their quoted column list and
    the quoted table name, from the model's own metadata."""
    fields = [VerificationLog._meta.get_field(name) for name in _COLUMNS]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    return fields, columns, connection.ops.quote_name(VerificationLog._meta.db_table)


def insert_rows(rows: list[tuple]) -> None:
    """Many rows at once: COPY on PostgreSQL (ten thousand rows in about a
    tenth of a second, half what a multi-row INSERT takes), else bulk_create."""
    fields, columns, table = _target()
    if connection.vendor != "postgresql":
        names = [field.attname for field in fields]
        VerificationLog.objects.bulk_create(
            [VerificationLog(**dict(zip(names, row, strict=True))) for row in rows],
            batch_size=500,
        )
        return
    with connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def delete_expired(*, now=None) -> int:
    """Delete rows older than the retention period; the number deleted."""
    verifylog.drain()
    days = settings.PAMOJA_VERIFY_LOG_RETENTION_DAYS
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _by_model = VerificationLog.objects.filter(at__lt=cutoff).delete()
    return deleted


def counts_by_certificate(certificate_ids) -> dict:
    """``{certificate id: (times verified, last verified at)}``, one query
    (after moving any rows still queued in Redis into the table)."""
    verifylog.drain()
    return VerificationLog.objects.counts_by_certificate(certificate_ids)
