"""Logs carry no passwords, tokens, keys, answers or names.

Every log record of every logger, at DEBUG, is captured while a learner
goes the whole way (sign-up, a wrong log-in, a password reset by mail, a
join code, a quiz, a lesson, the progress API with a device token, bad
requests) and a partner verifies with an API key. No record's message, its
arguments or its traceback may hold any of those secrets or personal words.

And should a request fail with a 500, Django's error report (mail to the
admins, the debug page) masks the password fields of our forms.
"""

import logging
import re
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django.views.debug import SafeExceptionReporterFilter

from accounts.models import User
from certificates import partners
from progress.models import CohortMembership, LessonProgress, QuizAttempt
from tests.progress.helpers import answers, lessons, module

pytestmark = pytest.mark.django_db

NAME = "Zawadi Logwatch-Quux"
EMAIL = "zawadi.logwatch@example.org"
USERNAME = "zawadi-logwatch"
PASSWORD = "Pass-Secret-Sign-Up-7731"
WRONG_PASSWORD = "Wrong-Secret-Guess-5519"
NEW_PASSWORD = "Pass-Secret-After-Reset-8842"
MASK = SafeExceptionReporterFilter.cleansed_substitute


@pytest.fixture
def log_records(settings, monkeypatch):
    """Every record of every logger at DEBUG: what a deployment run with
    DJANGO_LOG_LEVEL=DEBUG could write. Only the loggers whose level our
    LOGGING setting pins (and their children) keep it: the pin is part of
    the promise under test.

    Caught in ``Logger.handle`` rather than by a handler: a task run in
    process may set up Django again (Celery's fixup), which reconfigures
    logging and would drop a handler or a level set here.
    """
    pinned = {
        name: logging.getLevelNamesMapping()[config["level"]]
        for name, config in settings.LOGGING.get("loggers", {}).items()
        if "level" in config
    }
    records: list[logging.LogRecord] = []

    def threshold(name: str) -> int:
        while name:
            if name in pinned:
                return pinned[name]
            name = name.rpartition(".")[0]
        return logging.DEBUG

    def is_enabled_for(self, level):
        return level >= threshold(self.name)

    handle = logging.Logger.handle

    def caught(self, record):
        records.append(record)
        handle(self, record)

    monkeypatch.setattr(logging.Logger, "isEnabledFor", is_enabled_for)
    monkeypatch.setattr(logging.Logger, "handle", caught)
    return records


def record_text(record: logging.LogRecord) -> str:
    """All a log line can show: the formatted message, the arguments (also
    those the message does not use) and any traceback."""
    parts = [record.getMessage(), repr(record.args)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def assert_nothing_secret(records, secrets):
    assert records, "the capture saw no record at all: is it attached?"
    for record in records:
        text = record_text(record)
        for secret in map(str, secrets):
            assert secret not in text, (record.name, record.levelname, text)


def test_a_whole_learner_and_partner_path_logs_no_secret_or_name(
    client, tiny_course, cohort, log_records, django_capture_on_commit_callbacks
):
    secrets = [PASSWORD, WRONG_PASSWORD, NEW_PASSWORD, NAME, EMAIL]
    secrets += NAME.split()

    # Sign-up, log-out, a wrong password, the right one.
    signed_up = client.post(
        "/en/accounts/signup/",
        {
            "username": USERNAME,
            "name": NAME,
            "email": EMAIL,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert signed_up.status_code == 302
    user = User.objects.get(username=USERNAME)
    client.post("/en/accounts/logout/")
    wrong = client.post(
        "/en/accounts/login/", {"login": EMAIL, "password": WRONG_PASSWORD}
    )
    assert wrong.status_code == 200
    right = client.post(
        "/en/accounts/login/", {"login": USERNAME, "password": PASSWORD}
    )
    assert right.status_code == 302

    # A password reset: the key travels in the mailed link.
    client.post("/en/accounts/logout/")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/accounts/password/reset/", {"email": EMAIL})
    [message] = mail.outbox
    link = re.search(r"https?://testserver(/\S+/password/reset/key/\S+)", message.body)
    reset_key = link[1].rstrip("/").rsplit("/", 1)[-1]
    secrets += [reset_key, reset_key.split("-", 1)[-1]]
    form = client.get(link[1], follow=True)
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link[1],
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    # A reset key that is wrong, in the URL.
    client.get(link[1].replace(reset_key[-6:], "zzzzzz"))
    assert client.login(username=USERNAME, password=NEW_PASSWORD)

    # A wrong join code, then the right one.
    client.post("/en/join/", {"code": "ZZZZ-ZZZZ"})
    client.post("/en/join/", {"code": cohort.join_code})
    secrets.append(cohort.join_code)
    assert CohortMembership.objects.filter(user=user, cohort=cohort).exists()

    # A lesson completed and the quiz answered (once wrong: a form error).
    first = lessons(tiny_course)[0]
    client.post(f"/en/progress/lessons/{first.pk}/complete/")
    quiz = module(tiny_course)
    chosen = answers(quiz)
    client.post(quiz.url + "quiz/", {key: ["Q"] for key in chosen})
    client.post(quiz.url + "quiz/", chosen)
    assert QuizAttempt.objects.filter(user=user).exists()
    secrets += _answer_words(quiz, chosen)

    # The progress API with a device token; with a wrong one; malformed.
    token = client.post(
        "/api/v1/progress/tokens",
        {"label": "phone"},
        content_type="application/json",
    ).json()["token"]
    secrets.append(token)
    device = Client(headers={"Authorization": f"Bearer {token}"})
    event = {
        "id": str(uuid.uuid4()),
        "type": "quiz_submitted",
        "object": str(quiz.translation_key),
        "occurred_at": (timezone.now() - timedelta(minutes=2)).isoformat(),
        "answers": chosen,
    }
    sent = device.post(
        "/api/v1/progress/events", {"events": [event]}, content_type="application/json"
    )
    assert sent.status_code == 200
    forged = f"pmj_{'x' * 43}"
    secrets.append(forged)
    Client(headers={"Authorization": f"Bearer {forged}"}).post(
        "/api/v1/progress/events", {"events": []}, content_type="application/json"
    )
    device.post("/api/v1/progress/events", "{not json", content_type="application/json")
    device.post("/api/v1/progress/events", {"events": [{"answers": PASSWORD}]})

    # A partner verifies with its key; a revoked or garbled key is refused.
    _key, partner_token = partners.create_key(organisation="Log Registry")
    secrets.append(partner_token)
    partner = Client(headers={"Authorization": f"Bearer {partner_token}"})
    checked = partner.post(
        "/api/v1/verify",
        {"code": "PMJ-0000-0000-0000"},
        content_type="application/json",
    )
    assert checked.status_code in (200, 400)
    wrong_partner = partner_token[:-4] + "abcd"
    secrets.append(wrong_partner)
    refused = Client(headers={"Authorization": f"Bearer {wrong_partner}"}).post(
        "/api/v1/verify",
        {"code": "PMJ-0000-0000-0000"},
        content_type="application/json",
    )
    assert refused.status_code == 401

    # A log-in without the CSRF cookie: django.security.csrf logs it.
    strict = Client(enforce_csrf_checks=True)
    forbidden = strict.post(
        "/en/accounts/login/", {"login": EMAIL, "password": PASSWORD}
    )
    assert forbidden.status_code == 403

    assert LessonProgress.objects.filter(user=user).exists()
    assert_nothing_secret(log_records, secrets)
    # The capture saw the request and security loggers and the task runner.
    names = {record.name for record in log_records}
    assert {"django.request", "django.security.csrf", "celery.app.trace"} <= names


def _answer_words(quiz, chosen) -> list[str]:
    """The texts of the options chosen and the question keys: an answer."""
    words = list(chosen)
    for question in quiz.quiz_questions():
        for option in question.options:
            if option.id in chosen.get(question.key, []) and len(option.text) > 3:
                words.append(option.text)
    return words


def test_deleting_an_account_logs_its_id_not_its_name(client, learner, log_records):
    """The deletion's own log line names the account by id only."""
    client.force_login(learner)
    response = client.post(
        "/en/accounts/delete/",
        {"certificates": "keep", "password": "a-long-Pass-phrase-42"},
    )
    assert response.status_code == 302
    assert_nothing_secret(log_records, ["a-long-Pass-phrase-42", "Asha", "asha"])
    assert any("deleted" in r.getMessage() for r in log_records)


# --- Django's error reports mask our password fields -------------------------


@pytest.mark.parametrize(
    "path, data",
    [
        ("/en/accounts/login/", {"login": "asha", "password": PASSWORD}),
        (
            "/en/accounts/signup/",
            {"username": "x", "name": "X", "password1": PASSWORD, "password2": "y"},
        ),
        ("/en/accounts/delete/", {"certificates": "keep", "password": PASSWORD}),
    ],
)
def test_error_reports_would_mask_posted_passwords(client, learner, path, data):
    if "delete" in path:
        client.force_login(learner)

    response = client.post(path, data)

    posted = SafeExceptionReporterFilter().get_post_parameters(response.wsgi_request)
    for field in ("password", "password1", "password2"):
        if field in data:
            assert posted[field] == MASK, (path, field)
    assert PASSWORD not in repr(dict(posted))
