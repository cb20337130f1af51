"""``manage.py verify_certificates --bundle FILE PATH...``: check certificate
PDFs and credential JSON files offline, against a trust bundle only.

Needs no network and no database (no migrations either): everything comes from
the bundle. Revocation is as of the bundle's date, which every line says.
Exit status: 0 when every file is valid, 1 when any is not, 2 for a usage
error (a missing file, a bundle that does not verify)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.bundle import BundleError
from certificates.verify import (
    InputError,
    Outcome,
    Trust,
    verify_credential,
    verify_pdf,
)
from certificates.verify.results import format_as_of

NOT_VALID, USAGE = 1, 2


class Command(BaseCommand):
    help = "Verify certificate PDFs or credential JSON files against a trust bundle."
    # Nothing here touches the database: no checks, which may.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--bundle", required=True, help="The trust bundle.")
        parser.add_argument(
            "--expect-key",
            action="append",
            default=[],
            metavar="z6Mk…",
            help="Fingerprint the bundle must be signed with (repeatable).",
        )
        parser.add_argument("paths", nargs="+", metavar="PATH")

    def handle(self, *args, bundle, expect_key, paths, **options):
        trust = self._trust(Path(bundle), tuple(expect_key))
        files = [Path(path) for path in paths]
        if missing := [str(path) for path in files if not path.is_file()]:
            raise CommandError(f"No such file: {', '.join(missing)}", returncode=USAGE)
        as_of = format_as_of(trust.as_of)
        self.stdout.write(
            f"Trust bundle of {trust.issuer_name} ({trust.did}), signed by key "
            f"{trust.signing_key_fingerprint}; revocation status as of {as_of}."
        )
        not_valid = 0
        for path in files:
            outcome, summary = self._verify(path.read_bytes(), trust)
            not_valid += outcome != Outcome.VALID
            self.stdout.write(
                f"{path}: {outcome.upper()} — {summary} "
                f"(revocation status as of {as_of})"
            )
        if not_valid:
            raise CommandError(
                f"{not_valid} of {len(files)} not valid.", returncode=NOT_VALID
            )

    def _trust(self, path: Path, expect_keys: tuple[str, ...]) -> Trust:
        try:
            return Trust.from_bundle(path.read_bytes(), expect_keys=expect_keys)
        except OSError as error:
            raise CommandError(
                f"Cannot read the bundle: {error}", returncode=USAGE
            ) from error
        except BundleError as error:
            raise CommandError(
                f"The trust bundle cannot be trusted: {error}", returncode=USAGE
            ) from error

    def _verify(self, data: bytes, trust: Trust) -> tuple[str, str]:
        """The outcome and a one-line summary: the failed checks, or the
        details to compare with the paper."""
        try:
            if data.lstrip()[:1] == b"{":
                result = verify_credential(data, trust=trust)
            else:
                result = verify_pdf(data, trust=trust)
        except InputError as error:
            return Outcome.INVALID, f"not a certificate: {error}"
        if failed := result.failed:
            checks = "; ".join(f"{check.name}: {check.detail}" for check in failed)
            return result.outcome, f"{result.message} [{checks}]"
        details = result.details
        return result.outcome, (
            f"{details.name}, “{details.course_title}”, issued by "
            f"{details.issuer_name} on {details.issued_on.isoformat()}"
        )
