"""A new learner's whole path on a phone, with JavaScript on and off: sign up,
enrol, read, fail the quiz, pass it, complete the course, and download the
certificate."""

import pytest

from accounts.models import User
from certificates.models import Certificate
from courses.models import LessonPage, ModulePage
from progress.models import QuizAttempt

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "a-long-Pass-phrase-42"
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True}


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def phone(request, chromium, tiny_course, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    context = chromium.new_context(
        java_script_enabled=request.param, accept_downloads=True, **PHONE
    )
    yield context.new_page()
    context.close()


def answer(phone, quiz, *, right: bool):
    for question in quiz.quiz_questions():
        options = [option.id for option in question.options]
        chosen = (
            question.correct_ids
            if right
            else [next(o for o in options if o not in question.correct_ids)]
        )
        for option in chosen:
            phone.check(f"input[name='{question.key}'][value='{option}']")
    phone.click("main form button[type=submit]")
    phone.wait_for_selector(".score")


def test_a_new_learner_signs_up_completes_the_course_and_gets_the_certificate(
    live_server, phone, tiny_course
):
    base = live_server.url
    phone.goto(f"{base}/en/accounts/signup/")
    phone.fill("input[name=name]", "Imani Wanjiru")
    phone.fill("input[name=username]", "imani")
    phone.fill("input[name=password1]", PASSWORD)
    phone.fill("input[name=password2]", PASSWORD)
    phone.click("form[action$='/signup/'] button[type=submit]")
    assert "Imani Wanjiru" in phone.inner_text("header")

    lessons = list(
        LessonPage.objects.descendant_of(tiny_course).live().order_by("path")
    )
    for lesson in lessons:
        phone.goto(f"{base}{lesson.url}")
        assert lesson.title in phone.inner_text("main")
        with phone.expect_navigation():
            phone.click("form[action*='/complete/'] button[type=submit]")
        assert "Lesson marked complete." in phone.inner_text("main")

    quiz = ModulePage.objects.descendant_of(tiny_course).get(slug="first-module")
    phone.goto(f"{base}{quiz.url}quiz/")
    answer(phone, quiz, right=False)
    failed = phone.inner_text("main")
    phone.goto(f"{base}{quiz.url}quiz/")
    answer(phone, quiz, right=True)
    passed = phone.inner_text("main")

    learner = User.objects.get(username="imani")
    attempts = QuizAttempt.objects.filter(user=learner).order_by("submitted_at")
    assert [attempt.is_passed for attempt in attempts] == [False, True]
    assert failed != passed
    certificate = Certificate.objects.get(user=learner)
    assert certificate.name == "Imani Wanjiru"

    phone.goto(f"{base}/en/dashboard/")
    dashboard = phone.inner_text("main")
    assert certificate.code in dashboard
    with phone.expect_download() as download:
        phone.click("text=Download your certificate")
    pdf = download.value.path().read_bytes()
    assert pdf.startswith(b"%PDF-")
    certificate.refresh_from_db()
    assert certificate.is_rendered
