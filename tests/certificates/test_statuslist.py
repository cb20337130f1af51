import base64
import datetime as dt
import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from certificates import dataintegrity, statuslist
from certificates.keys import get_keyset, issuer_did

LENGTH = statuslist.STATUS_LIST_LENGTH
indexes = st.integers(min_value=0, max_value=LENGTH - 1)


@settings(max_examples=60, deadline=None)
@given(revoked=st.sets(indexes, max_size=300), probe=indexes)
def test_encoded_lists_round_trip(revoked, probe):
    encoded = statuslist.encode_bitstring(revoked)

    assert statuslist.revoked_indexes(encoded) == revoked
    assert statuslist.is_revoked(encoded, probe) == (probe in revoked)
    for index in list(revoked)[:20]:
        assert statuslist.is_revoked(encoded, index)


def test_the_list_is_the_spec_minimum_of_131072_bits():
    assert LENGTH == 131_072
    assert len(statuslist.decode_bitstring(statuslist.encode_bitstring([]))) == 16_384


@pytest.mark.parametrize(
    ("index", "byte", "value"),
    [(0, 0, 0x80), (7, 0, 0x01), (8, 1, 0x80), (13, 1, 0x04)],
)
def test_bit_zero_is_the_most_significant_bit_of_byte_zero(index, byte, value):
    bits = statuslist.decode_bitstring(statuslist.encode_bitstring([index]))

    assert bits[byte] == value
    assert sum(bits) == value


def test_encoding_is_gzip_in_unpadded_multibase_base64url():
    encoded = statuslist.encode_bitstring([3, 99_999])

    assert encoded.startswith("u") and "=" not in encoded
    assert "+" not in encoded and "/" not in encoded
    data = encoded[1:]
    raw = gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))
    assert raw[0] == 0x10
    assert encoded == statuslist.encode_bitstring([99_999, 3])  # deterministic


@pytest.mark.parametrize("index", [-1, LENGTH])
def test_indexes_outside_the_list_are_refused(index):
    with pytest.raises(ValueError, match="outside"):
        statuslist.encode_bitstring([index])
    with pytest.raises(ValueError, match="outside"):
        statuslist.is_revoked(statuslist.encode_bitstring([]), index)


@pytest.mark.parametrize("encoded", ["zabc", "u!!!", "u", "u" + "A" * 40])
def test_garbage_does_not_decode(encoded):
    with pytest.raises(ValueError, match="encodedList"):
        statuslist.decode_bitstring(encoded)


def test_a_decompression_bomb_is_refused():
    bomb = gzip.compress(bytes(statuslist.MAX_DECODED_BYTES + 1))
    encoded = "u" + base64.urlsafe_b64encode(bomb).decode().rstrip("=")

    with pytest.raises(ValueError, match="larger than"):
        statuslist.decode_bitstring(encoded)


def test_status_list_credential_is_signable_and_names_its_revocations():
    url = "http://127.0.0.1:8000/certificates/status/1"
    valid_from = dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC)

    credential = statuslist.build_status_list_credential(
        url=url, revoked=[5, 4242], valid_from=valid_from
    )
    signed = dataintegrity.sign(credential, key=get_keyset().current)

    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert credential["type"] == [
        "VerifiableCredential",
        "BitstringStatusListCredential",
    ]
    assert credential["issuer"] == issuer_did()
    assert credential["validFrom"] == "2026-11-26T10:00:00Z"
    subject = credential["credentialSubject"]
    assert subject["id"] == f"{url}#list"
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert statuslist.revoked_indexes(subject["encodedList"]) == {5, 4242}
    assert dataintegrity.verify(signed, public_keys=get_keyset().public_keys()).ok
