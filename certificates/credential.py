"""The Open Badges 3.0 credential a certificate carries (DESIGN §5).

An ``OpenBadgeCredential`` (VC Data Model 2.0 + OB 3.0.3 context) naming the
learner, the course as an ``Achievement`` with its completion rule as the
criteria, and a Bitstring Status List entry for revocation. Every term is
defined by the vendored contexts (``dataintegrity.check_terms``), so all of it
is covered by the signature.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings

from . import dataintegrity
from .dataintegrity import xsd_datetime
from .keys import KeySet, get_keyset, issuer_did
from .statuslist import STATUS_PURPOSE

CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


@dataclass(frozen=True)
class AchievementClaim:
    certificate_id: uuid.UUID
    learner_name: str
    course_title: str
    course_description: str
    criteria: str  # the course's completion rule, in words
    course_url: str
    language: str  # BCP 47 tag of the certificate's language
    valid_from: dt.datetime
    status_list_url: str
    status_index: int


def build_credential(claim: AchievementClaim) -> dict:
    """The unsigned OpenBadgeCredential for ``claim``."""
    return {
        "@context": list(CONTEXTS),
        "id": f"urn:uuid:{claim.certificate_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_did(),
            "type": ["Profile"],
            "name": settings.PAMOJA_ISSUER_NAME,
            "url": settings.PAMOJA_PUBLIC_URL,
        },
        "name": claim.course_title,
        "validFrom": xsd_datetime(claim.valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # Learners may have no e-mail address or other identifier: the
            # printed name is what a verifier compares with an ID document.
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": claim.learner_name,
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": _achievement(claim),
        },
        "credentialStatus": {
            "id": f"{claim.status_list_url}#{claim.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": STATUS_PURPOSE,
            "statusListIndex": str(claim.status_index),
            "statusListCredential": claim.status_list_url,
        },
    }


def issue_credential(claim: AchievementClaim, *, keyset: KeySet | None = None) -> dict:
    """The credential for ``claim``, signed with the current key."""
    keyset = keyset or get_keyset()
    return dataintegrity.sign(build_credential(claim), key=keyset.current)


def _achievement(claim: AchievementClaim) -> dict:
    achievement = {
        # A course without a public page still needs a stable IRI.
        "id": claim.course_url
        or f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, claim.course_title)}",
        "type": ["Achievement"],
        "name": claim.course_title,
        "description": claim.course_description,
        "criteria": {"narrative": claim.criteria},
    }
    if claim.language:
        achievement["inLanguage"] = claim.language
    return achievement
