"""seed_courses: the demo content files become published pages, idempotently."""

import io
import textwrap

import pytest
from django.core.management import call_command
from wagtail.models import Page, Revision, Site
from wagtail_localize.segments import StringSegmentValue
from wagtail_localize.segments.extract import extract_segments

from courses import api, content_schema
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage

COURSE = """
title = "Tiny course"
slug = "tiny"
summary = "Small."
audience = "Testers."
level = "beginner"
estimated_hours = 1
licence = "CC BY-SA 4.0"
pass_mark = 70
completion_note = "Also say hello."
outcomes = ["Seed things."]

[[modules]]
slug = "only-module"
title = "Only module"
summary = "The one."
lessons = ["one", "two"]
"""

LESSON = """
title = "Lesson {n}"
slug = "lesson-{n}"
objective = "Learn {n}."
minutes = 10
sources = ["A book"]

[[body]]
type = "heading"
text = "Heading {n}"

[[body]]
type = "paragraph"
html = "<p>Text {n} with <b>bold</b>.</p>"

[[body]]
type = "callout"
kind = "activity"
title = "Do it"
html = "<ol><li>Step</li></ol>"

[[body]]
type = "glossary"
term = "Term"
definition = "Meaning."

[[body]]
type = "table"
caption = "Cap"
header = ["a", "b"]
rows = [["1", ""]]

[[questions]]
id = "q1"
kind = "true_false"
prompt = "Yes?"
explanation = "Because."

[[questions.options]]
id = "T"
text = "True"
is_correct = true
feedback = "Right."

[[questions.options]]
id = "F"
text = "False"
is_correct = false
feedback = "Wrong."

[[questions]]
id = "q2"
kind = "scenario"
scenario = "A case."
prompt = "Which?"
explanation = "Why."

[[questions.options]]
id = "A"
text = "This"
is_correct = true
feedback = "Good."

[[questions.options]]
id = "B"
text = "That"
is_correct = false
feedback = "Bad."
"""


@pytest.fixture
def content(tmp_path):
    course = tmp_path / "tiny"
    course.mkdir()
    (course / "course.toml").write_text(COURSE)
    for n, stem in enumerate(["one", "two"], 1):
        (course / f"{stem}.toml").write_text(textwrap.dedent(LESSON.format(n=n)))
    return tmp_path


def snapshot():
    return Page.objects.count(), Revision.objects.count()


def test_seeding_twice_gives_the_same_tree(db, content):
    first = api.seed_courses(root=content)
    assert len(first.created) == 5  # catalogue, course, module, two lessons
    before = snapshot()
    second = api.seed_courses(root=content)
    assert snapshot() == before
    assert (second.created, second.updated) == ([], [])


def test_seeded_pages_are_published_with_their_fields(db, content):
    api.seed_courses(root=content)
    course = CoursePage.objects.get(slug="tiny")
    assert course.live and course.completion_note == "Also say hello."
    assert [b.value for b in course.outcomes] == ["Seed things."]
    module = ModulePage.objects.get(slug="only-module")
    lessons = LessonPage.objects.child_of(module)
    assert [p.slug for p in lessons] == ["lesson-1", "lesson-2"]
    lesson = lessons[0]
    assert [b.block_type for b in lesson.body] == [
        "heading",
        "paragraph",
        "callout",
        "glossary",
        "table",
    ]
    assert lesson.body[1].value.source == "<p>Text 1 with <b>bold</b>.</p>"
    assert [b.value for b in lesson.sources] == ["A book"]
    questions = module.quiz_questions()
    assert [(q.id, q.kind, sorted(q.correct_ids)) for q in questions[:2]] == [
        ("q1", "true_false", ["T"]),
        ("q2", "scenario", ["A"]),
    ]
    assert questions[1].scenario == "A case."


def test_seeded_text_is_offered_to_translators_but_answer_keys_are_not(db, content):
    api.seed_courses(root=content)
    lesson = LessonPage.objects.get(slug="lesson-1")
    strings = {
        s.string.data
        for s in extract_segments(lesson)
        if isinstance(s, StringSegmentValue)
    }
    assert {"This", "Good.", "Cap", "a", "Step", "Meaning."} <= strings
    assert not {"q1", "q2", "A", "B", "T", "F"} & strings


def test_editing_a_file_updates_only_that_page_with_one_revision(db, content):
    api.seed_courses(root=content)
    pages, revisions = snapshot()
    path = content / "tiny" / "two.toml"
    path.write_text(path.read_text().replace("Learn 2.", "Learn 2 better."))
    report = api.seed_courses(root=content)
    assert report.updated == ["tiny/only-module/lesson-2"]
    assert snapshot() == (pages, revisions + 1)
    assert LessonPage.objects.get(slug="lesson-2").objective == "Learn 2 better."


def test_a_trainers_edit_survives_a_reseed_of_unchanged_files(db, content):
    api.seed_courses(root=content)
    lesson = LessonPage.objects.get(slug="lesson-1")
    lesson.title = "Improved by a trainer"
    lesson.save_revision().publish()
    api.seed_courses(root=content)
    assert LessonPage.objects.get(slug="lesson-1").title == "Improved by a trainer"


def test_reordering_lessons_in_the_file_reorders_the_pages(db, content):
    api.seed_courses(root=content)
    course_toml = content / "tiny" / "course.toml"
    course_toml.write_text(
        course_toml.read_text().replace('"one", "two"', '"two", "one"')
    )
    api.seed_courses(root=content)
    module = ModulePage.objects.get(slug="only-module")
    assert [p.slug for p in module.get_children()] == ["lesson-2", "lesson-1"]


def test_the_catalogue_replaces_wagtails_welcome_page(db, content):
    assert Page.objects.filter(depth=2, title__startswith="Welcome").exists()
    api.seed_courses(root=content)
    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, CourseIndexPage)
    assert not Page.objects.filter(depth=2, title__startswith="Welcome").exists()


def test_invalid_content_writes_nothing(db, content):
    (content / "tiny" / "two.toml").write_text('title = "Broken"\n')
    before = snapshot()
    with pytest.raises(content_schema.ContentError):
        api.seed_courses(root=content)
    assert snapshot() == before


def test_the_command_reports_what_it_did(db, content):
    out = io.StringIO()
    call_command("seed_courses", content_dir=content, stdout=out)
    assert "Created tiny/only-module/lesson-1" in out.getvalue()
    assert "5 pages created, 0 updated" in out.getvalue()
    out = io.StringIO()
    call_command("seed_courses", content_dir=content, stdout=out)
    assert "0 pages created, 0 updated, 5 unchanged." in out.getvalue()


# The demo files themselves: test_seed_translations.py seeds them once, with
# their translations.
