"""The trainer's path, as a new user would try it: create a cohort, make five
learner accounts from a CSV, and watch the report change while one of those
learners works through the course on a phone with JavaScript off, until the
certificate arrives."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from certificates.models import Certificate
from courses.models import LessonPage, ModulePage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "a-long-Pass-phrase-42"
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True}
CLASS_LIST = """name,username
Baraka Otieno,
Neema Mushi,
Juma Athumani,
Zawadi Kimaro,
Rehema Said,
"""


@pytest.fixture
def trainer_page(chromium, tiny_course, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    trainer = User.objects.create_user("tess", password=PASSWORD, name="Tess Trainer")
    trainer.groups.add(Group.objects.get_or_create(name="Trainer")[0])
    context = chromium.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def phone_without_js(chromium):
    context = chromium.new_context(java_script_enabled=False, **PHONE)
    yield context.new_page()
    context.close()


def log_in(page, base, username, password):
    page.goto(f"{base}/en/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


def progress_of(page, name):
    """The report's progress row for ``name``: (lessons done, quizzes passed,
    completed on), read from the first table by its column headers."""
    table = page.locator("table").first
    headers = [h.inner_text() for h in table.locator("thead th").all()]
    for row in table.locator("tbody tr").all():
        cells = dict(
            zip(headers, [c.inner_text() for c in row.locator("td").all()], strict=True)
        )
        if cells.get(headers[0]) == name:
            return cells
    raise AssertionError(f"{name} is not in the report")


def test_a_trainer_runs_a_cohort_while_a_learner_completes_on_a_phone(
    live_server, trainer_page, phone_without_js, tiny_course
):
    base = live_server.url
    trainer = trainer_page
    log_in(trainer, base, "tess", PASSWORD)

    trainer.goto(f"{base}/en/trainer/cohorts/new/")
    trainer.fill("input[name=name]", "Kisumu evening class")
    trainer.check(f"input[name=courses][value='{tiny_course.translation_key}']")
    trainer.fill("input[name=new_organisation]", "Kisumu Library")
    trainer.click("main form button[type=submit]")
    assert trainer.locator("h1").inner_text() == "Kisumu evening class"
    report_url = trainer.url

    trainer.click("text=Create learner accounts from a list")
    trainer.fill("textarea[name=csv_text]", CLASS_LIST)
    trainer.click("main form button[type=submit]")
    cells = trainer.locator("table tbody tr")
    assert cells.count() == 5
    first = cells.first.locator("td")
    name, username, one_time = (first.nth(i).inner_text() for i in range(3))
    assert name == "Baraka Otieno"

    phone = phone_without_js
    log_in(phone, base, username, one_time)
    # A one-time password must be replaced before anything else.
    phone.fill("input[name=oldpassword]", one_time)
    phone.fill("input[name=password1]", "Kisumu-reads-2026")
    phone.fill("input[name=password2]", "Kisumu-reads-2026")
    phone.click("main form button[type=submit]")

    trainer.goto(report_url)
    before = progress_of(trainer, name)
    assert (before["Lessons done"], before["Percent complete"]) == ("0", "0")

    lessons = [
        lesson.url
        for lesson in LessonPage.objects.descendant_of(tiny_course)
        .live()
        .order_by("path")
    ]
    complete = "form[action*='/complete/'] button[type=submit]"
    phone.goto(f"{base}{lessons[0]}")
    phone.click(complete)
    assert "Lesson marked complete." in phone.inner_text("main")

    trainer.goto(report_url)
    after_one = progress_of(trainer, name)
    assert after_one["Lessons done"] == "1"
    assert after_one["Completed on"] == "—"

    for url in lessons[1:]:
        phone.goto(f"{base}{url}")
        phone.click(complete)
    quiz = ModulePage.objects.descendant_of(tiny_course).get(slug="first-module")
    phone.goto(f"{base}{quiz.url}quiz/")
    for question in quiz.quiz_questions():
        for option in question.correct_ids:
            phone.check(f"input[name='{question.key}'][value='{option}']")
    phone.click("main form button[type=submit]")
    assert phone.locator(".score").count() == 1

    trainer.goto(report_url)
    after_all = progress_of(trainer, name)
    assert after_all["Lessons done"] == "3"
    assert after_all["Quizzes passed"] == "1"
    assert after_all["Percent complete"] == "100"
    assert after_all["Completed on"] != "—"
    assert User.objects.filter(cohort_memberships__isnull=False).count() == 5
    certificate = Certificate.objects.get(user__username=username)
    assert certificate.name == name
    phone.goto(f"{base}/en/dashboard/")
    assert "Download your certificate" in phone.inner_text("main")
    assert certificate.code in phone.inner_text("main")
