"""Which pages a course requires, read from the live page tree.

Pages are found by translation key in any language; the requirements are
taken from the course in the default language (the source of translations),
so every translation of a course has the same requirements.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from wagtail.models import Locale, Page

from courses.models import CoursePage, LessonPage, ModulePage

from . import treecache


@dataclass
class CourseRequirements:
    course: CoursePage
    lesson_keys: list[uuid.UUID] = field(default_factory=list)
    # Modules whose lessons have questions: each needs a passed quiz.
    quiz_module_keys: list[uuid.UUID] = field(default_factory=list)
    titles: dict[uuid.UUID, str] = field(default_factory=dict)


def source_courses(course_keys) -> dict[uuid.UUID, CoursePage]:
    """Each course in the default language, else in any language."""
    return treecache.lookup("course", list(course_keys), _source_courses)


def _source_courses(course_keys) -> dict[uuid.UUID, CoursePage]:
    default = Locale.get_default().pk
    found: dict[uuid.UUID, CoursePage] = {}
    courses = CoursePage.objects.filter(translation_key__in=course_keys).live()
    for course in sorted(courses, key=lambda c: c.locale_id != default):
        found.setdefault(course.translation_key, course)
    return found


def source_course(course_key: uuid.UUID) -> CoursePage | None:
    return source_courses([course_key]).get(course_key)


def requirements(course: CoursePage) -> CourseRequirements:
    """Every live lesson, and every live module with questions."""
    return treecache.lookup(
        "requirements", [course.pk], lambda pks: {course.pk: _requirements(course)}
    )[course.pk]


def _requirements(course: CoursePage) -> CourseRequirements:
    required = CourseRequirements(course)
    modules = {
        m.path: m
        for m in ModulePage.objects.child_of(course)
        .live()
        .only("path", "translation_key", "title")
    }
    lessons = (
        LessonPage.objects.descendant_of(course)
        .live()
        .only("path", "depth", "translation_key", "title", "questions")
        .order_by("path")
    )
    with_quiz = set()
    for lesson in lessons:
        module = modules.get(lesson.path[: -lesson.steplen])
        if module is None:
            continue
        required.lesson_keys.append(lesson.translation_key)
        required.titles[lesson.translation_key] = lesson.title
        if len(lesson.questions):
            with_quiz.add(module.path)
    for path, module in sorted(modules.items()):
        if path in with_quiz:
            required.quiz_module_keys.append(module.translation_key)
            required.titles[module.translation_key] = module.title
    return required


@dataclass(frozen=True)
class Placement:
    """Where a lesson or module sits: what the events API needs to know."""

    page: LessonPage | ModulePage
    course_key: uuid.UUID


def place(keys: set[uuid.UUID]) -> dict[uuid.UUID, Placement]:
    """Live lessons and modules by translation key, with their course's key.

    A key may name a page in any language.
    """
    return treecache.lookup("place", list(keys), _place)


def _place(keys) -> dict[uuid.UUID, Placement]:
    pages = [
        *LessonPage.objects.filter(translation_key__in=keys).live(),
        *ModulePage.objects.filter(translation_key__in=keys).live(),
    ]
    course_depth = 3
    steplen = CoursePage.steplen
    course_paths = {p.path[: steplen * course_depth] for p in pages}
    courses = dict(
        CoursePage.objects.filter(path__in=course_paths).values_list(
            "path", "translation_key"
        )
    )
    placed = {}
    for page in pages:
        course_key = courses.get(page.path[: steplen * course_depth])
        if course_key is not None:
            placed.setdefault(page.translation_key, Placement(page, course_key))
    return placed


def localized(keys, locale) -> dict[uuid.UUID, Page]:
    """Live pages by translation key in ``locale``, else in any language."""
    found: dict[uuid.UUID, Page] = {}
    pages = Page.objects.filter(translation_key__in=keys).live().specific()
    for page in sorted(pages, key=lambda p: p.locale_id != locale.pk):
        found.setdefault(page.translation_key, page)
    return found
