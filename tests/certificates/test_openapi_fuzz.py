"""Property-based tests of the whole JSON API from its own OpenAPI schema
(/api/v1/openapi.json), with Schemathesis driving the Django WSGI application
in-process: no 5xx, and every response (status, content type, body) as the
schema documents it. Every operation in the schema is covered, not only
verification's; a bounded number of examples keeps the file well under a
minute."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from certificates import partners
from progress import tokens
from tests.certificates import verifying

pytestmark = pytest.mark.django_db
issued = verifying.issued  # a fixture

# Loading the schema is a GET through the WSGI stack: no database involved.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def credentials(issued, learner, settings):
    """A partner key for verification, a device token for progress; limits
    high enough that the fuzzer is answered, not throttled."""
    settings.PAMOJA_VERIFY_RATE_ANON = "100000/m"
    _key, partner_token = partners.create_key(
        organisation="Fuzz", rate_per_minute=100_000
    )
    return {
        "verify": f"Bearer {partner_token}",
        "progress": f"Bearer {tokens.issue_token(user=learner)}",
    }


def test_the_schema_has_every_operation():
    names = {op.ok().label for op in schema.get_all_operations()}
    assert names == {
        "POST /api/v1/progress/events",
        "POST /api/v1/progress/tokens",
        "GET /api/v1/xapi/statements",
        "POST /api/v1/verify",
        "POST /api/v1/verify/bulk",
    }


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_answers_as_documented(case, credentials):
    is_verify = case.path.startswith("/api/v1/verify")
    headers = {
        **(case.headers or {}),
        # Past authentication, to where the input is read; refusals are
        # tested in test_verify_api.py.
        "Authorization": credentials["verify" if is_verify else "progress"],
        # The WSGI client does not undo GZipMiddleware's compression.
        "Accept-Encoding": "identity",
    }
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)
