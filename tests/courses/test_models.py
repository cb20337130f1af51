"""The page tree rules and page-level behaviour."""

import pytest
from django.core.exceptions import ValidationError
from wagtail.models import Locale, Page

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage


def test_each_page_type_allows_only_the_next_level(tree):
    assert CourseIndexPage.allowed_subpage_models() == [CoursePage]
    assert CoursePage.allowed_subpage_models() == [ModulePage]
    assert ModulePage.allowed_subpage_models() == [LessonPage]
    assert LessonPage.allowed_subpage_models() == []


@pytest.mark.parametrize(
    ("model", "parent", "allowed"),
    [
        (CoursePage, "catalogue", True),
        (CoursePage, "root", False),
        (CoursePage, "course", False),
        (ModulePage, "course", True),
        (ModulePage, "catalogue", False),
        (ModulePage, "module", False),
        (LessonPage, "module", True),
        (LessonPage, "course", False),
        (LessonPage, "lesson", False),
        (CourseIndexPage, "course", False),
        (CourseIndexPage, "module", False),
    ],
)
def test_pages_can_only_be_created_in_their_place(tree, model, parent, allowed):
    parents = {
        "root": Page.get_first_root_node(),
        "catalogue": tree.catalogue,
        "course": tree.course,
        "module": tree.modules[0],
        "lesson": tree.lessons[0],
    }
    assert model.can_create_at(parents[parent]) is allowed


def test_one_catalogue_per_language_at_the_top_of_the_tree(tree):
    root = Page.get_first_root_node()
    assert not CourseIndexPage.can_create_at(root)  # "en" has one
    Locale.objects.create(language_code="fr")
    assert CourseIndexPage.can_create_at(root)
    assert not CourseIndexPage.can_create_at(tree.catalogue)


def test_plain_pages_cannot_be_created_inside_a_course(tree):
    assert not Page.can_create_at(tree.course)
    assert Page not in CoursePage.allowed_subpage_models()


@pytest.mark.parametrize("pass_mark", [0, 101])
def test_pass_mark_is_a_percentage(tree, pass_mark):
    tree.course.pass_mark = pass_mark
    with pytest.raises(ValidationError) as exc_info:
        tree.course.full_clean()
    assert "pass_mark" in exc_info.value.message_dict


def test_pass_mark_defaults_to_seventy(tree):
    assert CoursePage().pass_mark == 70


def test_outline_lists_modules_and_lessons_in_tree_order(tree):
    outline = tree.course.outline()
    assert [m.page.title for m in outline.modules] == ["First module", "Second module"]
    assert [m.number for m in outline.modules] == [1, 2]
    assert [lesson.pk for _m, lesson in outline.lessons()] == [
        p.pk for p in tree.lessons
    ]
    assert outline.modules[0].minutes == 45


def test_quiz_questions_have_keys_unique_in_the_module(tree):
    keys = [q.key for q in tree.modules[0].quiz_questions()]
    assert len(keys) == len(set(keys)) == 9


def test_question_keys_are_the_same_in_every_language(tree):
    lesson = tree.lessons[0]
    french = Locale.objects.create(language_code="fr")
    translation = lesson.copy_for_translation(french, copy_parents=True)
    assert translation.locale == french
    assert [q.key for q in translation.quiz_questions()] == [
        q.key for q in lesson.quiz_questions()
    ]
    assert lesson.quiz_questions()[0].key == f"{lesson.translation_key.hex[:8]}-q1"
