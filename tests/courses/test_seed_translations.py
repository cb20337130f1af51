"""seed_courses seeds the translation files through wagtail-localize."""

import pytest
from wagtail.models import Locale, Page, Revision
from wagtail_localize.models import StringTranslation, Translation, TranslationSource

from courses import api, content_schema
from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from courses.seeding_translations import StringPairs

LESSON_ONE = "fr:tiny-course/first-module/lesson-one"


def snapshot():
    return (
        Page.objects.count(),
        Revision.objects.count(),
        StringTranslation.objects.count(),
    )


def lesson(slug, language="en"):
    return LessonPage.objects.get(slug=slug, locale__language_code=language)


def translation_of(page, language="fr"):
    return Translation.objects.get(
        source__object_id=page.translation_key,
        target_locale__language_code=language,
    )


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_pages_with_a_translation_file_are_translated_and_published(
    client, french_tiny_course
):
    french = Locale.objects.get(language_code="fr")
    catalogue = CourseIndexPage.objects.get(locale=french)
    assert (catalogue.title, catalogue.live) == ("Cours", True)
    assert french_tiny_course.title == "Cours minuscule"
    assert french_tiny_course.outcomes[0].value == "Réussir les tests."
    # Not in the French file: kept in sync with the English page.
    assert (french_tiny_course.level, french_tiny_course.pass_mark) == ("beginner", 70)
    modules = ModulePage.objects.filter(locale=french).order_by("path")
    assert [m.title for m in modules] == ["Premier module", "Deuxième module"]
    assert [p.title for p in LessonPage.objects.filter(locale=french)] == ["Leçon un"]
    assert all(p.live for p in Page.objects.filter(locale=french))

    content = client.get("/fr/").content.decode()
    assert "<h1>Cours</h1>" in content
    assert "Cours minuscule" in content


def test_the_translation_is_a_wagtail_localize_translation_with_every_string(
    french_tiny_course,
):
    english = lesson("lesson-one")
    translation = translation_of(english)
    assert translation.enabled
    total, translated = translation.get_progress()
    assert total == translated > 10
    assert str(translation.get_status_display()) == "Up to date"


def test_a_translated_quiz_keeps_option_ids_and_question_keys(
    client, french_tiny_course
):
    english, french = lesson("lesson-one"), lesson("lesson-one", "fr")
    assert french.translation_key == english.translation_key
    original, translated = english.quiz_questions(), french.quiz_questions()
    assert [q.key for q in translated] == [q.key for q in original]
    assert [q.correct_ids for q in translated] == [q.correct_ids for q in original]
    assert translated[0].prompt == "Choisissez B."
    assert [(o.id, o.text, o.feedback) for o in translated[0].options] == [
        ("A", "Réponse A", "Pas A."),
        ("B", "Réponse B", "Oui, B."),
    ]

    assert french.url == "/fr/tiny-course/first-module/lesson-one/"
    content = client.get(french.url).content.decode()
    assert "Texte de la leçon un." in content
    quiz = client.get("/fr/tiny-course/first-module/quiz/").content.decode()
    assert "Choisissez A et C." in quiz
    assert f'name="{original[0].key}" value="B"' in quiz


def test_a_partly_translated_course_offers_its_other_lessons_in_english(
    client, french_tiny_course
):
    notice = '<a href="/en/tiny-course/" lang="en" hreflang="en">English</a>'
    assert notice in client.get("/fr/tiny-course/").content.decode()
    module = client.get("/fr/tiny-course/first-module/").content.decode()
    assert '<a href="/en/tiny-course/first-module/" lang="en"' in module
    assert "/fr/tiny-course/first-module/lesson-one/" in module
    english = client.get("/en/tiny-course/").content.decode()
    assert 'class="callout"' not in english


def test_seeding_again_creates_and_publishes_nothing(db, translated_content):
    api.seed_courses(root=translated_content)
    before = snapshot()
    report = api.seed_courses(root=translated_content)
    assert snapshot() == before
    assert (report.created, report.updated) == ([], [])
    assert LESSON_ONE in report.unchanged


def test_a_changed_translation_file_updates_and_republishes_the_page(
    db, translated_content
):
    api.seed_courses(root=translated_content)
    pages, revisions, _strings = snapshot()
    path = translated_content / "tiny-course" / "fr" / "l1.toml"
    edit(path, "Texte de la leçon un.", "Le texte, revu.")

    report = api.seed_courses(root=translated_content)
    assert report.updated == [LESSON_ONE]
    assert snapshot()[:2] == (pages, revisions + 1)
    french = lesson("lesson-one", "fr")
    assert french.live and not french.has_unpublished_changes
    assert french.body[0].value.source == "<p>Le texte, revu.</p>"


def test_an_english_edit_shows_as_waiting_for_translation(french_tiny_course):
    """An editor changes the English lesson, then uses wagtail-localize's
    "Sync translated pages": the new string waits for a translator, and the
    French page shows it in English meanwhile."""
    english = lesson("lesson-one")
    source = TranslationSource.objects.get(object_id=english.translation_key)
    english.objective = "Read lesson one, twice."
    english.save_revision().publish()
    english.refresh_from_db()
    # Before the sync: the source is older than the page.
    assert source.last_updated_at < english.last_published_at

    source.update_from_db()  # what "Sync translated pages" does, then save_target
    translation = translation_of(english)
    translation.save_target(publish=False)
    total, translated = translation.get_progress()
    assert translated == total - 1
    assert str(translation.get_status_display()) == "Waiting for translations"
    french = lesson("lesson-one", "fr").get_latest_revision_as_object()
    assert french.objective == "Read lesson one, twice."
    assert french.title == "Leçon un"


def test_a_changed_english_file_leaves_its_new_text_waiting_for_translation(
    db, translated_content
):
    api.seed_courses(root=translated_content)
    path = translated_content / "tiny-course" / "l1.toml"
    edit(path, "Read lesson one.", "Read lesson one, twice.")

    report = api.seed_courses(root=translated_content)
    assert report.updated == ["tiny-course/first-module/lesson-one", LESSON_ONE]
    french = lesson("lesson-one", "fr")
    # The French file predates the change: its old objective is not used.
    assert french.objective == "Read lesson one, twice."
    assert french.title == "Leçon un"
    assert french.body[0].value.source == "<p>Texte de la leçon un.</p>"
    total, translated = translation_of(lesson("lesson-one")).get_progress()
    assert translated == total - 1


def test_a_translation_that_breaks_the_structure_writes_nothing(db, translated_content):
    path = translated_content / "tiny-course" / "fr" / "l1.toml"
    edit(path, 'id = "C"', 'id = "D"')
    before = snapshot()
    with pytest.raises(content_schema.ContentError, match="'id' must stay 'C'"):
        api.seed_courses(root=translated_content)
    assert snapshot() == before


def test_rich_text_is_paired_segment_by_segment_as_wagtail_localize_cuts_it():
    pairs = StringPairs(
        {
            "html": '<p>One <a href="https://a.example">link</a>.</p><ul><li>Two</li></ul>'
        },
        {
            "html": '<p>Un <a href="https://a.example">lien</a>.</p><ul><li>Deux</li></ul>'
        },
    )
    assert pairs.take('One <a id="a1">link</a>.') == 'Un <a id="a1">lien</a>.'
    assert pairs.take("Two") == "Deux"
    assert pairs.mismatches == []


def test_rich_text_with_other_paragraphs_is_left_untranslated():
    pairs = StringPairs({"html": "<p>One</p><p>Two</p>"}, {"html": "<p>Un deux</p>"})
    assert pairs.take("One") is None
    assert pairs.mismatches == [".html"]


def test_the_demo_content_and_its_translations(client, db):
    """The real files, seeded once: every English lesson; French, Arabic and
    Swahili lessons in full; course titles in every language."""
    api.seed_courses()
    for course in content_schema.load_all():
        page = CoursePage.objects.get(
            slug=course.data["slug"], locale__language_code="en"
        )
        modules = ModulePage.objects.child_of(page)
        assert [m.slug for m in modules] == [m["slug"] for m in course.data["modules"]]
        for module, listed in zip(modules, course.data["modules"], strict=True):
            slugs = [course.lessons[stem].data["slug"] for stem in listed["lessons"]]
            assert [p.slug for p in LessonPage.objects.child_of(module)] == slugs
            assert all(q.options for q in module.quiz_questions())

    demo = CoursePage.objects.get(
        slug="ai-literacy-for-everyone", locale__language_code="en"
    )
    for language in ("ar", "fr", "sw"):
        translated = demo.get_translation(Locale.objects.get(language_code=language))
        assert translated.title != demo.title
        lessons = LessonPage.objects.descendant_of(translated).live()
        assert lessons.count() == 16
    for language in ("zh-hans", "hi", "bn", "am", "es", "pt"):
        courses = CoursePage.objects.filter(locale__language_code=language)
        assert courses.count() == 2
        assert not courses.filter(title=demo.title).exists()
        assert not LessonPage.objects.filter(locale__language_code=language).exists()
    # Nothing was left for translators in the files' languages.
    incomplete = [
        str(t)
        for t in Translation.objects.select_related("source")
        if len(set(t.get_progress())) != 1
    ]
    assert incomplete == []

    arabic = LessonPage.objects.get(
        slug="ai-is-already-around-you", locale__language_code="ar"
    )
    english = arabic.get_translation(Locale.get_default())
    assert (
        arabic.url
        == "/ar/ai-literacy-for-everyone/what-ai-is/ai-is-already-around-you/"
    )
    content = client.get(arabic.url).content.decode()
    assert '<html lang="ar" dir="rtl">' in content
    assert f'<h1 dir="auto">{arabic.title}</h1>' in content
    original, translated = english.quiz_questions(), arabic.quiz_questions()
    assert [q.key for q in translated] == [q.key for q in original]
    assert [[o.id for o in q.options] for q in translated] == [
        [o.id for o in q.options] for q in original
    ]
    assert translated[0].options[0].text != original[0].options[0].text
