"""The learner's flow through plain forms, as a phone with JavaScript off does it."""

import re
import uuid

import pytest

from progress.models import Enrolment, LessonProgress, QuizAttempt
from tests.progress.helpers import answers, lessons, module

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, learner):
    client.force_login(learner)
    return client


def test_opening_a_lesson_enrols_and_records_a_view_once(
    logged_in, learner, tiny_course
):
    lesson = lessons(tiny_course)[0]

    html = logged_in.get(lesson.url).content.decode()
    logged_in.get(lesson.url)

    assert Enrolment.objects.filter(user=learner).count() == 1
    assert LessonProgress.objects.get(user=learner).state == LessonProgress.State.VIEWED
    assert 'action="/en/progress/lessons/' in html
    assert "Mark complete" in html


def test_without_auto_enrolment_the_lesson_offers_enrolment_first(
    logged_in, learner, tiny_course
):
    tiny_course.is_auto_enrol = False
    tiny_course.save_revision().publish()

    html = logged_in.get(lessons(tiny_course)[0].url).content.decode()

    assert "Enrol in this course" in html
    assert not Enrolment.objects.exists()
    assert not LessonProgress.objects.exists()


def test_mark_complete_is_a_plain_post_that_moves_on_to_the_next_lesson(
    logged_in, learner, tiny_course
):
    first, second, _ = lessons(tiny_course)
    html = logged_in.get(first.url).content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+/complete/)"[^>]*>(.*?)</form>', html, re.S
    )
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form[2]))

    response = logged_in.post(form[1], fields)
    again = logged_in.post(form[1], fields)  # the same form sent twice

    assert response.status_code == 302
    assert response["Location"] == second.url
    assert again.status_code == 302
    row = LessonProgress.objects.get(user=learner, lesson_key=first.translation_key)
    assert row.state == LessonProgress.State.COMPLETED
    assert learner.events.filter(kind="lesson_completed").count() == 1
    assert (
        "You have completed this lesson." in logged_in.get(first.url).content.decode()
    )


def test_mark_complete_needs_a_login_and_a_post(client, learner, tiny_course):
    url = f"/en/progress/lessons/{lessons(tiny_course)[0].pk}/complete/"

    assert client.post(url)["Location"].startswith("/en/accounts/login/")
    client.force_login(learner)
    assert client.get(url).status_code == 405
    assert client.post("/en/progress/lessons/999999/complete/").status_code == 404
    assert not LessonProgress.objects.exists()


def test_mark_complete_refuses_to_redirect_off_site(logged_in, tiny_course):
    lesson = lessons(tiny_course)[0]
    response = logged_in.post(
        f"/en/progress/lessons/{lesson.pk}/complete/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == lesson.url


def test_a_quiz_submission_is_recorded_and_the_best_attempt_shown(
    logged_in, learner, tiny_course
):
    quiz = module(tiny_course)
    url = quiz.url + "quiz/"
    page = logged_in.get(url).content.decode()
    attempt = re.search(r'name="attempt" value="([^"]+)"', page)[1]
    wrong = {**answers(quiz, l2="F"), "attempt": attempt, "event": str(uuid.uuid4())}
    right = {**answers(quiz), "attempt": attempt, "event": str(uuid.uuid4())}

    logged_in.post(url, right)
    result = logged_in.post(url, wrong).content.decode()

    assert QuizAttempt.objects.filter(user=learner).count() == 2
    assert "2 of 3 correct" in result
    assert "Your best attempt: 3 of 3. This module's quiz is passed." in result


def test_an_anonymous_quiz_is_graded_but_not_recorded(client, tiny_course):
    quiz = module(tiny_course)
    html = client.post(quiz.url + "quiz/", answers(quiz)).content.decode()

    assert "3 of 3 correct" in html
    assert "Log in to save your quiz results" in html
    assert not QuizAttempt.objects.exists()


def test_the_dashboard_shows_progress_and_links_each_missing_step(
    logged_in, learner, tiny_course
):
    first, second, third = lessons(tiny_course)
    logged_in.post(f"/en/progress/lessons/{second.pk}/complete/")

    html = logged_in.get("/en/dashboard/").content.decode()

    assert "1 of 3 lessons done, 0 of 1 quizzes passed." in html
    assert 'aria-label="25 % complete"' in html
    assert f'href="{first.url}"' in html
    assert f'href="{third.url}"' in html
    assert f'href="{module(tiny_course).url}quiz/"' in html
    assert "Quiz not taken yet:" in html
    assert "Continue where you left off" in html


def test_the_dashboard_needs_a_login(client):
    assert client.get("/en/dashboard/")["Location"].startswith("/en/accounts/login/")


def test_a_learner_page_costs_a_bounded_number_of_queries(
    logged_in, tiny_course, django_assert_max_num_queries
):
    lesson = lessons(tiny_course)[0]
    logged_in.get(lesson.url)  # the first visit records the view

    # Routing and the session take 16; the learner's state and the
    # language switcher one each.
    with django_assert_max_num_queries(18):
        logged_in.get(lesson.url)
