"""``manage.py export_trust_bundle [-o FILE]``: the offline trust bundle.

Give it to whoever checks certificates without a network, with the key
fingerprint printed here (or the one in /.well-known/did.json) through a
channel they trust: ``verify_certificates --expect-key`` pins it."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from certificates.bundle import build_bundle, load_bundle


class Command(BaseCommand):
    help = "Write the trust bundle (keys, CA, contexts, status lists), signed."

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", help="File to write (default: standard output)."
        )

    def handle(self, *args, output=None, **options):
        bundle = build_bundle()
        data = json.dumps(bundle, ensure_ascii=False).encode()
        if output:
            Path(output).write_bytes(data)
        else:
            self.stdout.write(data.decode(), ending="\n")
        verified = load_bundle(bundle)
        self.stderr.write(
            f"Trust bundle of {verified.issuer_name} ({verified.issuer_did}), "
            f"generated {bundle['generatedAt']}, "
            f"{len(verified.status_lists)} status list(s).\n"
            f"Signed by key {verified.signing_key_fingerprint}: check it with "
            f"verify_certificates --expect-key {verified.signing_key_fingerprint}"
        )
