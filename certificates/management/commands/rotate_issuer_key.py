"""``manage.py rotate_issuer_key``: start signing with a new Ed25519 key.

The old key is retired, not deleted: it stays in the DID document so every
credential it signed still verifies. Running workers pick up the new key on
their next signature (``keys.get_keyset`` watches the manifest)."""

from django.core.management.base import BaseCommand

from certificates.keys import get_keyset, rotate_issuer_key


class Command(BaseCommand):
    help = "Make a new current credential-signing key; the old one is retired."

    def handle(self, *args, **options):
        old = get_keyset().current
        new = rotate_issuer_key()
        self.stdout.write(new.kid)
        self.stderr.write(f"{old.kid} retired; new credentials are signed by {new.kid}")
