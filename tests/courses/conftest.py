from dataclasses import dataclass

import pytest
from wagtail.models import Page, Site

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage

from .factories import (
    CourseIndexPageFactory,
    CoursePageFactory,
    LessonPageFactory,
    ModulePageFactory,
)


@dataclass
class Tree:
    catalogue: CourseIndexPage
    course: CoursePage
    modules: list[ModulePage]
    lessons: list[LessonPage]  # in course order
    other_course: CoursePage


@pytest.fixture
def tree(db) -> Tree:
    """A catalogue (the site's root) with two courses.

    The first has module 1 (three lessons, three questions each) and module 2
    (one lesson); the other has one module with one lesson.
    """
    catalogue = CourseIndexPageFactory(parent=Page.get_first_root_node())
    Site.objects.filter(is_default_site=True).update(root_page=catalogue)
    course = CoursePageFactory(parent=catalogue, title="Course A", slug="course-a")
    first = ModulePageFactory(parent=course, title="First module", slug="first")
    second = ModulePageFactory(parent=course, title="Second module", slug="second")
    lessons = [
        LessonPageFactory(parent=first, title=f"Lesson 1.{n}", slug=f"l1-{n}")
        for n in (1, 2, 3)
    ]
    lessons.append(LessonPageFactory(parent=second, title="Lesson 2.1", slug="l2-1"))
    other = CoursePageFactory(parent=catalogue, title="Course B", slug="course-b")
    other_module = ModulePageFactory(parent=other, slug="b-module")
    LessonPageFactory(parent=other_module, title="Other lesson", slug="b-lesson")
    return Tree(catalogue, course, [first, second], lessons, other)
