import datetime as dt
import uuid

import pytest

from certificates import dataintegrity
from certificates.credential import build_credential, issue_credential
from certificates.keys import get_keyset, issuer_did
from tests.certificates.vcjs import sample_claim


def test_credential_is_an_open_badges_3_credential():
    credential = build_credential(sample_claim())

    assert credential["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert credential["id"] == "urn:uuid:6f1c2a9e-0d4b-4c1e-9a57-3b8e2f6d1c40"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["validFrom"] == "2026-11-26T09:30:00Z"
    assert credential["name"] == "AI literacy for everyone"


def test_issuer_is_the_deployments_did_web_profile(settings):
    issuer = build_credential(sample_claim())["issuer"]

    assert issuer == {
        "id": issuer_did(),
        "type": ["Profile"],
        "name": settings.PAMOJA_ISSUER_NAME,
        "url": settings.PAMOJA_PUBLIC_URL,
    }


def test_subject_names_the_learner_and_the_course_achievement():
    subject = build_credential(sample_claim())["credentialSubject"]

    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"] == [
        {
            "type": "IdentityObject",
            "identityHash": "Asha Mwangi",
            "identityType": "name",
            "hashed": False,
        }
    ]
    assert subject["achievement"] == {
        "id": "http://127.0.0.1:8000/en/courses/ai-literacy-for-everyone/",
        "type": ["Achievement"],
        "name": "AI literacy for everyone",
        "description": "What AI is, what it can and cannot do, and how to use it.",
        "criteria": {
            "narrative": "Complete every lesson and pass each module quiz with 70% "
            "or more."
        },
        "inLanguage": "sw",
    }


def test_status_entry_points_at_the_bit_in_the_revocation_list():
    status = build_credential(sample_claim(status_index=17))["credentialStatus"]

    assert status == {
        "id": "http://127.0.0.1:8000/certificates/status/1#17",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "17",
        "statusListCredential": "http://127.0.0.1:8000/certificates/status/1",
    }


def test_a_course_without_a_url_gets_a_stable_urn():
    first = build_credential(sample_claim(course_url=""))
    second = build_credential(sample_claim(course_url="", certificate_id=uuid.uuid4()))

    achievement_id = first["credentialSubject"]["achievement"]["id"]
    assert achievement_id.startswith("urn:uuid:")
    assert second["credentialSubject"]["achievement"]["id"] == achievement_id


@pytest.mark.parametrize(
    ("name", "title", "language"),
    [
        ("أمينة الحسن", "الذكاء الاصطناعي للجميع", "ar"),
        ("अमित कुमार", "सबके लिए एआई", "hi"),
        ("አበበ ቢቂላ", "ሰው ሰራሽ አስተውሎት", "am"),
        ("王小明", "人人都能学的人工智能", "zh-Hans"),
        ("Zoë O'Brien-Núñez", 'AI "for" <everyone> & more', ""),
    ],
)
def test_credentials_in_any_script_sign_and_verify(name, title, language):
    claim = sample_claim(learner_name=name, course_title=title, language=language)

    credential = issue_credential(claim)

    assert credential["credentialSubject"]["identifier"][0]["identityHash"] == name
    assert ("inLanguage" in credential["credentialSubject"]["achievement"]) == bool(
        language
    )
    check = dataintegrity.verify(credential, public_keys=get_keyset().public_keys())
    assert check.ok, check.reason


def test_issue_credential_signs_with_the_current_key():
    credential = issue_credential(sample_claim())

    proof = credential["proof"]
    assert proof["verificationMethod"] == get_keyset().current.verification_method
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"


def test_valid_from_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone"):
        build_credential(sample_claim(valid_from=dt.datetime(2026, 11, 26)))  # noqa: DTZ001


def test_valid_from_is_written_in_utc():
    eat = dt.timezone(dt.timedelta(hours=3))
    claim = sample_claim(
        valid_from=dt.datetime(2026, 11, 26, 12, 0, 59, 999, tzinfo=eat)
    )

    assert build_credential(claim)["validFrom"] == "2026-11-26T09:00:59Z"
