import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from progress.models import LessonProgress, ProgressEvent
from progress.tokens import issue_token
from tests.progress.helpers import answers, lessons, module

pytestmark = pytest.mark.django_db
URL = "/api/v1/progress/events"


def ev(kind, page, **extra):
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "object": str(page.translation_key),
        "occurred_at": (timezone.now() - timedelta(minutes=5)).isoformat(),
        **extra,
    }


@pytest.fixture
def token_client(learner):
    return Client(headers={"Authorization": f"Bearer {issue_token(user=learner)}"})


def test_a_batch_records_good_events_and_reports_bad_ones_one_by_one(
    token_client, learner, tiny_course
):
    l1, l2, _l3 = lessons(tiny_course)
    quiz = module(tiny_course)
    batch = [
        ev("lesson_completed", l1),
        {"id": "not-a-uuid", "type": "lesson_completed"},
        ev("lesson_viewed", l2, occurred_at="2026-01-01T10:00:00"),
        ev("quiz_submitted", quiz, answers=answers(quiz)),
        ev("lesson_completed", quiz),
    ]

    response = token_client.post(
        URL, {"events": batch}, content_type="application/json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["recorded"], body["duplicates"], body["invalid"]) == (2, 0, 3)
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["recorded", "invalid", "invalid", "recorded", "invalid"]
    assert "id" in body["results"][1]["reason"]
    assert "time zone" in body["results"][2]["reason"]
    assert (
        body["results"][3] | {"score": 3, "total": 3, "passed": True}
        == body["results"][3]
    )
    assert body["results"][4]["reason"] == "No such lesson or module."
    assert LessonProgress.objects.get(user=learner).lesson_key == l1.translation_key


def test_replaying_a_batch_records_nothing_new(token_client, tiny_course):
    batch = {"events": [ev("lesson_completed", p) for p in lessons(tiny_course)]}

    first = token_client.post(URL, batch, content_type="application/json").json()
    again = token_client.post(URL, batch, content_type="application/json").json()

    assert (first["recorded"], again["recorded"], again["duplicates"]) == (3, 0, 3)
    assert ProgressEvent.objects.count() == 3


def test_more_than_100_events_is_refused_whole(token_client, tiny_course):
    lesson = lessons(tiny_course)[0]
    batch = {"events": [ev("lesson_viewed", lesson) for _ in range(101)]}

    response = token_client.post(URL, batch, content_type="application/json")

    assert response.status_code == 422
    assert "100" in response.content.decode()
    assert not ProgressEvent.objects.exists()


def test_the_session_needs_the_csrf_token(learner, tiny_course):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    batch = {"events": [ev("lesson_viewed", lessons(tiny_course)[0])]}

    refused = client.post(URL, batch, content_type="application/json")
    client.get("/en/accounts/password/change/")  # a form: sets the csrftoken cookie
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        URL, batch, content_type="application/json", headers={"X-CSRFToken": token}
    )

    assert refused.status_code == 403
    assert accepted.status_code == 200
    assert accepted.json()["recorded"] == 1


@pytest.mark.parametrize("header", [None, "Bearer pmj_wrong", "Bearer nonsense"])
def test_anonymous_or_a_bad_token_is_refused(header, tiny_course):
    headers = {"Authorization": header} if header else {}
    batch = {"events": [ev("lesson_viewed", lessons(tiny_course)[0])]}

    response = Client(headers=headers).post(URL, batch, content_type="application/json")

    assert response.status_code == 401
    assert not ProgressEvent.objects.exists()


def test_a_logged_in_learner_gets_a_device_token_that_works(learner, tiny_course):
    client = Client()
    client.force_login(learner)

    response = client.post(
        "/api/v1/progress/tokens",
        {"label": "My phone"},
        content_type="application/json",
    )

    assert response.status_code == 201
    token = response.json()["token"]
    assert token.startswith("pmj_")
    batch = {"events": [ev("lesson_viewed", lessons(tiny_course)[0])]}
    synced = Client(headers={"Authorization": f"Bearer {token}"}).post(
        URL, batch, content_type="application/json"
    )
    assert synced.json()["recorded"] == 1


def test_the_openapi_schema_documents_the_sync_endpoint(client):
    schema = client.get("/api/v1/openapi.json").json()

    assert "/api/v1/progress/events" in schema["paths"]
    assert "EventIn" in schema["components"]["schemas"] or "BatchIn" in str(schema)
