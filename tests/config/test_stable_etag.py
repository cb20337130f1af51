"""A logged-in learner's lesson is answered 304 when nothing changed, although
Django masks its CSRF token differently every time."""

import pytest

from tests.progress.helpers import lessons

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


def test_an_unchanged_lesson_is_answered_304(learner_client, tiny_course):
    url = lessons(tiny_course)[0].url
    learner_client.get(url)  # the first visit records the view
    first = learner_client.get(url)

    again = learner_client.get(url, headers={"If-None-Match": first["ETag"]})

    assert b"csrfmiddlewaretoken" in first.content
    assert again.status_code == 304


def test_the_token_of_the_kept_page_is_still_accepted(learner, tiny_course, client):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    lesson = lessons(tiny_course)[0]
    browser.get(lesson.url)
    kept = browser.get(lesson.url).content.decode()
    token = kept.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    event = kept.split('name="event" value="')[1].split('"')[0]

    response = browser.post(
        f"/en/progress/lessons/{lesson.pk}/complete/",
        {"csrfmiddlewaretoken": token, "event": event, "next": lesson.url},
    )

    assert response.status_code == 302


def test_a_change_on_the_page_changes_the_etag(learner_client, tiny_course):
    lesson = lessons(tiny_course)[0]
    learner_client.get(lesson.url)
    before = learner_client.get(lesson.url)["ETag"]

    learner_client.post(
        f"/en/progress/lessons/{lesson.pk}/complete/", {"next": lesson.url}
    )
    learner_client.get("/en/dashboard/")  # shows and clears the message
    after = learner_client.get(lesson.url, headers={"If-None-Match": before})

    assert after.status_code == 200
    assert after["ETag"] != before


def test_a_new_csrf_secret_changes_the_etag(learner, tiny_course, client):
    url = lessons(tiny_course)[0].url
    client.force_login(learner)
    client.get(url)
    before = client.get(url)["ETag"]

    client.cookies.pop("csrftoken", None)
    after = client.get(url, headers={"If-None-Match": before})

    assert after.status_code == 200
    assert after["ETag"] != before
