"""The demo course as a learner meets it, served the way production serves it,
for the page-weight and accessibility tests (test_budgets, test_accessibility).

pytest-django's ``live_server`` answers /static/ itself, from the finders, with
neither compression nor cache headers, so it cannot show what a phone
downloads. This server runs the whole middleware stack instead: static files
are collected into a temporary STATIC_ROOT with production's storage (hashed
names, pre-compressed) and WhiteNoise serves them with `immutable`.

Seeding the demo course takes seconds, so it is done once per module, before
the tests' own transactions; each test runs in one (the ``db`` fixture: the
server shares the test's in-memory SQLite connection, so what it writes is
rolled back with the test), and the database is put back as migrations left
it after the module, as a serialized-rollback test would."""

import shutil
import socket
import threading
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from unittest import mock

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test import Client, override_settings
from django.test.testcases import LiveServerThread
from django.utils.datastructures import MultiValueDict

from config.settings.base import STORAGES as PRODUCTION_STORAGES

COURSE = "ai-literacy-for-everyone"
LANGUAGES = ("en", "ar")  # left to right and right to left are enough here
PASSWORD = "a-long-Pass-phrase-42"  # noqa: S105


@dataclass
class LearnerSite:
    url: str
    # page name -> language -> path, e.g. pages["lesson"]["ar"]
    pages: dict[str, dict[str, str]]
    # role ("learner", "graduate") -> session cookie value
    sessions: dict[str, str] = field(default_factory=dict)
    certificate_code: str = ""

    def __call__(self, name: str, language: str = "en") -> str:
        return self.url + self.pages[name][language]

    def cookie(self, role: str) -> dict:
        """The session cookie of ``role``, for Playwright's add_cookies."""
        return {
            "name": settings.SESSION_COOKIE_NAME,
            "value": self.sessions[role],
            "url": self.url,
        }


@pytest.fixture(scope="module")
def _learner_site(chromium, django_db_blocker, tmp_path_factory):
    static_root = tmp_path_factory.mktemp("static")
    content = tmp_path_factory.mktemp("content")
    with django_db_blocker.unblock(), production_static(static_root):
        snapshot = _snapshot()
        try:
            pages, code = _seed(content)
            sessions = {role: _session(role) for role in ("learner", "graduate")}
            with live_server() as url:
                yield LearnerSite(url, pages, sessions, code)
        finally:
            _restore(snapshot)


@pytest.fixture
def learner_site(_learner_site, db):
    """The module's site, inside the test's transaction."""
    return _learner_site


@contextmanager
def production_static(root):
    """Static files as production has them: collected, hashed, compressed."""
    with override_settings(
        STATIC_ROOT=root,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": PRODUCTION_STORAGES["staticfiles"],
        },
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        # Learner pages never load the admins' files; leaving them out saves
        # seconds (a page that did load one would fail: the manifest is strict).
        call_command(
            "collectstatic",
            interactive=False,
            verbosity=0,
            ignore_patterns=["admin", "wagtail*", "rest_framework", "ninja"],
        )
        yield


@contextmanager
def live_server():
    """Django's live server thread without its static-files shortcut."""
    shared = {
        conn.alias: conn
        for conn in connections.all()
        if conn.vendor == "sqlite" and conn.is_in_memory_db()
    }
    thread = _ServerThread(
        "localhost", static_handler=lambda app: app, connections_override=shared
    )
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield f"http://localhost:{thread.port}"
    finally:
        thread.terminate()
        for conn in shared.values():
            conn.dec_thread_sharing()


class _Server(ThreadedWSGIServer):
    """Django's live server, whose kept-alive connections end when it stops:
    otherwise their threads close the shared database connection later, when
    it may no longer be shared."""

    daemon_threads, block_on_close = False, True  # server_close() joins them

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.open_sockets = set()

    def process_request(self, request, client_address):
        self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        self.open_sockets.discard(request)
        super().shutdown_request(request)

    def server_close(self):
        for request in list(self.open_sockets):
            with suppress(OSError):
                request.shutdown(socket.SHUT_RDWR)
        super().server_close()


class _ServerThread(LiveServerThread):
    server_class = _Server


def _snapshot() -> str:
    """The database as migrations left it (the copy serialized-rollback tests
    restore from, or a new one when no such test was collected)."""
    connection = connections["default"]
    contents = getattr(connection, "_test_serialized_contents", None)
    return contents or connection.creation.serialize_db_to_string()


def _restore(contents: str) -> None:
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    connections["default"].creation.deserialize_db_from_string(contents)


def _seed(root) -> tuple[dict[str, dict[str, str]], str]:
    from courses import api as courses_api
    from courses.content_schema import CONTENT_DIR
    from courses.models import CoursePage

    for course in CONTENT_DIR.iterdir():
        if course.is_dir():
            # The demo course in both languages, the trainers' course (for the
            # catalogue) in English: each translation costs seconds to seed.
            keep = LANGUAGES if course.name == COURSE else ("en",)
            shutil.copytree(course, root / course.name, ignore=_languages_but(keep))
    courses_api.seed_courses(root=root)
    course = CoursePage.objects.get(slug=COURSE, locale__language_code="en")
    module = course.outline().modules[0]
    pages = {
        "catalogue": course.get_parent(),
        "course": course,
        "module": module.page,
        "lesson": module.lessons[0],  # the learner has completed it
        "next-lesson": module.lessons[1],  # the learner has opened it
    }
    urls = {
        name: {lang: page.get_translation(_locale(lang)).url for lang in LANGUAGES}
        for name, page in pages.items()
    }
    urls["quiz"] = {lang: path + "quiz/" for lang, path in urls["module"].items()}
    urls["dashboard"] = {lang: f"/{lang}/dashboard/" for lang in LANGUAGES}
    code = _learners(course)
    urls["verify"] = dict.fromkeys(LANGUAGES, "/verify/")
    urls["verify-valid"] = dict.fromkeys(LANGUAGES, f"/verify/{code}/")
    return urls, code


def _languages_but(keep):
    """copytree's filter: the translation folders of languages not in ``keep``."""
    others = {code for code, _name in settings.LANGUAGES} - set(keep)
    return lambda directory, names: [name for name in names if name in others]


def _locale(language):
    from wagtail.models import Locale

    return Locale.objects.get(language_code=language)


def _learners(course) -> str:
    """A learner half-way through module 1 and a graduate with a certificate;
    returns the certificate's code."""
    from accounts.models import User
    from certificates import api as certificates_api
    from progress import api as progress_api
    from progress.models import Enrolment

    learner = User.objects.create_user("amina", password=PASSWORD, name="Amina Yusuf")
    first = course.outline().modules[0]
    progress_api.enrol(user=learner, course=course)
    progress_api.record_lesson_completed(user=learner, lesson=first.lessons[0])
    progress_api.record_lesson_viewed(user=learner, lesson=first.lessons[1])

    graduate = User.objects.create_user(
        "baraka", password=PASSWORD, name="Baraka Otieno"
    )
    with mock.patch.object(certificates_api, "_enqueue_render"):
        for module in course.outline().modules:
            for lesson in module.lessons:
                progress_api.record_lesson_completed(user=graduate, lesson=lesson)
            questions = module.page.quiz_questions()
            if questions:
                answers = MultiValueDict(
                    {q.key: sorted(q.correct_ids) for q in questions}
                )
                progress_api.record_quiz_submission(
                    user=graduate, module=module.page, data=answers
                )
        enrolment = Enrolment.objects.get(
            user=graduate, course_key=course.translation_key
        )
        certificate = certificates_api.issue_certificate(enrolment=enrolment)
    # pyHanko runs an event loop, which cannot start in a thread where
    # Playwright's already runs: render the PDF in a thread of its own.
    render = threading.Thread(target=_render, args=(certificate.pk,))
    render.start()
    render.join()
    return certificate.code


def _render(certificate_id) -> None:
    from certificates import api as certificates_api

    try:
        certificates_api.render_pdf(certificate_id=certificate_id)
    finally:
        connections.close_all()


def _session(username_role: str) -> str:
    from accounts.models import User

    username = {"learner": "amina", "graduate": "baraka"}[username_role]
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value
