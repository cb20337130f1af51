"""SQL queries per page stay flat as content and data grow (issue 10's
targets: a lesson <= 8 whatever its blocks, a dashboard <= 10 whatever the
enrolments). The cache is warm, as on a running site; the anonymous page
cache is off, so that the page is really built."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail_factories import ImageFactory

from courses.models import CoursePage
from progress import api as progress_api
from tests.courses.factories import (
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
)
from tests.progress.helpers import lessons

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    settings.PAMOJA_PAGE_CACHE_SECONDS = 0


def queries(client, url) -> int:
    client.get(url)  # warm: the first visit records the view, fills caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def rich_body(repeat: int) -> list[dict]:
    image = ImageFactory(file__width=800, file__height=600)
    blocks = []
    for n in range(repeat):
        blocks += [
            {"type": "heading", "value": f"Part {n}"},
            {"type": "paragraph", "value": f"<p>Paragraph {n}</p>"},
            {"type": "image", "value": {"image": image.pk, "alt": "A map"}},
            {
                "type": "callout",
                "value": {"kind": "tip", "text": "<p>Try it.</p>"},
            },
        ]
    return blocks


@pytest.fixture
def short_and_long(tiny_course):
    short, long = lessons(tiny_course)[:2]
    for lesson, repeat in ((short, 1), (long, 15)):
        lesson.body = rich_body(repeat)
        lesson.save_revision().publish()
    return short, long


def test_a_lesson_costs_the_same_few_queries_whatever_its_length(
    client, learner, short_and_long
):
    short, long = short_and_long

    anonymous = (queries(client, short.url), queries(client, long.url))
    client.force_login(learner)
    logged_in = (queries(client, short.url), queries(client, long.url))

    assert anonymous[0] == anonymous[1] <= 8, anonymous
    assert logged_in[0] == logged_in[1] <= 8, logged_in


def test_the_dashboard_costs_the_same_whatever_the_enrolments(
    client, learner, tiny_course
):
    client.force_login(learner)
    progress_api.enrol(user=learner, course=tiny_course)
    one = queries(client, "/en/dashboard/")

    catalogue = tiny_course.get_parent()
    for n in range(6):
        course = CoursePageFactory(parent=catalogue, title=f"Course {n}")
        module = ModulePageFactory(parent=course)
        LessonPageFactory(parent=module)
        progress_api.enrol(user=learner, course=CoursePage.objects.get(pk=course.pk))
    seven = queries(client, "/en/dashboard/")

    assert one == seven <= 10, (one, seven)
