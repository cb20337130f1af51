"""A course taken away, in real Chromium: saved for offline use by the
service worker (site/static/js/sw.js, download.js), read and answered without
a connection, the answers recorded once when it returns; images as
placeholders for a learner saving data; the whole course as one file."""

import re

import pytest
from playwright.sync_api import expect
from wagtail.images.models import Image
from wagtail_factories import ImageFactory

from courses.models import LessonPage
from progress.models import LessonProgress, ProgressEvent, QuizAttempt
from tests.browser.test_offline import (
    SAVED,
    as_sets,
    choose,
    completions,
    eventually,
    is_completed,
    log_in,
    queued,
)
from tests.progress.helpers import answers, lessons, module

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DONE = "Saved on this phone: you can read it offline."


@pytest.fixture
def page(page_with_js):
    """A JavaScript page that fails the test on any uncaught script error."""
    errors = []
    page_with_js.on("pageerror", lambda error: errors.append(error))
    yield page_with_js
    assert errors == []


def download_course(page, live_server, course):
    page.goto(live_server.url + course.url)
    button = page.locator(".downloads button")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator("#offline-status")).to_have_text(DONE, timeout=20_000)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")


def test_a_course_saved_for_offline_use_is_read_and_answered_offline_and_recorded_once(
    live_server, page, tiny_course, learner
):
    first, second, _third = lessons(tiny_course)
    quiz_module = module(tiny_course)
    chosen = answers(quiz_module)
    log_in(page, live_server, learner)

    download_course(page, live_server, tiny_course)

    # Every lesson is marked, and saving them read none of them.
    expect(page.locator(".outline .offline-mark")).to_have_count(3)
    assert not ProgressEvent.objects.filter(user=learner).exists()

    page.context.set_offline(True)
    page.goto(live_server.url + second.url)
    expect(page.locator("h1")).to_have_text("Lesson two")
    assert not ProgressEvent.objects.exists()  # from the phone, not the server
    page.wait_for_function("() => window.pamojaOffline")
    page.click("button:text('Mark complete')")
    expect(page.locator(".offline-note")).to_have_text(SAVED)

    page.goto(f"{live_server.url}{quiz_module.url}quiz/")
    page.wait_for_function("() => window.pamojaOffline")
    choose(page, chosen)
    page.click("button:text('Check my answers')")
    expect(page.locator(".offline-note")).to_have_text(SAVED)

    # Both wait on the phone. (Whether the server has them yet is not asked:
    # Chromium's emulated offline mode may let a POST from a page that a
    # service worker controls through, which a real lost connection would not.)
    assert [e["type"] for e in queued(page, learner)] == [
        "lesson_completed",
        "quiz_submitted",
    ]

    page.context.set_offline(False)  # the "online" event sends the queue

    eventually(lambda: QuizAttempt.objects.filter(user=learner).exists())
    eventually(lambda: is_completed(learner, second))
    page.wait_for_function(
        "key => localStorage.getItem(key) === null", arg=f"pamoja.queue.{learner.pk}"
    )
    page.reload()  # online again: the page comes from the server, nothing resent
    page.wait_for_function("() => window.pamojaOffline")
    assert page.evaluate("() => window.pamojaOffline.flush()") == "sent"
    assert completions(learner).count() == 1
    [attempt] = QuizAttempt.objects.filter(user=learner)
    assert as_sets(attempt.answers) == as_sets(chosen)
    assert attempt.is_passed
    assert not is_completed(learner, first)


def test_each_opening_of_a_saved_page_gets_its_own_event_id(
    live_server, page, tiny_course, learner
):
    quiz_module = module(tiny_course)
    log_in(page, live_server, learner)
    download_course(page, live_server, tiny_course)
    page.context.set_offline(True)

    ids = set()
    for _ in range(2):
        page.goto(f"{live_server.url}{quiz_module.url}quiz/")
        ids.add(page.input_value("form[data-offline] input[name=event]"))

    assert len(ids) == 2
    assert all(re.fullmatch(r"[0-9a-f-]{36}", i) for i in ids)


def test_a_module_saved_alone_marks_only_its_lessons(
    live_server, page, tiny_course, learner
):
    log_in(page, live_server, learner)
    page.goto(live_server.url + tiny_course.url)
    page.locator(".outline button").first.click()
    expect(page.locator("#offline-status")).to_have_text(DONE, timeout=20_000)

    marked = page.locator(".outline li:has(.offline-mark) > a")
    expect(marked).to_have_text(["Lesson one", "Lesson two"])


def test_logging_out_forgets_the_saved_pages(live_server, page, tiny_course, learner):
    log_in(page, live_server, learner)
    download_course(page, live_server, tiny_course)
    assert page.evaluate("() => caches.has('pamoja-offline-v1')")

    page.goto(f"{live_server.url}/en/accounts/logout/")
    with page.expect_navigation():
        page.click("main form button[type=submit]")

    page.wait_for_function("async () => !(await caches.has('pamoja-offline-v1'))")


def test_without_javascript_only_the_single_file_is_offered(
    live_server, page_without_js, tiny_course, learner
):
    page = page_without_js
    log_in(page, live_server, learner)
    page.goto(live_server.url + tiny_course.url)

    expect(page.locator("[data-offline-download]").first).to_be_hidden()
    expect(
        page.locator("a:text('Download the whole course as one file')")
    ).to_be_visible()


@pytest.fixture
def lesson_with_images(tiny_course, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    lesson = LessonPage.objects.get(pk=lessons(tiny_course)[0].pk)
    for n in range(2):
        image = ImageFactory(file__width=1200, file__height=800)
        lesson.body.append(("image", {"image": image, "alt": f"Picture {n}"}))
    lesson.save_revision().publish()
    return lesson


def test_with_save_data_images_are_placeholders_that_load_when_tapped(
    live_server, chromium, lesson_with_images
):
    context = chromium.new_context(extra_http_headers={"Save-Data": "on"})
    page = context.new_page()
    images = []
    page.on("request", lambda r: images.append(r.url) if "/images/" in r.url else None)
    page.goto(live_server.url + lesson_with_images.url)

    placeholders = page.locator("a.image-placeholder")
    expect(placeholders).to_have_count(2)
    expect(placeholders.first).to_contain_text(re.compile(r"Show image \(\d+ KiB\)"))
    expect(page.locator("main img")).to_have_count(0)
    assert images == []

    placeholders.first.click()

    expect(page.locator("main figure img")).to_have_count(1)
    expect(page.locator("main figure img")).to_have_attribute("alt", "Picture 0")
    page.wait_for_function("() => document.querySelector('main figure img').complete")
    assert len(images) == 1
    assert placeholders.count() == 1
    context.close()
    assert Image.objects.count() == 2


def test_the_single_file_is_the_size_shown_and_holds_every_lesson(
    live_server, page, tiny_course
):
    page.goto(live_server.url + tiny_course.url)
    link = page.locator("a:text('Download the whole course as one file')")
    shown = int(re.search(r"\((\d+) KiB\)", link.inner_text()).group(1))

    with page.expect_download() as info:
        link.click()
    download = info.value
    content = open(download.path(), "rb").read()  # noqa: PTH123

    assert download.suggested_filename == "tiny-course-en.html"
    assert abs(len(content) / 1024 - shown) <= max(1, shown * 0.05)
    html = content.decode()
    for lesson in lessons(tiny_course):
        assert f">{lesson.title}</h2>" in html
    assert "<script" not in html and "<link" not in html
    assert LessonProgress.objects.count() == 0
