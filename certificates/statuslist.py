"""W3C Bitstring Status List v1.0: which certificates are revoked.

One list of STATUS_LIST_LENGTH bits; a certificate's bit is at its
``status_index``. Bit 0 is the most significant bit of byte 0. The list is
GZIP-compressed and multibase-encoded as base64url without padding (``u…``).
The list is never shorter than the spec's minimum of 131,072 bits so that a
verifier who fetches it learns nothing about which certificate it checks
(herd privacy).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import zlib
from collections.abc import Iterable

from .dataintegrity import xsd_datetime
from .keys import issuer_did

STATUS_LIST_LENGTH = 131_072
STATUS_PURPOSE = "revocation"
# A decoded list larger than this is refused rather than inflated (a small
# "u…" string can gunzip to gigabytes).
MAX_DECODED_BYTES = 16 * 1024 * 1024


def encode_bitstring(
    revoked_indexes: Iterable[int], *, length: int = STATUS_LIST_LENGTH
) -> str:
    bits = bytearray(length // 8)
    for index in revoked_indexes:
        if not 0 <= index < length:
            raise ValueError(f"status index {index} is outside 0..{length - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same revocations always give the same encodedList.
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode_bitstring(encoded: str) -> bytes:
    """The raw bitstring; ValueError when ``encoded`` is not a status list."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url ('u' prefix)")
    data = encoded[1:] + "=" * (-len(encoded[1:]) % 4)
    try:
        compressed = base64.b64decode(data, altchars="-_", validate=True)
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip
        bits = inflater.decompress(compressed, MAX_DECODED_BYTES)
    except (ValueError, zlib.error) as error:
        raise ValueError(f"encodedList does not decode: {error}") from error
    if inflater.unconsumed_tail:
        raise ValueError("encodedList is larger than this verifier accepts")
    if not inflater.eof:
        raise ValueError("encodedList does not decode: truncated")
    return bits


def is_revoked(encoded: str, index: int) -> bool:
    bits = decode_bitstring(encoded)
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def revoked_indexes(encoded: str) -> set[int]:
    bits = decode_bitstring(encoded)
    return {
        i * 8 + bit
        for i, byte in enumerate(bits)
        if byte
        for bit in range(8)
        if byte & (0x80 >> bit)
    }


def build_status_list_credential(
    *, url: str, revoked: Iterable[int], valid_from: dt.datetime
) -> dict:
    """The unsigned BitstringStatusListCredential published at ``url``; sign
    it with ``dataintegrity.sign`` and the current key."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": STATUS_PURPOSE,
            "encodedList": encode_bitstring(revoked),
        },
    }
