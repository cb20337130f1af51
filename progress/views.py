"""Learner pages of the progress engine: plain forms, no JavaScript needed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from certificates import api as certificates_api
from config import routing
from courses.models import CoursePage, LessonPage

from . import api, structure


def _page_id(page_id: int) -> int:
    # Beyond 64 bits the database driver overflows (a 500) instead of finding
    # nothing (found by tests/security/test_fuzz_forms.py).
    if page_id > 2**63 - 1:
        raise Http404
    return page_id


def _next_url(request, fallback: str) -> str:
    url = request.POST.get("next", "")
    # A path on this site only: redirect() would read "0" or "home" as the
    # name of a URL pattern and fail (found by tests/security/test_fuzz_forms.py).
    if url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


@login_required
@require_POST
def complete_lesson(request, page_id: int):
    lesson = get_object_or_404(LessonPage.objects.live(), pk=_page_id(page_id))
    api.record_lesson_completed(
        user=request.user,
        lesson=lesson,
        event_id=api.parse_event_id(request.POST.get("event")),
    )
    messages.success(request, _("Lesson marked complete."))
    return redirect(_next_url(request, lesson.get_url(request)))


@login_required
@require_POST
def enrol(request, page_id: int):
    course = get_object_or_404(CoursePage.objects.live(), pk=_page_id(page_id))
    api.enrol(user=request.user, course=course)
    messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect(_next_url(request, course.get_url(request)))


@login_required
def dashboard(request):
    statuses = api.dashboard(user=request.user)
    routing.site_for(request)
    locale = routing.active_locale()
    keys = {s.course.translation_key for s in statuses}
    for status in statuses:
        keys.update(m.key for m in status.missing)
    pages = structure.localized(keys, locale)
    certificates = certificates_api.certificates_by_course(user=request.user)
    rows = []
    for status in statuses:
        step = status.next_step
        rows.append(
            {
                "status": status,
                "certificate": certificates.get(status.course.translation_key),
                "course": pages.get(status.course.translation_key, status.course),
                "resume": step and _missing_url(pages.get(step.key), step, request),
                "resume_title": step and getattr(pages.get(step.key), "title", ""),
                "missing": [
                    (missing, _missing_url(pages.get(missing.key), missing, request))
                    for missing in status.missing
                ],
            }
        )
    return render(request, "progress/dashboard.html", {"rows": rows})


def _missing_url(page, missing, request) -> str:
    if page is None:
        return ""
    url = page.get_url(request)
    return url + page.reverse_subpage("quiz") if missing.kind == "quiz" else url
