"""Learner pages: catalogue, course, module and lesson."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Collection, Site
from wagtail_factories import DocumentFactory, ImageFactory

from courses.models import LessonPage

from .factories import LessonPageFactory


def html(client, page, suffix=""):
    response = client.get(page.url + suffix)
    assert response.status_code == 200
    return response.content.decode()


def assert_works_without_javascript(content):
    assert "<script" not in content
    for form in re.findall(r"<form[^>]*>", content):
        assert 'method="post"' in form or 'method="get"' in form
        assert "action=" in form


def test_catalogue_is_the_home_page_and_lists_live_courses(client, tree):
    tree.other_course.unpublish()
    content = client.get("/en/").content.decode()
    assert "Course A" in content
    assert "Course B" not in content
    assert_works_without_javascript(content)


def test_course_page_shows_outline_time_rule_outcomes_and_licence(client, tree):
    content = html(client, tree.course)
    assert "Module 1: First module" in content
    assert "Module 2: Second module" in content
    assert content.index("Lesson 1.3") < content.index("Lesson 2.1")
    assert "(15 minutes)" in content
    assert (
        "To complete this course, finish every lesson and pass each of the 2 module "
        "quizzes with at least 70 % of the answers right." in content
    )
    assert "Do it." in content
    assert "CC BY-SA 4.0" in content
    assert_works_without_javascript(content)


def test_completion_rule_follows_the_pass_mark_in_the_singular(tree):
    tree.course.pass_mark = 80
    assert tree.course.completion_rule(module_count=1) == (
        "To complete this course, finish every lesson and pass the 1 module quiz "
        "with at least 80 % of the answers right."
    )


def test_module_page_lists_lessons_and_the_quiz_rule(client, tree):
    content = html(client, tree.modules[0])
    assert "Module 1: First module" in content
    assert "The quiz has 9 questions." in content
    assert "You pass with at least 7 right answers." in content
    assert 'href="/en/course-a/first/quiz/"' in content


def test_lesson_shows_its_position_in_the_module(client, tree):
    content = html(client, tree.lessons[1])
    assert "Lesson 2 of 3 in Module 1: First module" in content


def test_previous_and_next_cross_module_boundaries(client, tree):
    last_of_first = html(client, tree.lessons[2])
    assert f'href="{tree.lessons[1].url}" rel="prev"' in last_of_first
    assert f'href="{tree.lessons[3].url}" rel="next"' in last_of_first
    first_of_second = html(client, tree.lessons[3])
    assert "Lesson 1 of 1 in Module 2: Second module" in first_of_second
    assert f'href="{tree.lessons[2].url}" rel="prev"' in first_of_second
    assert 'rel="next"' not in first_of_second


def test_only_the_last_lesson_of_a_module_links_to_its_quiz(client, tree):
    assert "/first/quiz/" in html(client, tree.lessons[2])
    assert "/first/quiz/" not in html(client, tree.lessons[0])


def test_lesson_links_to_the_quiz_even_if_only_earlier_lessons_have_questions(
    client, tree
):
    last = tree.lessons[2]
    last.questions = []
    last.save()
    assert "Take the Module 1 quiz" in html(client, last)


def test_unpublished_lessons_are_left_out_of_the_navigation(client, tree):
    tree.lessons[1].unpublish()
    content = html(client, tree.lessons[2])
    assert "Lesson 2 of 2 in Module 1" in content
    assert f'href="{tree.lessons[0].url}" rel="prev"' in content


# --- Queries and size ---------------------------------------------------------


def rich_body(collection, blocks_of_each):
    image = ImageFactory(collection=collection)
    document = DocumentFactory(collection=collection)
    one_round = [
        {"type": "heading", "value": "Heading"},
        {
            "type": "paragraph",
            "value": '<p>Text <a href="https://example.org">x</a></p>',
        },
        {"type": "image", "value": {"image": image.pk, "alt": "A leaf", "caption": ""}},
        {
            "type": "callout",
            "value": {"kind": "tip", "title": "Tip", "text": "<p>Do this.</p>"},
        },
        {"type": "glossary", "value": {"term": "Data", "definition": "Facts."}},
        {
            "type": "table",
            "value": {"caption": "T", "header": ["a", "b"], "rows": [["1", "2"]]},
        },
        {"type": "document", "value": {"document": document.pk, "description": ""}},
        {
            "type": "media",
            "value": {
                "title": "Talk",
                "url": "https://example.org/talk.mp3",
                "kind": "audio",
                "size": "3 MB",
                "transcript": "<p>Words.</p>",
            },
        },
    ]
    return one_round * blocks_of_each


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def render_queries(rf, lesson_pk):
    """Queries to render the lesson template (routing excluded), warm caches."""
    request = rf.get("/")
    request.user = AnonymousUser()
    Site.find_for_request(request)
    Site.get_site_root_paths()
    LessonPage.objects.get(pk=lesson_pk).serve(request).render()  # renditions
    lesson = LessonPage.objects.get(pk=lesson_pk)
    with CaptureQueriesContext(connection) as queries:
        lesson.serve(request).render()
    return len(queries)


def test_lesson_template_needs_at_most_8_queries_however_many_blocks(
    rf, tree, media_root
):
    collection = Collection.get_first_root_node()
    small = LessonPageFactory(parent=tree.modules[1], body=rich_body(collection, 1))
    large = LessonPageFactory(parent=tree.modules[1], body=rich_body(collection, 12))
    assert render_queries(rf, large.pk) <= 8
    assert render_queries(rf, large.pk) == render_queries(rf, small.pk)


def test_a_whole_lesson_request_costs_the_same_however_many_blocks(
    client, tree, media_root
):
    collection = Collection.get_first_root_node()
    small = LessonPageFactory(parent=tree.modules[1], body=rich_body(collection, 1))
    large = LessonPageFactory(parent=tree.modules[1], body=rich_body(collection, 12))
    counts = []
    for lesson in (small, large):
        client.get(lesson.url)  # renditions and file sizes are made once
        with CaptureQueriesContext(connection) as queries:
            client.get(lesson.url)
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_images_are_renditions_with_size_srcset_and_lazy_loading(
    client, tree, media_root
):
    collection = Collection.get_first_root_node()
    lesson = LessonPageFactory(parent=tree.modules[1], body=rich_body(collection, 2))
    content = html(client, lesson)
    first, img = re.findall(r"<img [^>]*>", content)
    assert 'loading="eager"' in first
    assert 'loading="lazy"' in img
    assert 'alt="A leaf"' in img
    assert re.search(r' width="\d+"', img) and re.search(r' height="\d+"', img)
    assert re.search(r'srcset="\S+ \d+w, \S+ \d+w"', img)
    assert "/original_images/" not in img


def test_documents_show_their_size_and_media_is_only_a_link(client, tree, media_root):
    collection = Collection.get_first_root_node()
    lesson = LessonPageFactory(parent=tree.modules[1], body=rich_body(collection, 1))
    content = html(client, lesson)
    assert re.search(r'class="document"><a href="/documents/[^"]+"', content)
    assert re.search(r"\((\w+, )?\d+(\.\d)?\xa0(bytes|KB)\)", content)
    assert '<a href="https://example.org/talk.mp3">Audio:' in content
    assert "<audio" not in content and "<video" not in content
    assert "<details><summary>Transcript</summary>" in content


def test_a_long_lesson_stays_small_compressed(client, tree):
    import gzip

    long_body = [
        {"type": "paragraph", "value": "<p>" + "Words of the lesson. " * 40 + "</p>"}
    ] * 25  # about 900 words, more than any demo lesson
    lesson = LessonPageFactory(parent=tree.modules[1], body=long_body)
    response = client.get(lesson.url)
    assert len(gzip.compress(response.content)) < 16 * 1024


def test_preview_of_a_draft_lesson_shows_its_place_in_the_course(tree):
    tree.lessons[1].unpublish()
    draft = LessonPage.objects.get(pk=tree.lessons[1].pk)
    content = draft.make_preview_request().content.decode()
    assert "Lesson 2 of 3 in Module 1: First module" in content
