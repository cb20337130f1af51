"""The anonymous page cache (config/pagecache.py): what it keeps, for whom,
and when it lets go."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from tests.progress.helpers import lessons

pytestmark = pytest.mark.django_db


def fetch(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response, len(queries)


def test_a_second_anonymous_reader_gets_the_page_without_a_query(client, tiny_course):
    lesson = lessons(tiny_course)[0]

    first, _ = fetch(client, lesson.url)
    second, queries = fetch(client, lesson.url)

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert queries == 0
    assert second.content == first.content
    assert second["Content-Language"] == "en"


def test_a_hit_still_answers_304_and_compresses(client, tiny_course):
    url = lessons(tiny_course)[0].url
    etag = client.get(url)["ETag"]

    not_modified = client.get(url, headers={"If-None-Match": etag})
    compressed = client.get(url, headers={"Accept-Encoding": "gzip"})

    assert not_modified.status_code == 304
    assert compressed["Content-Encoding"] == "gzip"
    assert compressed["X-Page-Cache"] == "hit"


def test_each_language_and_save_data_choice_is_kept_apart(client, french_tiny_course):
    lesson_fr = lessons(french_tiny_course)[0]
    lesson_en = lesson_fr.get_translation(lesson_fr.locale.get_default())
    client.get(lesson_en.url)

    french, _ = fetch(client, lesson_fr.url)
    saving, _ = fetch(client, lesson_en.url, **{"Save-Data": "on"})

    assert french["X-Page-Cache"] == "miss"
    assert french["Content-Language"] == "fr"
    assert lesson_fr.title in french.content.decode()
    assert saving["X-Page-Cache"] == "miss"


def test_publishing_any_page_lets_go_of_every_cached_page(
    client, tiny_course, django_capture_on_commit_callbacks
):
    first, second = lessons(tiny_course)[:2]
    client.get(first.url)

    # The first lesson shows the second in its outline: a new title there
    # must appear on the first lesson's page too.
    second.title = "A renamed second lesson"
    with django_capture_on_commit_callbacks(execute=True):
        second.save_revision().publish()
    response, _ = fetch(client, first.url)

    assert response["X-Page-Cache"] == "miss"
    assert "A renamed second lesson" in response.content.decode()


def test_unpublishing_a_page_removes_it_at_once(
    client, tiny_course, django_capture_on_commit_callbacks
):
    lesson = lessons(tiny_course)[-1]
    client.get(lesson.url)

    with django_capture_on_commit_callbacks(execute=True):
        lesson.unpublish()

    assert client.get(lesson.url).status_code == 404


def test_a_logged_in_learner_never_gets_nor_leaves_a_cached_page(
    client, learner, tiny_course
):
    lesson = lessons(tiny_course)[0]
    client.get(lesson.url)  # cached for anonymous readers
    client.force_login(learner)

    theirs = client.get(lesson.url)
    client.logout()
    anonymous = client.get(lesson.url)

    assert "X-Page-Cache" not in theirs
    assert "Mark complete" in theirs.content.decode()
    assert "Mark complete" not in anonymous.content.decode()
    assert anonymous["X-Page-Cache"] == "hit"


def test_a_request_with_a_pending_message_is_not_answered_from_the_cache(
    client, tiny_course
):
    url = lessons(tiny_course)[0].url
    client.get(url)
    client.cookies["messages"] = "anything"

    assert "X-Page-Cache" not in client.get(url)


def test_query_strings_and_other_methods_bypass_the_cache(client, tiny_course):
    url = lessons(tiny_course)[0].url
    client.get(url)

    assert "X-Page-Cache" not in client.get(url + "?utm=1")
    assert "X-Page-Cache" not in client.head(url)


def test_a_page_behind_a_view_restriction_is_never_kept(client, tiny_course):
    lesson = lessons(tiny_course)[0]
    PageViewRestriction.objects.create(
        page=tiny_course, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )

    response = client.get(lesson.url)

    assert "X-Page-Cache" not in response
    assert "X-Page-Cache" not in client.get(lesson.url)


def test_pages_outside_wagtail_are_not_kept(client):
    client.get("/en/accounts/login/")

    assert "X-Page-Cache" not in client.get("/en/accounts/login/")


def test_a_page_that_hands_out_a_csrf_token_is_not_kept(client, tiny_course):
    quiz = f"{lessons(tiny_course)[0].get_parent().url}quiz/"
    client.cookies["csrftoken"] = "x" * 32

    client.get(quiz)
    response = client.get(quiz)

    assert response.status_code == 200
    assert "X-Page-Cache" not in response


def test_a_draft_seen_in_preview_never_reaches_anonymous_readers(
    admin_client, client, tiny_course
):
    lesson = lessons(tiny_course)[0]
    client.get(lesson.url)
    lesson.title = "Draft title only"
    lesson.save_revision()

    preview = admin_client.get(f"/admin/pages/{lesson.pk}/view_draft/")
    anonymous = client.get(lesson.url)

    assert "Draft title only" in preview.content.decode()
    assert "Draft title only" not in anonymous.content.decode()


def test_the_version_changes_again_when_the_transaction_commits(
    client, tiny_course, django_capture_on_commit_callbacks
):
    """A reader between the publish and the commit caches the old page; the
    commit must forget it."""
    url = lessons(tiny_course)[0].url

    with django_capture_on_commit_callbacks() as callbacks:
        tiny_course.save_revision().publish()
        during = client.get(url)
        again = client.get(url)
    for callback in callbacks:
        callback()

    assert (during["X-Page-Cache"], again["X-Page-Cache"]) == ("miss", "hit")
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_the_setting_zero_turns_the_cache_off(client, tiny_course, settings):
    settings.PAMOJA_PAGE_CACHE_SECONDS = 0
    url = lessons(tiny_course)[0].url
    client.get(url)

    assert "X-Page-Cache" not in client.get(url)


def test_a_deploy_that_changes_a_template_starts_from_an_empty_cache(
    settings, tmp_path
):
    from config import pagecache

    template = tmp_path / "base.html"
    template.write_text("<p>old</p>")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    pagecache._release.cache_clear()
    before = pagecache._release()

    template.write_text("<p>new</p>")
    pagecache._release.cache_clear()
    after = pagecache._release()
    pagecache._release.cache_clear()

    assert before != after
