"""``manage.py generate_issuer_keys --after-loss``: new keys after the old
ones are lost for good.

Keys are made on first use, but never again once a certificate exists: an
empty key directory then means a lost back-up or a wrong PAMOJA_KEY_DIR, and
new keys would leave every issued certificate unverifiable. This command is
the operator saying the old keys are gone; reissue the certificates that
matter afterwards (trainers can, from the cohort page)."""

from django.core.management.base import BaseCommand, CommandError

from certificates import keys
from certificates.models import Certificate


class Command(BaseCommand):
    help = (
        "Make new signing keys in an empty key directory although certificates exist."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--after-loss",
            action="store_true",
            help="Confirm that the old keys are lost and cannot be restored.",
        )

    def handle(self, *args, after_loss=False, **options):
        if not after_loss:
            raise CommandError(
                "Restore PAMOJA_KEY_DIR from the back-up if you can. If the keys "
                "are lost for good, run again with --after-loss."
            )
        try:
            keyset = keys.generate_after_loss()
        except FileExistsError as exc:
            raise CommandError(str(exc)) from exc
        issued = Certificate.objects.count()
        self.stdout.write(keyset.current.kid)
        self.stderr.write(
            f"New keys made. The {issued} certificate(s) issued before no longer "
            "verify: reissue the ones learners still need."
        )
