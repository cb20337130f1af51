"""A course translated with wagtail-localize keeps its structure and answer keys."""

from wagtail.models import Locale
from wagtail_localize.models import (
    StringSegment,
    StringTranslation,
    Translation,
    TranslationSource,
)


def translate(page, locale, capture, prefix=None):
    """Translate and publish ``page`` in ``locale``; strings get ``prefix`` if given.

    wagtail-localize publishes on commit, hence ``capture``.
    """
    source, _created = TranslationSource.get_or_create_from_instance(page.specific)
    if prefix:
        for segment in StringSegment.objects.filter(source=source).select_related(
            "string", "context"
        ):
            StringTranslation.objects.create(
                translation_of=segment.string,
                locale=locale,
                context=segment.context,
                data=f"{prefix}{segment.string.data}",
            )
    translation = Translation.objects.create(source=source, target_locale=locale)
    with capture(execute=True):
        translation.save_target(publish=True)
    return page.get_translation(locale).specific


def test_a_translated_quiz_keeps_ids_answer_keys_and_field_names(
    client, tree, django_capture_on_commit_callbacks
):
    french = Locale.objects.create(language_code="fr")
    capture = django_capture_on_commit_callbacks
    for page in (tree.catalogue, tree.course, tree.modules[0]):
        translate(page, french, capture)
    lesson = translate(tree.lessons[0], french, capture, prefix="FR ")

    translated, original = lesson.quiz_questions(), tree.lessons[0].quiz_questions()
    assert [q.key for q in translated] == [q.key for q in original]
    assert [q.correct_ids for q in translated] == [q.correct_ids for q in original]
    assert translated[0].prompt == "FR Prompt q1"
    assert [o.text for o in translated[0].options][:1] == ["FR Option q1A"]
    assert [o.id for o in translated[0].options] == ["A", "B", "C", "D"]

    module = tree.modules[0].get_translation(french)
    assert module.url == "/fr/course-a/first/"
    content = client.get(module.url + "quiz/").content.decode()
    assert '<html lang="fr"' in content
    assert "FR Prompt q1" in content
    assert f'name="{original[0].key}" value="B"' in content
