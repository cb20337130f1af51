"""The deployment's signing keys (DESIGN §5, "Keys").

Everything lives in ``settings.PAMOJA_KEY_DIR``, outside the database:

- one Ed25519 key per key id (``kid``) that signs credentials, status lists
  and QR codes; the newest is *current*, older ones are *retired* and keep
  only their public half, so credentials they signed still verify;
- the deployment's own root CA and the ECDSA P-256 document-signing
  certificate it issues for PAdES signatures on PDFs;
- ``manifest.json``: which kids exist, when they were made and retired, and
  which one is current. It is written last, so its presence means the rest
  is complete.

Keys are generated on first use. Gunicorn workers and a Celery worker may all
start at once, so check-and-generate runs under an exclusive ``flock`` and every
file is written to a temporary name and moved into place with ``os.replace``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import base58
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings

# Multicodec prefix of an Ed25519 public key (varint 0xed) in a Multikey.
ED25519_MULTICODEC = b"\xed\x01"
logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"
CA_KEY, CA_CERT = "ca-key.pem", "ca-cert.pem"
SIGNING_KEY, SIGNING_CERT = "signing-key.pem", "signing-cert.pem"
CA_VALIDITY = dt.timedelta(days=365 * 30)
SIGNING_VALIDITY = dt.timedelta(days=365 * 10)
# RFC 9336 id-kp-documentSigning; emailProtection is what NSS (pdfsig) and
# Adobe Reader look for in a document signer's extended key usage.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def issuer_did() -> str:
    """The deployment's ``did:web``: the host (port percent-encoded) and then
    each path segment of PAMOJA_PUBLIC_URL, joined by colons."""
    url = urlsplit(settings.PAMOJA_PUBLIC_URL)
    host = (url.hostname or "").lower()
    if url.port:
        host = f"{host}%3A{url.port}"
    segments = [segment for segment in url.path.split("/") if segment]
    return ":".join(["did:web", host, *segments])


def decode_multikey(value: str) -> Ed25519PublicKey:
    """The Ed25519 key of a Multikey ``publicKeyMultibase`` ("z6Mk…") as
    published in a DID document; ValueError if it is not one."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("not a base58btc multibase value")
    raw = base58.b58decode(value[1:])
    if not raw.startswith(ED25519_MULTICODEC) or len(raw) != 34:
        raise ValueError("not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


@dataclass(frozen=True)
class IssuerKey:
    """One Ed25519 credential key. ``private_key`` is None once retired."""

    kid: str
    public_key: Ed25519PublicKey
    private_key: Ed25519PrivateKey | None
    created_at: dt.datetime
    retired_at: dt.datetime | None

    @property
    def public_key_multibase(self) -> str:
        """Multikey encoding: ``z`` + base58btc(0xed01 + raw key), "z6Mk…"."""
        raw = ED25519_MULTICODEC + _raw(self.public_key)
        return "z" + base58.b58encode(raw).decode()

    @property
    def verification_method(self) -> str:
        return f"{issuer_did()}#{self.kid}"


@dataclass(frozen=True)
class KeySet:
    current: IssuerKey
    keys: dict[str, IssuerKey]
    ca_certificate: x509.Certificate
    signing_certificate: x509.Certificate
    signing_key: ec.EllipticCurvePrivateKey

    def by_verification_method(self, vm: str) -> IssuerKey | None:
        did, _, kid = vm.partition("#")
        return self.keys.get(kid) if did == issuer_did() else None

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        """Verification method -> public key, what ``dataintegrity.verify`` takes."""
        return {key.verification_method: key.public_key for key in self.keys.values()}


_cache: dict[str, tuple[tuple[int, int] | None, KeySet]] = {}


def get_keyset() -> KeySet:
    """The key set, generated on first use and then cached per process.

    The cache is checked against the manifest's inode and modification time
    (one ``stat``; every write replaces the file), so a rotation by
    ``manage.py rotate_issuer_key`` reaches running workers without a restart."""
    key_dir = Path(settings.PAMOJA_KEY_DIR)
    cached = _cache.get(str(key_dir))
    if cached and cached[0] == _manifest_version(key_dir):
        return cached[1]
    with _locked(key_dir):
        if not (key_dir / MANIFEST).exists():
            refuse_to_replace_lost_keys(key_dir)
            _generate(key_dir)
        version = _manifest_version(key_dir)
        keyset = _load(key_dir)
    _cache[str(key_dir)] = (version, keyset)
    return keyset


class KeysMissing(RuntimeError):
    """Certificates were issued, but the key directory holds no keys."""


def refuse_to_replace_lost_keys(key_dir: Path) -> None:
    """New keys in an empty directory would make every certificate issued so
    far unverifiable, silently: once one exists, keys are never made again
    without an operator saying so (``manage.py generate_issuer_keys``)."""
    try:
        from .models import Certificate

        issued = Certificate.objects.count()
    except Exception:  # noqa: BLE001 - whatever stops the question, see below
        # Not migrated yet (a first run), no database or app registry in
        # this process, or unreachable: keys are made as before, and the
        # system check (pamoja.E010) asks again at every deploy.
        logger.warning("Could not count issued certificates before making keys")
        return
    if issued:
        raise KeysMissing(
            f"PAMOJA_KEY_DIR ({key_dir}) holds no keys, but {issued} "
            "certificate(s) were issued with keys that were there. Restore the "
            "directory from the back-up (README, 'Back-up'). Only if the keys are "
            "lost for good: manage.py generate_issuer_keys --after-loss "
            "(every certificate issued so far then stops verifying)."
        )


def generate_after_loss() -> KeySet:
    """Fresh keys in an empty key directory, although certificates exist."""
    key_dir = Path(settings.PAMOJA_KEY_DIR)
    with _locked(key_dir):
        if (key_dir / MANIFEST).exists():
            raise FileExistsError(f"{key_dir} already holds keys; nothing to do.")
        _generate(key_dir)
    reset_keyset_cache()
    return get_keyset()


def reset_keyset_cache() -> None:
    _cache.clear()


def rotate_issuer_key() -> IssuerKey:
    """Make a new current Ed25519 key. The old one is retired: its private
    half is deleted (nothing may sign with it again) and its public half stays
    in the DID document so the credentials it signed still verify."""
    key_dir = Path(settings.PAMOJA_KEY_DIR)
    get_keyset()  # make sure there is something to rotate
    with _locked(key_dir):
        manifest = _read_manifest(key_dir)
        now = _now()
        old_kid = manifest["current"]
        new_kid = _write_ed25519(key_dir, Ed25519PrivateKey.generate())
        for entry in manifest["keys"]:
            if entry["kid"] == old_kid:
                entry["retired_at"] = now.isoformat()
        manifest["keys"].append(
            {"kid": new_kid, "created_at": now.isoformat(), "retired_at": None}
        )
        manifest["current"] = new_kid
        _write(key_dir / MANIFEST, json.dumps(manifest, indent=2).encode())
        (key_dir / _private_name(old_kid)).unlink(missing_ok=True)
    reset_keyset_cache()
    return get_keyset().current


# Generation ----------------------------------------------------------------


def _generate(key_dir: Path) -> None:
    os.chmod(key_dir, 0o700)
    kid = _write_ed25519(key_dir, Ed25519PrivateKey.generate())
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _ca_certificate(ca_key)
    signing_key = ec.generate_private_key(ec.SECP256R1())
    signing_cert = _signing_certificate(signing_key, ca_key, ca_cert)
    _write(key_dir / CA_KEY, _private_pem(ca_key))
    _write(key_dir / CA_CERT, _cert_pem(ca_cert))
    _write(key_dir / SIGNING_KEY, _private_pem(signing_key))
    _write(key_dir / SIGNING_CERT, _cert_pem(signing_cert))
    manifest = {
        "current": kid,
        "keys": [{"kid": kid, "created_at": _now().isoformat(), "retired_at": None}],
    }
    _write(key_dir / MANIFEST, json.dumps(manifest, indent=2).encode())


def _write_ed25519(key_dir: Path, private_key: Ed25519PrivateKey) -> str:
    public_key = private_key.public_key()
    kid = "k-" + hashlib.sha256(_raw(public_key)).hexdigest()[:8]
    _write(key_dir / _private_name(kid), _private_pem(private_key))
    public_pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write(key_dir / _public_name(kid), public_pem)
    return kid


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.PAMOJA_ISSUER_NAME),
        ]
    )


def _ca_certificate(ca_key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = _name(f"{settings.PAMOJA_ISSUER_NAME} certificate authority")
    now = _now()
    usage = _key_usage(key_cert_sign=True, crl_sign=True)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(_key_id(ca_key), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _signing_certificate(
    key: ec.EllipticCurvePrivateKey,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
) -> x509.Certificate:
    now = _now()
    usage = _key_usage(digital_signature=True, content_commitment=True)
    eku = x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.EMAIL_PROTECTION, DOCUMENT_SIGNING]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(_name(f"{settings.PAMOJA_ISSUER_NAME} document signing"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + SIGNING_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(eku, critical=False)
        .add_extension(_key_id(key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def _key_id(key: ec.EllipticCurvePrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _key_usage(**allowed: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        [
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ],
        False,
    )
    return x509.KeyUsage(**(flags | allowed))


# Loading -------------------------------------------------------------------


def _load(key_dir: Path) -> KeySet:
    manifest = _read_manifest(key_dir)
    keys = {
        entry["kid"]: _load_issuer_key(key_dir, entry, manifest["current"])
        for entry in manifest["keys"]
    }
    return KeySet(
        current=keys[manifest["current"]],
        keys=keys,
        ca_certificate=x509.load_pem_x509_certificate((key_dir / CA_CERT).read_bytes()),
        signing_certificate=x509.load_pem_x509_certificate(
            (key_dir / SIGNING_CERT).read_bytes()
        ),
        signing_key=_load_private(key_dir / SIGNING_KEY),
    )


def _load_issuer_key(key_dir: Path, entry: dict, current_kid: str) -> IssuerKey:
    kid = entry["kid"]
    public_key = serialization.load_pem_public_key(
        (key_dir / _public_name(kid)).read_bytes()
    )
    retired_at = entry.get("retired_at")
    return IssuerKey(
        kid=kid,
        public_key=public_key,
        private_key=_load_private(key_dir / _private_name(kid))
        if kid == current_kid
        else None,
        created_at=dt.datetime.fromisoformat(entry["created_at"]),
        retired_at=dt.datetime.fromisoformat(retired_at) if retired_at else None,
    )


def _manifest_version(key_dir: Path) -> tuple[int, int] | None:
    try:
        stat = (key_dir / MANIFEST).stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def _read_manifest(key_dir: Path) -> dict:
    return json.loads((key_dir / MANIFEST).read_text())


def _load_private(path: Path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


# Files ---------------------------------------------------------------------


@contextmanager
def _locked(key_dir: Path) -> Iterator[None]:
    key_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(key_dir / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _write(path: Path, data: bytes) -> None:
    """Atomically, owner-only: a reader sees the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:  # mkstemp creates it 0600
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _private_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _private_name(kid: str) -> str:
    return f"ed25519-{kid}.key.pem"


def _public_name(kid: str) -> str:
    return f"ed25519-{kid}.pub.pem"


def _raw(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)
