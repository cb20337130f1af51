"""Partner API keys, the admin that makes them, rate-limit addresses and the
bulk CSV reader and writer."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import RequestFactory

from certificates import partners
from certificates.models import PartnerKey

pytestmark = pytest.mark.django_db


# --- Keys --------------------------------------------------------------------------


def test_only_a_hash_of_the_secret_is_stored(db):
    key, token = partners.create_key(organisation="Uni")
    assert re.fullmatch(r"pmj_[a-z2-9]{8}_[A-Za-z0-9_-]{43}", token)
    secret = token.split("_", 2)[2]
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM certificates_partnerkey")
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert secret not in stored
    assert token not in stored
    assert key.prefix in token


def test_the_token_finds_its_key_and_notes_its_use(db):
    key, token = partners.create_key(organisation="Uni")
    assert partners.key_for_token(token) == key
    key.refresh_from_db()
    assert key.last_used_at is not None


@pytest.mark.parametrize(
    "mangle, says",
    [
        (lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), "not valid"),
        (lambda t: "pmj_zzzzzzzz_" + t.split("_", 2)[2], "not valid"),
        (lambda t: t.replace("pmj_", "xyz_"), "not a Pamoja partner key"),
        (lambda t: "pmj_", "not a Pamoja partner key"),
    ],
)
def test_a_wrong_token_says_what_is_wrong(db, mangle, says):
    _key, token = partners.create_key(organisation="Uni")
    with pytest.raises(partners.InvalidKey, match=says):
        partners.key_for_token(mangle(token))


def test_a_revoked_key_is_refused(db):
    key, token = partners.create_key(organisation="Uni")
    assert partners.revoke_keys(PartnerKey.objects.all()) == 1
    with pytest.raises(partners.InvalidKey, match="revoked"):
        partners.key_for_token(token)


def test_the_header_must_be_bearer(db):
    _key, token = partners.create_key(organisation="Uni")
    assert partners.key_from_header(None) is None
    assert partners.key_from_header(f"bearer {token}") is not None
    with pytest.raises(partners.InvalidKey, match="Bearer"):
        partners.key_from_header(f"Token {token}")


# --- The admin ---------------------------------------------------------------------


def test_the_admin_shows_the_secret_once_and_revokes(admin_client):
    response = admin_client.post(
        "/django-admin/certificates/partnerkey/add/",
        {"organisation": "University of Nairobi", "rate_per_minute": 120},
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    token = re.search(r"pmj_\S+", " ".join(shown))[0]
    key = PartnerKey.objects.get()
    assert partners.key_for_token(token) == key
    assert key.rate_per_minute == 120

    page = admin_client.get(f"/django-admin/certificates/partnerkey/{key.pk}/change/")
    assert page.status_code == 200
    assert token.split("_", 2)[2] not in page.content.decode()

    admin_client.post(
        "/django-admin/certificates/partnerkey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.is_revoked


def test_editing_a_key_keeps_its_secret(admin_client):
    key, token = partners.create_key(organisation="Uni")
    admin_client.post(
        f"/django-admin/certificates/partnerkey/{key.pk}/change/",
        {"organisation": "Uni of X", "rate_per_minute": 5},
    )
    key.refresh_from_db()
    assert key.organisation == "Uni of X"
    assert partners.key_for_token(token) == key


# --- Addresses ---------------------------------------------------------------------


def test_the_client_address_is_remote_addr_unless_proxies_are_trusted(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5"
    )
    settings.PAMOJA_TRUSTED_PROXY_COUNT = 0
    assert partners.client_ip(request) == "127.0.0.1"
    settings.PAMOJA_TRUSTED_PROXY_COUNT = 1
    # The address our proxy saw; the client can forge what comes before it.
    assert partners.client_ip(request) == "203.0.113.5"


# --- CSV ---------------------------------------------------------------------------


def read(content: bytes):
    return partners.read_codes_csv(SimpleUploadedFile("c.csv", content))


def test_codes_are_read_from_the_first_column_whatever_the_separator():
    assert read(b"a,x\nb,y\n") == [(1, "a"), (2, "b")]
    assert read(b"a;x\nb;y\n") == [(1, "a"), (2, "b")]
    assert read(b"a\tx\nb\ty\n") == [(1, "a"), (2, "b")]
    assert read("\ufeffCode\n a \n".encode()) == [(2, "a")]


def test_blank_rows_are_skipped_but_empty_codes_answered():
    assert read(b"a\n\n,note\nb\n") == [(1, "a"), (3, ""), (4, "b")]


def test_too_many_rows_stop_the_reading():
    big = io.BytesIO(b"x\n" * (partners.MAX_BULK + 1))
    with pytest.raises(partners.CsvError) as raised:
        partners.read_codes_csv(big)
    assert raised.value.status == 413


@pytest.mark.parametrize(
    "cell, written",
    [
        ("=1+1", "'=1+1"),
        ("+44", "'+44"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("PMJ-7K3Q", "PMJ-7K3Q"),
        (None, ""),
    ],
)
def test_formula_starts_are_neutralised(cell, written):
    assert partners.neutralise(cell) == written
