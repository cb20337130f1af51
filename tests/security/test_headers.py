"""Issue 9's security headers, as browsers receive them.

Learner pages get the strict Content-Security-Policy (nothing inline, nothing
from elsewhere), whether rendered or answered from the anonymous page cache;
the admins get theirs, the API its own, and a course's single-file download a
policy that lets in exactly its own stylesheet. No learner page, in English
or Arabic, holds an inline script, a style attribute or an event handler,
which that policy would block. The scene (conftest.py) is the authorization
matrix's: the tiny course, learner A with a certificate, and more.
"""

import base64
import hashlib
import re
import shutil
from html.parser import HTMLParser

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from config.security_headers import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.django_db

LEARNER_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'"],
    "manifest-src": ["'self'"],
    "media-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
ADMIN_CSP = {
    **LEARNER_CSP,
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'", "data:"],
    "frame-src": ["'self'"],
}
API_CSP = {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), "
    "geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), "
    "midi=(), payment=(), publickey-credentials-get=(), serial=(), usb=(), "
    "xr-spatial-tracking=(), browsing-topics=()"
)
# Headers every response of the site carries, whatever its policy.
EVERYWHERE = {
    "Permissions-Policy": PERMISSIONS_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    parsed = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        assert name not in parsed, f"{name} twice"
        parsed[name] = sources
    return parsed


def assert_headers(response, csp):
    assert policy(response) == csp
    assert "Content-Security-Policy-Report-Only" not in response
    for name, value in EVERYWHERE.items():
        assert response[name] == value, name


def sha256_source(text: str) -> str:
    digest = hashlib.sha256(text.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


@pytest.fixture(scope="module")
def site(scene, django_db_blocker, tmp_path_factory):
    """The scene plus the tiny course in Arabic (the French fixture's text
    under ``ar``: the markup is what counts) and a learner part-way through
    it, whose pages show a progress bar."""
    from courses import api as courses_api
    from courses.models import CoursePage, LessonPage, ModulePage
    from progress import api as progress_api
    from tests.conftest import FIXTURE_CONTENT, FIXTURE_TRANSLATIONS

    root = tmp_path_factory.mktemp("content")
    shutil.copytree(FIXTURE_CONTENT, root, dirs_exist_ok=True)
    shutil.copytree(
        FIXTURE_TRANSLATIONS / "tiny-course" / "fr", root / "tiny-course" / "ar"
    )
    with django_db_blocker.unblock():
        courses_api.seed_courses(root=root)
        pages = {}
        for language in ("en", "ar"):
            course = CoursePage.objects.get(
                slug="tiny-course", locale__language_code=language
            )
            module = ModulePage.objects.child_of(course).live().first()
            lesson = LessonPage.objects.descendant_of(module).live().first()
            with_an_image(lesson)
            pages[language] = {
                "catalogue": course.get_parent().url,
                "course": course.url,
                "module": module.url,
                "lesson": lesson.url,
                "quiz": module.url + "quiz/",
                "dashboard": f"/{language}/dashboard/",
                "profile": f"/{language}/accounts/profile/",
                "sign-in": f"/{language}/accounts/login/",
                "sign-up": f"/{language}/accounts/signup/",
                "verify": "/verify/",
                "verify-valid": f"/verify/{scene.ids['code_a']}/",
            }
        from accounts.models import User

        halfway = User.objects.create_user("halfway", password="x", name="Hal Way")
        course = CoursePage.objects.get(slug="tiny-course", locale__language_code="en")
        progress_api.enrol(user=halfway, course=course)
        first = LessonPage.objects.descendant_of(course).live().first()
        progress_api.record_lesson_completed(user=halfway, lesson=first)
    scene.pages = pages
    scene.users["halfway"] = halfway
    return scene


def with_an_image(lesson):
    """Adds an image to ``lesson``: with Save-Data, a placeholder that a
    script turns into the picture when tapped."""
    from wagtail_factories import ImageFactory

    image = ImageFactory(file__width=600, file__height=400)
    lesson.body = [
        *lesson.body.raw_data,
        {"type": "image", "value": {"image": image.pk, "alt": "A map", "caption": ""}},
    ]
    lesson.save_revision().publish()


def client_for(site, who=None, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if who:
        client.force_login(site.users[who])
    return client


# --- Headers ------------------------------------------------------------------


def test_a_lesson_has_the_strict_policy_rendered_and_from_the_page_cache(site):
    client = client_for(site)
    url = site.pages["en"]["lesson"]

    first, second = client.get(url), client.get(url)

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    for response in (first, second):
        assert response.status_code == 200
        assert_headers(response, LEARNER_CSP)


def test_a_cached_page_answers_a_conditional_request_with_its_policy(site):
    client = client_for(site)
    url = site.pages["en"]["lesson"]
    etag = client.get(url)["ETag"]

    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 304
    # Django's 304 keeps only the caching headers of the 200 it stands for,
    # and the browser the 200's other headers; the policy is sent again.
    assert policy(response) == LEARNER_CSP
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY


@pytest.mark.parametrize("name", ["lesson", "quiz", "dashboard", "profile"])
def test_a_logged_in_learner_gets_the_strict_policy(site, name):
    response = client_for(site, "halfway").get(site.pages["en"][name])

    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    assert_headers(response, LEARNER_CSP)


def test_the_verify_page_has_the_strict_policy(site):
    response = client_for(site).get(site.pages["en"]["verify-valid"])

    assert response.status_code == 200
    assert site.marks["a"][0] in response.content.decode()  # the holder's name
    assert_headers(response, LEARNER_CSP)


def test_the_wagtail_admin_has_its_own_policy(site):
    response = client_for(site).get("/admin/login/")

    assert response.status_code == 200
    assert_headers(response, ADMIN_CSP)


def test_the_django_admin_has_the_admin_policy_too(site):
    response = client_for(site).get("/django-admin/login/")

    assert response.status_code == 200
    assert_headers(response, ADMIN_CSP)


def test_the_api_schema_may_not_be_rendered_or_framed(site):
    response = client_for(site).get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_headers(response, API_CSP)


def test_an_api_error_has_the_api_policy(site):
    response = client_for(site).post(
        "/api/v1/verify", "{}", content_type="application/json"
    )

    assert 400 <= response.status_code < 500
    assert response["Content-Type"].startswith("application/json")
    assert_headers(response, API_CSP)


def test_the_single_file_download_may_use_exactly_its_own_stylesheet(site):
    client = client_for(site)
    url = site.pages["en"]["course"] + "download/"

    responses = [client.get(url), client.get(url)]

    assert responses[1]["X-Page-Cache"] == "hit"
    for response in responses:
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        html = response.content.decode()
        [css] = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
        assert "font-family" in css
        assert policy(response) == {
            "default-src": ["'none'"],
            "style-src": [sha256_source(css)],
            "base-uri": ["'none'"],
            "form-action": ["'none'"],
            "frame-ancestors": ["'none'"],
        }
        assert "<script" not in html


def test_another_stylesheet_in_the_download_would_not_be_let_in(site):
    from config.security_headers import allow_own_styles

    response = allow_own_styles(HttpResponse(b"<style>a{color:red}</style>"))
    changed = allow_own_styles(HttpResponse(b"<style>a{color:blue}</style>"))

    assert response["Content-Security-Policy"] != changed["Content-Security-Policy"]
    assert sha256_source("a{color:red}") in response["Content-Security-Policy"]


def test_a_page_that_may_be_framed_by_the_site_itself_says_so_in_its_policy():
    # Wagtail's editor previews a page in a frame: its view answers with
    # X-Frame-Options SAMEORIGIN, which the policy must not contradict.
    def preview(request):
        response = HttpResponse("<p>Preview</p>")
        response["X-Frame-Options"] = "SAMEORIGIN"
        return response

    middleware = ContentSecurityPolicyMiddleware(preview)
    response = middleware(RequestFactory().get("/admin/pages/3/edit/preview/"))

    assert policy(response) == {**ADMIN_CSP, "frame-ancestors": ["'self'"]}


# --- Nothing inline on learner pages --------------------------------------------


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks: scripts without src, style
    elements and attributes, on* handlers and javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []
        self.tags = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.found.append(self.get_starttag_text())
        if tag == "style":
            self.found.append(self.get_starttag_text())
        for name, value in attrs:
            url = (value or "").strip().lower().replace("\t", "").replace("\n", "")
            if (
                name == "style"
                or name.startswith("on")
                or (name in {"href", "src", "action", "formaction"})
                and url.startswith("javascript:")
            ):
                self.found.append(self.get_starttag_text())


def inline_code(html: str) -> tuple[list[str], set[str]]:
    parser = InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found, parser.tags


def test_the_checker_finds_what_the_policy_would_block():
    found, _tags = inline_code(
        '<script>alert(1)</script><script src="/s.js"></script><p style="x">'
        '<a href=" JavaScript:alert(1)">a</a><img src="/i.png" onerror="x()">'
        "<style>p{}</style>"
    )

    assert len(found) == 5


PAGES = [
    (None, "catalogue"),
    (None, "course"),
    (None, "module"),
    (None, "lesson"),
    (None, "quiz"),
    (None, "sign-in"),
    (None, "sign-up"),
    (None, "verify"),
    (None, "verify-valid"),
    ("halfway", "catalogue"),
    ("halfway", "course"),
    ("halfway", "lesson"),
    ("halfway", "quiz"),
    ("halfway", "dashboard"),
    ("halfway", "profile"),
    ("learner_a", "dashboard"),
    ("learner_a", "course"),
]


@pytest.mark.parametrize("language", ["en", "ar"])
@pytest.mark.parametrize(("who", "name"), PAGES)
def test_no_learner_page_holds_inline_script_or_style(site, who, name, language):
    client = client_for(site, who, language)
    for headers in ({}, {"Save-Data": "on"}):
        response = client.get(site.pages[language][name], headers=headers)

        assert response.status_code == 200
        html = response.content.decode()
        assert f'<html lang="{language}"' in html
        found, tags = inline_code(html)
        assert found == []
        assert_headers(response, LEARNER_CSP)
    if who == "halfway" and name in {"dashboard", "course"}:
        assert "progress" in tags  # the bar is there, without a style
    if name == "lesson":  # with Save-Data, the image placeholder and its script
        assert 'class="image-placeholder"' in html
        assert "js/show-image.js" in html
