"""The one verifier, online: codes, credentials and QR links checked against
this deployment's keys and register. PDFs: test_verify_pdf.py; the trust
bundle and offline checks: test_bundle.py."""

import json
import random
import string

import pytest

from certificates import api, codes, dataintegrity, keys, statuslist
from certificates.models import Certificate, StatusList
from certificates.verify import (
    CHECK_LABELS,
    InputError,
    InputTooLarge,
    Outcome,
    verify_code,
    verify_codes,
    verify_credential,
    verify_qr_url,
)
from tests.certificates import forgeries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_keys(own_key_dir):
    """Tests here rotate keys."""


def names(checks):
    return [check.name for check in checks]


def reissued(certificate, trainer):
    return api.reissue_certificate(certificate=certificate, by=trainer, name="Asha R.")


# Codes --------------------------------------------------------------------------


def test_a_registered_code_is_valid_with_the_registers_details(certificate):
    result = verify_code(certificate.code.lower().replace("-", " "))

    assert result.outcome == Outcome.VALID
    assert result.failed == ()
    assert names(result.checks) == [
        "code",
        "record",
        "credential_signature",
        "credential_record",
    ]
    assert result.certificate_id == certificate.id
    assert result.details.code == certificate.code
    assert result.details.name == "Asha Patel"
    assert result.details.course_title == certificate.course_title
    assert result.details.issued_on == certificate.issued_at.date()
    assert result.details.issuer_name == "Pamoja"
    assert result.message.startswith(
        "Valid: issued by \u2068Pamoja\u2069 to \u2068Asha Patel\u2069"
    )
    assert result.as_of is None


def test_a_wrong_check_symbol_is_answered_without_a_query(
    certificate, django_assert_num_queries
):
    last = certificate.code[-1]
    typo = certificate.code[:-1] + ("0" if last != "0" else "1")
    with django_assert_num_queries(0):
        result = verify_code(typo)

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["code"]
    assert "typing mistake" in result.failed[0].detail
    assert result.message == "Check the code: it has a typing mistake."
    assert result.details is None


def test_text_that_is_no_code_is_answered_without_a_query(
    django_assert_num_queries,
):
    texts = ["PMJ-12", "", "x" * 10_000, "PMJ-UUUU-UUUU-UUUU-U", "🙂" * 13, None]
    with django_assert_num_queries(0):
        results = [verify_code(text) for text in texts]

    assert {result.outcome for result in results} == {Outcome.INVALID}
    assert all(r.message.startswith("Check the code: it should look") for r in results)


def test_no_typed_text_makes_the_code_check_raise(django_assert_num_queries):
    symbols = string.printable + "ÅéØ🙂\u200b\x00"
    rng = random.Random(1)
    texts = [
        "PMJ" + "".join(rng.choice(symbols) for _ in range(rng.randint(10, 20)))
        for _ in range(2000)
    ]
    with django_assert_num_queries(0):
        results = [verify_code(text) for text in texts]

    assert {result.outcome for result in results} == {Outcome.INVALID}


def test_a_well_formed_code_nobody_was_given_is_unknown(certificate):
    result = verify_code(codes.new_code())

    assert result.outcome == Outcome.UNKNOWN
    assert names(result.failed) == ["record"]
    assert result.details is None
    assert result.message == "Not found: Pamoja has no certificate with this code."


def test_a_revoked_code_says_when_and_why(certificate, trainer):
    api.revoke_certificate(certificate=certificate, reason="Exam fraud", by=trainer)
    certificate.refresh_from_db()

    result = verify_code(certificate.code)

    assert result.outcome == Outcome.REVOKED
    assert names(result.failed) == ["record"]
    assert result.details.revoked_at == certificate.revoked_at
    assert result.details.revocation_reason == "Exam fraud"
    assert result.message.startswith("Revoked on ")
    assert result.message.endswith(": Exam fraud")


def test_a_superseded_code_names_the_new_one(certificate, trainer):
    new = reissued(certificate, trainer)

    old_result, new_result = verify_code(certificate.code), verify_code(new.code)

    assert old_result.outcome == Outcome.SUPERSEDED
    assert old_result.details.superseded_by == new.code
    assert new.code in old_result.message
    assert new_result.outcome == Outcome.VALID
    assert new_result.details.name == "Asha R."


def test_a_register_row_edited_behind_the_applications_back_is_invalid(certificate):
    Certificate.objects.filter(pk=certificate.pk).update(name="Someone Else")

    result = verify_code(certificate.code)

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["credential_record"]
    assert "name" in result.failed[0].detail
    assert result.details is None


def test_a_stored_credential_edited_in_the_database_is_invalid(certificate):
    forged = forgeries.with_changed_name(certificate.credential)
    Certificate.objects.filter(pk=certificate.pk).update(credential=forged)

    result = verify_code(certificate.code)

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["credential_signature"]


# Credentials --------------------------------------------------------------------


@pytest.mark.parametrize("form", ["bytes", "text", "dict"])
def test_the_credential_verifies_in_every_form(certificate, form):
    data = api.credential_json(certificate)
    data = {"bytes": data, "text": data.decode(), "dict": json.loads(data)}[form]

    result = verify_credential(data)

    assert result.outcome == Outcome.VALID
    assert names(result.checks) == [
        "credential_signature",
        "record",
        "credential_record",
        "status_list",
    ]
    assert result.certificate_id == certificate.id
    assert result.details.code == certificate.code


def test_a_revoked_credential_is_revoked_by_the_register_and_the_status_list(
    certificate, trainer
):
    api.revoke_certificate(certificate=certificate, reason="Exam fraud", by=trainer)

    result = verify_credential(certificate.credential)

    assert result.outcome == Outcome.REVOKED
    assert names(result.failed) == ["record", "status_list"]
    assert result.details.revocation_reason == "Exam fraud"
    assert result.message.endswith(": Exam fraud")


def test_a_superseded_credential_names_the_new_certificate(certificate, trainer):
    new = reissued(certificate, trainer)

    result = verify_credential(certificate.credential)

    assert result.outcome == Outcome.SUPERSEDED
    assert result.details.superseded_by == new.code
    assert new.code in result.message


def test_the_status_list_alone_revokes(certificate):
    """A set bit is never valid, whatever the row says."""
    row = StatusList.objects.get(number=certificate.status_list)
    unsigned = statuslist.build_status_list_credential(
        url=api.status_list_url(certificate.status_list),
        revoked=[certificate.status_index],
        valid_from=certificate.issued_at,
    )
    row.credential = dataintegrity.sign(unsigned, key=keys.get_keyset().current)
    row.save()

    result = verify_credential(certificate.credential)

    assert result.outcome == Outcome.REVOKED
    assert names(result.failed) == ["status_list"]


def test_a_status_list_that_does_not_verify_makes_the_credential_invalid(
    certificate,
):
    row = StatusList.objects.get(number=certificate.status_list)
    row.credential["credentialSubject"]["encodedList"] = statuslist.encode_bitstring([])
    row.credential["validFrom"] = "2030-01-01T00:00:00Z"
    row.save()

    result = verify_credential(certificate.credential)

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["status_list"]
    assert "own proof" in result.failed[0].detail


def test_a_credential_signed_by_a_retired_key_is_still_valid(certificate):
    old_kid = keys.get_keyset().current.kid
    keys.rotate_issuer_key()
    assert keys.get_keyset().current.kid != old_kid

    assert verify_credential(certificate.credential).outcome == Outcome.VALID
    assert verify_code(certificate.code).outcome == Outcome.VALID
    assert verify_qr_url(forgeries.qr_url(certificate)).outcome == Outcome.VALID


def test_an_extra_unsigned_field_makes_the_credential_invalid(certificate):
    result = verify_credential(forgeries.with_extra_field(certificate.credential))

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["credential_signature"]
    assert "honours" in result.failed[0].detail
    assert "not cover" in result.message
    assert result.details is None


def test_a_changed_field_makes_the_credential_invalid(certificate):
    result = verify_credential(forgeries.with_changed_name(certificate.credential))

    assert result.outcome == Outcome.INVALID
    assert result.message == "Invalid: the credential was changed after it was signed."


def test_a_credential_resigned_by_another_key_is_not_pamojas(certificate):
    forged = forgeries.resigned(
        forgeries.with_changed_name(certificate.credential), forgeries.foreign_key()
    )

    result = verify_credential(forged)

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["credential_signature"]
    assert "not the issuer's" in result.failed[0].detail
    assert result.message == (
        "Invalid: this credential was signed by a key that is not Pamoja's."
    )


def test_a_foreign_key_that_borrows_our_key_id_is_caught_by_the_signature(
    certificate,
):
    impostor = forgeries.foreign_key(kid=keys.get_keyset().current.kid)
    forged = forgeries.resigned(certificate.credential, impostor)

    result = verify_credential(forged)

    assert result.outcome == Outcome.INVALID
    assert result.failed[0].detail == "signature does not match"


def test_our_own_status_list_is_not_a_certificate(certificate):
    status_list = StatusList.objects.get(number=certificate.status_list).credential

    result = verify_credential(status_list)

    assert result.outcome == Outcome.INVALID
    assert "not a certificate credential" in result.failed[0].detail


def test_a_genuine_credential_missing_from_the_register_is_unknown(certificate):
    credential = certificate.credential
    Certificate.objects.filter(pk=certificate.pk).delete()

    result = verify_credential(credential)

    assert result.outcome == Outcome.UNKNOWN
    assert names(result.failed) == ["record"]
    assert result.details.name == "Asha Patel"


def test_a_signed_credential_that_is_not_the_registered_one_is_invalid(certificate):
    """Only the issuer's key could make it; the register still has the last
    word on what was issued."""
    changed = forgeries.with_changed_name(certificate.credential)
    forged = forgeries.resigned(changed, keys.get_keyset().current)

    result = verify_credential(forged)

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["credential_record"]
    assert result.certificate_id == certificate.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n", "This is not a JSON file."),
        ("{not json", "This is not a JSON file."),
        (b"[1, 2]", "This JSON is not a credential: it should be one object."),
        (b"[" * 100_000, "This is not a JSON file."),
        (42, "Send the credential as JSON."),
    ],
)
def test_input_that_is_not_a_credential_is_an_input_error(data, message):
    with pytest.raises(InputError, match=message) as raised:
        verify_credential(data)
    assert raised.value.status_code == 400


def test_an_oversized_credential_is_refused_before_it_is_parsed(settings):
    settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES = 2048

    with pytest.raises(InputTooLarge) as raised:
        verify_credential(b"{" + b" " * 4096 + b"}")
    assert raised.value.status_code == 413
    assert "2 KB" in str(raised.value)


def test_an_unsigned_json_object_is_invalid_not_an_error():
    result = verify_credential({"name": "Certificate of excellence"})

    assert result.outcome == Outcome.INVALID
    assert result.message == "Invalid: the credential is not signed."


# QR links -----------------------------------------------------------------------


def test_a_qr_link_is_valid_with_the_registers_details(certificate):
    result = verify_qr_url(forgeries.qr_url(certificate))

    assert result.outcome == Outcome.VALID
    assert names(result.checks) == [
        "code",
        "qr_signature",
        "qr_claims",
        "record",
        "credential_signature",
        "credential_record",
    ]
    assert result.details.code == certificate.code


def test_a_qr_link_of_a_revoked_certificate_is_revoked(certificate, trainer):
    api.revoke_certificate(certificate=certificate, reason="Exam fraud", by=trainer)

    result = verify_qr_url(forgeries.qr_url(certificate))

    assert result.outcome == Outcome.REVOKED
    assert result.details.revocation_reason == "Exam fraud"


def test_a_qr_link_of_a_superseded_certificate_names_the_new_one(certificate, trainer):
    new = reissued(certificate, trainer)

    result = verify_qr_url(forgeries.qr_url(certificate))

    assert result.outcome == Outcome.SUPERSEDED
    assert result.details.superseded_by == new.code


def test_a_qr_fragment_of_another_certificate_is_invalid(certificate, trainer):
    new = reissued(certificate, trainer)
    # The new certificate's link, carrying the old certificate's signed claims.
    forged = f"{new.verify_url}#{certificate.qr_token}"

    result = verify_qr_url(forged)

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["qr_claims"]
    assert certificate.code in result.failed[0].detail
    assert result.message == (
        "Invalid: the QR code does not belong to this certificate."
    )


def test_qr_claims_that_differ_from_the_register_are_invalid(certificate):
    claims = {**api.printed_claims(certificate), "n": "Someone Else"}
    token = forgeries.qr_token_signed_by(claims, keys.get_keyset().current)

    result = verify_qr_url(forgeries.qr_url(certificate, token))

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["qr_claims"]


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jws",
        "eyJhbGciOiJub25lIn0.eyJjIjoiUE1KIn0.",
        "a.b.c",
    ],
)
def test_a_malformed_qr_signature_is_invalid(certificate, token):
    result = verify_qr_url(forgeries.qr_url(certificate, token))

    assert result.outcome == Outcome.INVALID
    assert names(result.failed) == ["qr_signature"]


def test_qr_claims_signed_by_another_key_are_invalid(certificate):
    impostor = forgeries.foreign_key(kid=keys.get_keyset().current.kid)
    token = forgeries.qr_token_signed_by(api.printed_claims(certificate), impostor)

    result = verify_qr_url(forgeries.qr_url(certificate, token))

    assert result.outcome == Outcome.INVALID
    assert result.failed[0].detail == "bad signature"


def test_a_link_without_its_signed_fragment_is_a_code(certificate):
    result = verify_qr_url(certificate.verify_url)

    assert result.outcome == Outcome.VALID
    assert "qr_signature" not in names(result.checks)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/",
        "not a url at all",
        "x" * 5000,
        None,
        "http://[::1/verify/PMJ-0000-0000-0000-0/#a.b.c",
    ],
)
def test_a_link_that_is_not_a_verify_link_is_an_input_error(url):
    with pytest.raises(InputError, match="This is not a certificate link."):
        verify_qr_url(url)


# Bulk ---------------------------------------------------------------------------


def copies_of(certificate, count: int, *, revoked: int = 0) -> list[Certificate]:
    """``count`` registered certificates sharing one real credential, the
    first ``revoked`` of them revoked; made in one bulk insert."""
    taken = certificate.status_index
    rows = []
    for number in range(count):
        is_revoked = number < revoked
        rows.append(
            Certificate(
                code=codes.new_code(),
                user=None,
                course_key=certificate.course_key,
                name=f"Learner {number}",
                course_title=certificate.course_title,
                language="en",
                issued_at=certificate.issued_at,
                status="revoked" if is_revoked else "valid",
                revoked_at=certificate.issued_at if is_revoked else None,
                revocation_reason="Bulk test" if is_revoked else "",
                status_list=certificate.status_list,
                status_index=number if number < taken else number + 1,
                credential=certificate.credential,
                qr_token=certificate.qr_token,
            )
        )
    return Certificate.objects.bulk_create(rows, batch_size=2000)


def test_ten_thousand_codes_take_one_query_and_keep_their_order(
    certificate, django_assert_num_queries
):
    registered = copies_of(certificate, 6000, revoked=500)
    unknown = [codes.new_code() for _ in range(2000)]
    malformed = ["PMJ-" + str(n) for n in range(1000)]
    typos = [
        c.code[:-1] + ("1" if c.code[-1] != "1" else "2") for c in registered[-999:]
    ]
    expected = (
        [(c.code, Outcome.REVOKED) for c in registered[:500]]
        + [(c.code, Outcome.VALID) for c in registered[500:]]
        + [(code, Outcome.UNKNOWN) for code in unknown]
        + [(text, Outcome.INVALID) for text in malformed + typos]
        + [(certificate.code, Outcome.VALID)]
    )
    random.Random(7).shuffle(expected)
    texts = [text for text, _outcome in expected]
    assert len(texts) == 10_000

    # The time this takes is benchmarks/verify.py's figure, not a test's.
    with django_assert_num_queries(1):
        results = verify_codes(texts)
    assert [result.outcome for result in results] == [o for _t, o in expected]
    for (text, outcome), result in zip(expected, results, strict=True):
        if outcome in (Outcome.VALID, Outcome.REVOKED):
            assert result.details.code == text
        if outcome == Outcome.INVALID:
            assert names(result.failed) == ["code"]
    revoked = next(r for r in results if r.outcome == Outcome.REVOKED)
    assert revoked.details.revocation_reason == "Bulk test"


def test_bulk_without_a_well_formed_code_makes_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        results = verify_codes(["nonsense", "PMJ-0000"])

    assert [r.outcome for r in results] == [Outcome.INVALID, Outcome.INVALID]


# Results ------------------------------------------------------------------------


def test_a_result_is_json_safe_and_every_check_has_a_label(certificate, trainer):
    api.revoke_certificate(certificate=certificate, reason="Exam fraud", by=trainer)
    result = verify_credential(certificate.credential)

    data = json.loads(json.dumps(result.as_dict()))

    assert data["outcome"] == "revoked"
    assert data["certificate_id"] == str(certificate.id)
    assert data["details"]["revocation_reason"] == "Exam fraud"
    assert data["details"]["issued_on"] == certificate.issued_at.date().isoformat()
    assert {"name": "status_list", "passed": False}.items() <= data["checks"][
        -1
    ].items()
    assert data["as_of"] is None
    assert [check.label for check in result.checks] == [
        str(CHECK_LABELS[check.name]) for check in result.checks
    ]
    assert result.checks[0].label == "Signature of the digital credential"


def test_bulk_splits_very_long_lists_into_a_few_queries(
    certificate, monkeypatch, django_assert_num_queries
):
    from certificates.verify import register

    monkeypatch.setattr(register, "BULK_QUERY_SIZE", 3)
    texts = [codes.new_code() for _ in range(6)] + [certificate.code]

    with django_assert_num_queries(3):
        results = verify_codes(texts)

    assert [r.outcome for r in results] == [Outcome.UNKNOWN] * 6 + [Outcome.VALID]


# Outcome rules ------------------------------------------------------------------


def test_the_most_severe_failure_decides_and_nothing_failed_is_valid():
    from certificates.verify.results import Findings

    f = Findings()
    f.passed("code", "fine")
    f.failed("record", "revoked", outcome=Outcome.REVOKED, message="Revoked.")
    f.failed("status_list", "gone", outcome=Outcome.UNKNOWN, message="Unknown.")
    f.invalid("credential_signature", "forged", "Invalid.")
    f.failed("record", "superseded", outcome=Outcome.SUPERSEDED, message="Replaced.")

    result = f.result()
    assert (result.outcome, result.message) == (Outcome.INVALID, "Invalid.")
    assert names(result.failed) == [
        "record",
        "status_list",
        "credential_signature",
        "record",
    ]
    with pytest.raises(ValueError, match="cannot leave the answer valid"):
        f.failed("code", "oops", outcome=Outcome.VALID, message="Valid.")


def test_the_verifier_refuses_to_run_inside_an_event_loop(certificate, monkeypatch):
    """pyHanko and the register are synchronous: an async view must use
    sync_to_async rather than get a wrong answer."""
    # The browser tests allow async-unsafe calls for the whole session.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    import asyncio
    import threading

    from django.core.exceptions import SynchronousOnlyOperation

    async def check():
        return verify_credential(certificate.credential)

    # In a thread of its own: once the browser tests have started, Playwright's
    # event loop runs in this one, and asyncio.run() would refuse to start.
    raised = []

    def run():
        try:
            asyncio.run(check())
        except SynchronousOnlyOperation as error:
            raised.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)

    assert raised, "the verifier ran inside an event loop"
