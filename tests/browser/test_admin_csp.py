"""The admins under their Content-Security-Policy (config/security_headers.py),
in real Chromium: an editor's round of the Wagtail admin, a lesson's editor
and its preview included, and the Django admin, with no violation reported.
Static files come from the finders (pytest-django's live server)."""

import pytest

from accounts.models import User
from courses.models import LessonPage

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "a-long-Pass-phrase-42"  # noqa: S105


def watch(page) -> list[str]:
    """Every CSP violation ``page`` meets: the console's report and the
    document's securitypolicyviolation event, recorded by the page itself."""
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('Content Security Policy event: ' + e.violatedDirective"
        " + ' ' + e.blockedURI))"
    )
    return violations


def test_the_admins_run_under_their_policy(live_server, chromium, tiny_course):
    User.objects.create_superuser("ada", password=PASSWORD, name="Ada Admin")
    lesson = LessonPage.objects.live().first()
    context = chromium.new_context()
    page = context.new_page()
    violations = watch(page)
    base = live_server.url

    page.goto(f"{base}/admin/login/")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/admin/")
    for path in (
        "/admin/",
        "/admin/pages/",
        f"/admin/pages/{lesson.pk}/edit/",
        f"/admin/pages/{lesson.pk}/history/",
        "/admin/images/",
        "/admin/documents/",
        "/admin/users/",
        "/admin/reports/site-history/",
        "/django-admin/",
    ):
        response = page.goto(base + path)
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    # The editor's live preview: the lesson, rendered in a frame of the admin.
    page.goto(f"{base}/admin/pages/{lesson.pk}/edit/")
    page.click("button[data-side-panel-toggle='preview']")
    page.wait_for_function(
        "() => document.querySelector('#w-preview-iframe')"
        "?.contentDocument?.querySelector('h1')"
    )
    page.wait_for_load_state("networkidle")
    context.close()

    assert violations == []
