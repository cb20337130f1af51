"""Taking a course away (courses/offline.py): the single-file download, what
"Download for offline use" saves and how big each download says it is."""

import gzip
import re

import pytest
from wagtail_factories import ImageFactory

from courses import offline
from courses.models import LessonPage
from progress.models import Enrolment, ProgressEvent

pytestmark = pytest.mark.django_db


def shown_kib(content, text):
    return int(re.search(re.escape(text) + r" \((\d+) KiB\)", content).group(1))


def test_the_course_downloads_as_one_html_file_in_the_request_language(
    client, french_tiny_course
):
    response = client.get(french_tiny_course.url + "download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="tiny-course-fr.html"'
    )
    html = response.content.decode()
    assert '<html lang="fr" dir="ltr">' in html
    assert "<style>" in html
    assert "<script" not in html and "<link" not in html and "<img" not in html


def test_the_file_holds_every_lesson_in_order_and_questions_without_answers(
    client, tiny_course
):
    html = client.get(tiny_course.url + "download/").content.decode()

    titles = re.findall(r'<h2 dir="auto">(Lesson [^<]+)</h2>', html)
    assert titles == ["Lesson one", "Lesson two", "Lesson three"]
    assert "Pick A and C." in html
    # Nothing that gives the answers away: no feedback, explanation or key.
    for question in tiny_course.get_children()[0].specific.quiz_questions():
        assert question.explanation not in html
        for option in question.options:
            assert option.feedback not in html
    assert "checked" not in html


def test_images_in_the_file_are_their_alternative_text(
    client, tiny_course, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    lesson = LessonPage.objects.descendant_of(tiny_course).first()
    lesson.body.append(
        ("image", {"image": ImageFactory(), "alt": "A map", "caption": "Where"})
    )
    lesson.save_revision().publish()

    html = client.get(tiny_course.url + "download/").content.decode()

    assert "[Image: A map] Where" in html
    assert "/media/" not in html


def test_the_course_page_shows_the_files_exact_size(client, tiny_course):
    page = client.get(tiny_course.url).content.decode()
    size = len(client.get(tiny_course.url + "download/").content)

    assert shown_kib(page, "Download the whole course as one file") == -(-size // 1024)
    assert 'href="/en/tiny-course/download/" download' in page


def test_a_new_publication_changes_the_file(
    client, tiny_course, django_capture_on_commit_callbacks
):
    client.get(tiny_course.url + "download/")
    lesson = LessonPage.objects.descendant_of(tiny_course).first()
    lesson.title = "Lesson one, revised"
    with django_capture_on_commit_callbacks(execute=True):  # the page cache's
        lesson.save_revision().publish()

    html = client.get(tiny_course.url + "download/").content.decode()

    assert "Lesson one, revised" in html


def test_the_offline_manifest_lists_the_pages_and_static_files(client, tiny_course):
    manifest = client.get(tiny_course.url + "offline/").json()

    assert manifest["urls"] == [
        "/en/tiny-course/",
        "/en/tiny-course/first-module/",
        "/en/tiny-course/first-module/lesson-one/",
        "/en/tiny-course/first-module/lesson-two/",
        "/en/tiny-course/first-module/quiz/",
        "/en/tiny-course/second-module/",
        "/en/tiny-course/second-module/lesson-three/",
        "/static/css/pamoja.css",
        "/static/js/offline.js",
        "/static/js/download.js",
    ]


def test_a_modules_manifest_holds_only_its_pages(client, tiny_course):
    manifest = client.get("/en/tiny-course/second-module/offline/").json()

    assert manifest["urls"][:3] == [
        "/en/tiny-course/",
        "/en/tiny-course/second-module/",
        "/en/tiny-course/second-module/lesson-three/",
    ]
    assert not any("first-module" in url for url in manifest["urls"])


def test_the_offline_size_is_the_compressed_html_of_the_pages(client, tiny_course):
    manifest = client.get(tiny_course.url + "offline/").json()
    pages = [u for u in manifest["urls"] if not u.startswith("/static/")]

    actual = sum(len(gzip.compress(client.get(url).content)) for url in pages)
    actual += offline.static_bytes()
    assert abs(manifest["bytes"] - actual) <= actual * 0.03

    page = client.get(tiny_course.url).content.decode()
    assert 'data-download="/en/tiny-course/offline/"' not in page  # anonymous


def test_a_learner_sees_offline_buttons_for_the_course_and_each_module(
    client, tiny_course, learner
):
    client.force_login(learner)
    manifest = client.get(tiny_course.url + "offline/").json()
    page = client.get(tiny_course.url).content.decode()

    assert page.count("Download for offline use (") == 3
    assert f"Download for offline use ({-(-manifest['bytes'] // 1024)} KiB)" in page
    assert re.search(r"<p data-offline-download hidden><button", page)
    assert 'src="/static/js/download.js"' in page


def test_sizes_are_measured_once_per_publication(
    client, tiny_course, learner, monkeypatch, django_capture_on_commit_callbacks
):
    client.force_login(learner)  # past the anonymous page cache
    rendered = []
    render = offline.render_anonymously
    monkeypatch.setattr(
        offline,
        "render_anonymously",
        lambda path, request: rendered.append(path) or render(path, request),
    )
    client.get(tiny_course.url)
    assert len(rendered) == 7  # every page of the course, once

    client.get(tiny_course.url)
    client.get(tiny_course.url + "offline/")
    assert len(rendered) == 7

    lesson = LessonPage.objects.descendant_of(tiny_course).first()
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()
    client.get(tiny_course.url)
    assert len(rendered) == 14


def test_a_page_saved_for_offline_use_is_not_a_view_but_enrols(
    client, tiny_course, learner
):
    client.force_login(learner)
    lesson = LessonPage.objects.descendant_of(tiny_course).first()

    content = client.get(lesson.url, headers={"X-Pamoja-Offline": "1"}).content

    assert not ProgressEvent.objects.exists()
    assert Enrolment.objects.filter(user=learner).exists()
    assert b"Mark complete" in content


def test_measuring_leaves_the_visitors_messages_and_progress_alone(
    client, tiny_course, learner
):
    client.force_login(learner)
    client.post(
        f"/en/progress/courses/{tiny_course.pk}/enrol/", {"next": tiny_course.url}
    )

    page = client.get(tiny_course.url).content.decode()

    assert "You are enrolled." in page
    assert not ProgressEvent.objects.exists()


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    assert b'addEventListener("fetch"' in response.content
