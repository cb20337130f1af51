"""What the verifier trusts: this deployment's keys and database, or a trust
bundle (:mod:`certificates.bundle`) and nothing else."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings

from .. import dataintegrity

STATUS_LIST_TYPE = "BitstringStatusListCredential"
# Proof results of documents already checked online, by content and key set.
_PROOF_MEMO: OrderedDict[tuple[bytes, bytes], dataintegrity.ProofCheck] = OrderedDict()
_PROOF_MEMO_SIZE = 4096
_PROOF_MEMO_LOCK = threading.Lock()


def _digest(document) -> bytes | None:
    try:
        text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(text.encode()).digest()


_LIST_NUMBER = re.compile(r"[0-9]{1,5}")


_ONLINE_FINGERPRINT: tuple = (None, b"")


class Trust:
    """The issuer's keys, CA and status lists to check against.

    ``is_online``: the register (the database) may be asked too. Offline,
    ``as_of`` is when the bundle was made."""

    def __init__(
        self,
        *,
        is_online: bool,
        did: str,
        issuer_name: str,
        public_keys: Mapping[str, Ed25519PublicKey],
        ca_certificate: x509.Certificate,
        status_lists: Callable[[str], dict | None],
        contexts: Mapping[str, dict] | None = None,
        as_of: dt.datetime | None = None,
        signing_key_fingerprint: str = "",
    ):
        self.is_online = is_online
        self.did = did
        self.issuer_name = issuer_name
        self.public_keys = dict(public_keys)  # verification method -> key
        self.ca_certificate = ca_certificate
        self.as_of = as_of
        self.signing_key_fingerprint = signing_key_fingerprint
        self._status_lists = status_lists
        self._contexts = dict(contexts or {})
        self._checked_lists: dict[str, tuple[dict | None, str]] = {}
        self._fingerprint: bytes | None = None

    @classmethod
    def online(cls) -> Trust:
        """This deployment's keys (current and retired), CA and database."""
        from ..keys import get_keyset, issuer_did

        keyset = get_keyset()
        did = issuer_did()
        trust = cls(
            is_online=True,
            did=did,
            issuer_name=settings.PAMOJA_ISSUER_NAME,
            public_keys=keyset.public_keys(),
            ca_certificate=keyset.ca_certificate,
            status_lists=_registered_status_list,
        )
        # The keys' fingerprint (the proof memo's key) once per key set, not
        # once per verification: the set only changes on rotation.
        global _ONLINE_FINGERPRINT
        if _ONLINE_FINGERPRINT[0] is not keyset:
            _ONLINE_FINGERPRINT = (keyset, trust._keys_fingerprint())
        trust._fingerprint = _ONLINE_FINGERPRINT[1]
        return trust

    @classmethod
    def from_bundle(
        cls, data: bytes | str | dict, *, expect_keys: tuple[str, ...] = ()
    ) -> Trust:
        """What a trust bundle says, once its own signature verifies (raises
        ``bundle.BundleError``). ``expect_keys`` pins the signing key's
        fingerprint; :mod:`certificates.bundle` says why that matters."""
        from ..bundle import load_bundle

        bundle = load_bundle(data, expect_keys=expect_keys)
        return cls(
            is_online=False,
            did=bundle.issuer_did,
            issuer_name=bundle.issuer_name,
            public_keys=bundle.public_keys,
            ca_certificate=bundle.ca_certificate,
            status_lists=bundle.status_lists.get,
            contexts=bundle.contexts,
            as_of=bundle.generated_at,
            signing_key_fingerprint=bundle.signing_key_fingerprint,
        )

    @property
    def keys_by_kid(self) -> dict[str, Ed25519PublicKey]:
        """For QR JWS headers, which name the key by ``kid`` alone."""
        prefix = f"{self.did}#"
        return {
            vm.removeprefix(prefix): key
            for vm, key in self.public_keys.items()
            if vm.startswith(prefix)
        }

    def load_document(self, url: str, options: dict | None = None) -> dict:
        """pyld document loader: the vendored contexts, then the bundle's."""
        try:
            return dataintegrity.document_loader(url, options)
        except dataintegrity.DocumentError:
            if url not in self._contexts:
                raise
        return {"contextUrl": None, "documentUrl": url, "document": self._contexts[url]}

    def verify_proof(self, document) -> dataintegrity.ProofCheck:
        if not self.is_online:
            return self._verify_proof(document)
        # The same credential verified against the same keys always gives the
        # same answer, and the check (canonicalisation) costs ~10 ms; a code
        # lookup re-checks the stored credential every time. Remember it.
        digest = _digest(document)
        if digest is None:
            return self._verify_proof(document)
        memo_key = (digest, self._keys_fingerprint())
        with _PROOF_MEMO_LOCK:
            found = _PROOF_MEMO.get(memo_key)
            if found is not None:
                _PROOF_MEMO.move_to_end(memo_key)
                return found
        found = self._verify_proof(document)
        with _PROOF_MEMO_LOCK:
            _PROOF_MEMO[memo_key] = found
            if len(_PROOF_MEMO) > _PROOF_MEMO_SIZE:
                _PROOF_MEMO.popitem(last=False)
        return found

    def _verify_proof(self, document) -> dataintegrity.ProofCheck:
        return dataintegrity.verify(
            document, public_keys=self.public_keys, loader=self.load_document
        )

    def _keys_fingerprint(self) -> bytes:
        if self._fingerprint is None:
            raw = b"".join(
                vm.encode() + b"\0" + key.public_bytes_raw()
                for vm, key in sorted(self.public_keys.items())
            )
            self._fingerprint = hashlib.sha256(raw).digest()
        return self._fingerprint

    def status_list(self, url: str) -> tuple[dict | None, str]:
        """The status list credential at ``url`` once its own proof and shape
        are checked, or None and why not ("missing" when there is none).
        Checked once per Trust: a command verifying many files pays once."""
        if url not in self._checked_lists:
            self._checked_lists[url] = self._check_status_list(url)
        return self._checked_lists[url]

    def _check_status_list(self, url: str) -> tuple[dict | None, str]:
        document = self._status_lists(url)
        if not isinstance(document, dict):
            return None, "missing"
        proof = self.verify_proof(document)
        if not proof.ok:
            return None, f"the status list's own proof fails: {proof.reason}"
        if (
            document.get("id") != url
            or document.get("issuer") != self.did
            or STATUS_LIST_TYPE not in (document.get("type") or [])
            or not isinstance(document.get("credentialSubject"), dict)
        ):
            return None, "the status list is not the one the credential names"
        return document, "verified"


def _registered_status_list(url: str) -> dict | None:
    """The database's signed status list published at ``url``."""
    from ..api import status_list_credential, status_list_url

    prefix = status_list_url(0).removesuffix("0")
    number = url.removeprefix(prefix) if url.startswith(prefix) else ""
    if not _LIST_NUMBER.fullmatch(number) or status_list_url(int(number)) != url:
        return None
    return status_list_credential(int(number))
