"""Fixtures for the verification tests (pages, API, partners, audit).

``issued`` is a certificate issued by a trainer without rendering its PDF:
most verification answers need only the register, and rendering costs a
second per test. ``certificate`` (conftest) is the rendered one."""

import pytest

from certificates import api, partners
from progress.models import Enrolment


@pytest.fixture
def issued(learner, tiny_course, trainer, django_capture_on_commit_callbacks):
    enrolment = Enrolment.objects.create(
        user=learner, course_key=tiny_course.translation_key
    )
    with django_capture_on_commit_callbacks(execute=False):
        return api.issue_certificate(enrolment=enrolment, issued_by=trainer)


@pytest.fixture
def partner_key(db):
    """A partner key and its token, with room for the tests' requests."""
    key, token = partners.create_key(organisation="Uni Registry", rate_per_minute=1000)
    return key, token


@pytest.fixture
def frozen_clock(monkeypatch):
    """Rate-limit windows that do not roll over in the middle of a test."""
    from types import SimpleNamespace

    import django_ratelimit.core

    now = 1_750_000_000.0
    monkeypatch.setattr(
        django_ratelimit.core, "time", SimpleNamespace(time=lambda: now)
    )


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}
