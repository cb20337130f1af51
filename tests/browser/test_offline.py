"""The offline queue (site/static/js/offline.js) in real Chromium: what a
learner does without a connection is kept on the phone and recorded once
when the connection returns; with a connection, and without JavaScript, the
forms work as they always did."""

import time
import uuid

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from progress.models import LessonProgress, ProgressEvent, QuizAttempt
from tests.progress.helpers import answers, lessons, module

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "a-long-Pass-phrase-42"  # noqa: S105 (the learner fixture's)
EVENTS_API = "/api/v1/progress/events"
SAVED = "Saved on this phone. It will be sent when you are back online."
COMPLETED = LessonProgress.State.COMPLETED


@pytest.fixture
def page(page_with_js):
    """A JavaScript page that fails the test on any uncaught script error."""
    errors = []
    page_with_js.on("pageerror", lambda error: errors.append(error))
    yield page_with_js
    assert errors == []


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/en/accounts/login/")
    page.fill("input[name=login]", user.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def open_with_script(page, url):
    page.goto(url)
    page.wait_for_function("() => window.pamojaOffline")


def queued(page, user, name="queue"):
    return page.evaluate(
        "key => JSON.parse(localStorage.getItem(key) || '[]')",
        f"pamoja.{name}.{user.pk}",
    )


def flush(page):
    """Send the queue now and wait for the answer: "sent", "offline" or "stopped"."""
    return page.evaluate("() => window.pamojaOffline.flush()")


def eventually(condition, timeout=10.0):
    """Poll the database until the live server has done its part.

    The live server's thread shares the in-memory SQLite database, whose
    table locks refuse a read at once while that thread writes: such a read
    is asked again, as a polling loop would anyway."""
    deadline = time.monotonic() + timeout
    while not _answer(condition):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _answer(condition) -> bool:
    try:
        return condition()
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        return False


def is_completed(user, lesson):
    return LessonProgress.objects.filter(
        user=user, lesson_key=lesson.translation_key, state=COMPLETED
    ).exists()


def completions(user):
    return ProgressEvent.objects.filter(user=user, kind="lesson_completed")


def as_sets(answers):
    return {key: set(option_ids) for key, option_ids in answers.items()}


def choose(page, chosen):
    for key, option_ids in chosen.items():
        for option_id in option_ids:
            page.check(f"input[name='{key}'][value='{option_id}']")


def test_mark_complete_online_is_recorded_as_without_javascript(
    live_server, page, tiny_course, learner
):
    first, second = lessons(tiny_course)[:2]
    log_in(page, live_server, learner)
    open_with_script(page, live_server.url + first.url)
    event_id = page.input_value("form[data-offline] input[name=event]")
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)

    with page.expect_navigation():
        page.click("button:text('Mark complete')")

    assert page.url == live_server.url + second.url
    expect(page.locator(".messages li")).to_have_text(["Lesson marked complete."])
    assert is_completed(learner, first)
    assert [str(e.id) for e in completions(learner)] == [event_id]
    assert queued(page, learner) == []
    # Posted once, by the script, which then went where the redirect points.
    assert [r.resource_type for r in posts] == ["fetch"]


def test_quiz_online_shows_the_result_and_counts_one_attempt(
    live_server, page, tiny_course, learner
):
    quiz_module = module(tiny_course)
    log_in(page, live_server, learner)
    open_with_script(page, f"{live_server.url}{quiz_module.url}quiz/")
    event_id = page.input_value("form[data-offline] input[name=event]")
    choose(page, answers(quiz_module))

    with page.expect_navigation():
        page.click("button:text('Check my answers')")

    expect(page.locator(".score")).to_contain_text("3 of 3 correct")
    # Posted twice (fetch, then the plain form): the event id makes it one.
    assert [str(a.id) for a in QuizAttempt.objects.filter(user=learner)] == [event_id]


def test_completion_made_offline_is_kept_then_recorded_once(
    live_server, page, tiny_course, learner
):
    first = lessons(tiny_course)[0]
    log_in(page, live_server, learner)
    open_with_script(page, live_server.url + first.url)
    event_id = page.input_value("form[data-offline] input[name=event]")

    page.context.set_offline(True)
    page.click("button:text('Mark complete')")

    expect(page.locator(".offline-note")).to_have_text(SAVED)
    assert page.locator(".offline-note").get_attribute("role") == "status"
    assert page.url == live_server.url + first.url
    [event] = queued(page, learner)
    assert event["id"] == event_id
    assert event["type"] == "lesson_completed"
    assert event["object"] == str(first.translation_key)
    assert not is_completed(learner, first)
    assert not completions(learner).exists()

    page.context.set_offline(False)  # the browser's "online" event sends the queue

    eventually(lambda: is_completed(learner, first))
    page.wait_for_function(
        "key => localStorage.getItem(key) === null", arg=f"pamoja.queue.{learner.pk}"
    )
    assert [str(e.id) for e in completions(learner)] == [event_id]

    sent = []
    page.on("request", lambda r: sent.append(r.url) if EVENTS_API in r.url else None)
    page.reload()
    assert flush(page) == "sent"
    assert sent == []
    assert completions(learner).count() == 1
    expect(page.locator(".lesson-progress")).to_contain_text("completed this lesson")


def test_quiz_answered_offline_is_recorded_later_with_its_answers(
    live_server, page, tiny_course, learner
):
    quiz_module = module(tiny_course)
    chosen = answers(quiz_module, l2="F")  # one wrong: 2 of 3
    log_in(page, live_server, learner)
    open_with_script(page, f"{live_server.url}{quiz_module.url}quiz/")
    event_id = page.input_value("form[data-offline] input[name=event]")
    choose(page, chosen)

    page.context.set_offline(True)
    page.click("button:text('Check my answers')")

    expect(page.locator(".offline-note")).to_have_text(SAVED)
    [event] = queued(page, learner)
    assert (event["id"], event["type"]) == (event_id, "quiz_submitted")
    assert event["object"] == str(quiz_module.translation_key)
    assert as_sets(event["answers"]) == as_sets(chosen)  # options are shuffled
    assert not QuizAttempt.objects.exists()

    page.context.set_offline(False)

    eventually(lambda: QuizAttempt.objects.filter(user=learner).exists())
    attempt = QuizAttempt.objects.get(user=learner)
    assert str(attempt.id) == event_id
    assert as_sets(attempt.answers) == as_sets(chosen)
    assert (attempt.score, attempt.total, attempt.is_passed) == (2, 3, False)


def test_an_incomplete_quiz_is_not_queued_offline(
    live_server, page, tiny_course, learner
):
    quiz_module = module(tiny_course)
    chosen = answers(quiz_module)
    multiple = next(q.key for q in quiz_module.quiz_questions() if q.is_multiple)
    log_in(page, live_server, learner)
    open_with_script(page, f"{live_server.url}{quiz_module.url}quiz/")
    choose(page, {k: v for k, v in chosen.items() if k != multiple})

    page.context.set_offline(True)
    page.click("button:text('Check my answers')")

    expect(page.locator(".offline-note")).to_have_text(
        "Some answers need your attention"
    )
    assert queued(page, learner) == []


def test_a_connection_that_fails_mid_post_queues_the_completion(
    live_server, page, tiny_course, learner
):
    """navigator.onLine says yes, but the post never arrives ("lie-fi")."""
    first = lessons(tiny_course)[0]
    log_in(page, live_server, learner)
    open_with_script(page, live_server.url + first.url)
    page.route("**/complete/", lambda route: route.abort("internetdisconnected"))

    page.click("button:text('Mark complete')")

    expect(page.locator(".offline-note")).to_have_text(SAVED)
    assert len(queued(page, learner)) == 1
    assert not is_completed(learner, first)

    page.unroute("**/complete/")
    assert flush(page) == "sent"
    assert is_completed(learner, first)
    assert completions(learner).count() == 1


def test_the_queue_waits_while_logged_out_and_drops_invalid_events(
    live_server, page, tiny_course, learner
):
    first = lessons(tiny_course)[0]
    log_in(page, live_server, learner)
    open_with_script(page, live_server.url + first.url)
    page.context.set_offline(True)
    page.click("button:text('Mark complete')")
    bogus = str(uuid.uuid4())
    page.evaluate(
        """([key, bogus]) => {
            const queue = JSON.parse(localStorage.getItem(key));
            queue.push({id: bogus, type: "lesson_completed", object: bogus,
                        occurred_at: new Date().toISOString()});
            localStorage.setItem(key, JSON.stringify(queue));
        }""",
        [f"pamoja.queue.{learner.pk}", bogus],
    )
    cookies = page.context.cookies()
    page.context.clear_cookies()  # logged out: the API answers 401/403
    page.context.set_offline(False)

    assert flush(page) == "stopped"
    assert len(queued(page, learner)) == 2

    page.context.add_cookies(cookies)
    assert flush(page) == "sent"
    assert queued(page, learner) == []
    assert [d["id"] for d in queued(page, learner, "dropped")] == [bogus]
    assert is_completed(learner, first)


def test_mark_complete_still_works_with_javascript_off(
    live_server, page_without_js, tiny_course, learner
):
    page = page_without_js
    first, second = lessons(tiny_course)[:2]
    log_in(page, live_server, learner)
    page.goto(live_server.url + first.url)

    page.click("button:text('Mark complete')")

    assert page.url == live_server.url + second.url
    assert is_completed(learner, first)
    assert completions(learner).count() == 1
