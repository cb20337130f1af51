"""Seed the translated demo content through wagtail-localize.

A translation lives in ``content/<course>/<lang>/`` (rules: ``content_translations``).
Each English page with a translation file is translated the way wagtail-localize's
"Translate this page" does it: a ``TranslationSource`` of the English page, a
``Translation`` into the locale, and the page saved from translated strings. The
strings come from the files: the English and the translated file are walked in
parallel, rich text is cut into segments by wagtail-localize's own
``extract_strings``, and segments are paired by position. Every paired string is
stored as a ``StringTranslation``, so translators see the page as done in the
admin, and a later edit of the English page shows its new strings as waiting for
translation (after "Sync translated pages").

Pages without a translation file are not created: learners get the English page.
Idempotent like the English seed: a translated page remembers a digest of its
English page's file and its own, and is saved again only when one changed.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from wagtail.models import Locale, Page
from wagtail_localize.models import (
    StringSegment,
    StringTranslation,
    Translation,
    TranslationSource,
)
from wagtail_localize.strings import StringValue, extract_strings

from . import content_schema, content_translations
from .models import CourseIndexPage, CoursePage, LessonPage, ModulePage
from .seeding import CATALOGUE, SeedReport, digest_of

# The catalogue has no file: its title per language (the interface's "Courses").
CATALOGUE_TITLES = {
    "ar": "الدورات",
    "zh-hans": "课程",
    "hi": "पाठ्यक्रम",
    "bn": "কোর্স",
    "sw": "Kozi",
    "fr": "Cours",
    "am": "ኮርሶች",
    "es": "Cursos",
    "pt": "Cursos",
}
# Keys whose values are no text: never offered to translators.
NOT_TEXT = {"id", "kind", "is_correct", "type", "minutes", "lessons", "modules"}
# Text that stays as it is when a translation leaves it out.
SAME_IN_EVERY_LANGUAGE = {"slug", "licence"}
SEEDED_MODELS = (CourseIndexPage, CoursePage, ModulePage, LessonPage)


class StringPairs:
    """English strings, as wagtail-localize stores them, and their translations.

    A string that occurs twice on a page may be translated twice, differently:
    the translations are used in file order.
    """

    def __init__(self, source, translated):
        self.pairs: dict[str, list[str]] = defaultdict(list)
        self.mismatches: list[str] = []
        self.walk(source, translated, "")

    def walk(self, source, translated, where: str) -> None:
        if isinstance(source, dict) and isinstance(translated, dict):
            for key, value in source.items():
                if key in SAME_IN_EVERY_LANGUAGE:
                    self.walk(value, translated.get(key, value), f"{where}.{key}")
                elif key in translated and key not in NOT_TEXT:
                    self.walk(value, translated[key], f"{where}.{key}")
        elif isinstance(source, list) and isinstance(translated, list):
            if len(source) != len(translated):
                self.mismatches.append(where)
                return
            for n, (a, b) in enumerate(zip(source, translated, strict=True)):
                self.walk(a, b, f"{where}[{n}]")
        elif isinstance(source, str) and isinstance(translated, str):
            if where.endswith(".html"):
                self.add_html(source, translated, where)
            elif source and translated:
                plain = StringValue.from_plaintext
                self.pairs[plain(source).data].append(plain(translated).data)
        elif source != translated:
            self.mismatches.append(where)

    def add_html(self, source: str, translated: str, where: str) -> None:
        """Pair the segments of two rich texts, as wagtail-localize cuts them."""
        source_strings = extract_strings(source)[1]
        translated_strings = extract_strings(translated)[1]
        if len(source_strings) != len(translated_strings):
            self.mismatches.append(where)
            return
        for (a, _attrs), (b, _attrs2) in zip(
            source_strings, translated_strings, strict=True
        ):
            self.pairs[a.data].append(b.data)

    def keep_only(self, sources: set[str]) -> None:
        self.pairs = {k: v for k, v in self.pairs.items() if k in sources}

    def take(self, source: str) -> str | None:
        """The next translation of ``source`` (the last one is kept for repeats)."""
        queue = self.pairs.get(source)
        if not queue:
            return None
        return queue.pop(0) if len(queue) > 1 else queue[0]


class TranslationSeeder:
    def __init__(self, *, report: SeedReport, stdout=None):
        self.report = report
        self.stdout = stdout

    def run(self, root: Path) -> SeedReport:
        courses = content_schema.load_all(root)
        catalogue = (
            CourseIndexPage.objects.child_of(Page.get_first_root_node())
            .filter(locale=Locale.get_default())
            .first()
        )
        if catalogue is not None:
            for language in translated_languages(courses):
                self.language(language, catalogue, courses)
        return self.report

    def language(self, language: str, catalogue, courses) -> None:
        self.locale, _created = Locale.objects.get_or_create(language_code=language)
        # One query per page type: each seeded translation's pk and digest.
        self.existing = {
            key: (pk, digest)
            for model in SEEDED_MODELS
            for key, pk, digest in model.objects.filter(locale=self.locale).values_list(
                "translation_key", "pk", "seed_digest"
            )
        }
        title = CATALOGUE_TITLES.get(language)
        translated = {"slug": f"{CATALOGUE['slug']}-{language}"}
        if title:
            translated["title"] = title
        self.translate(catalogue, CATALOGUE, translated, f"{language}:catalogue")
        for course in courses:
            if (course.path.parent / language / "course.toml").exists():
                self.course(catalogue, course, language)

    def course(self, catalogue, course: content_schema.Course, language: str):
        directory = course.path.parent
        stems = content_translations.check_course_translation(directory, language)
        folder = directory / language
        data = tomllib.loads((folder / "course.toml").read_text(encoding="utf-8"))
        slug = course.data["slug"]
        page = CoursePage.objects.child_of(catalogue).filter(slug=slug).first()
        if page is None:  # removed from the site by an editor
            return
        label = f"{language}:{slug}"
        self.translate(page, course.data, data, label)
        modules = {m.slug: m for m in ModulePage.objects.child_of(page)}
        # check_course_translation made sure the modules match, in order.
        for module, translated in zip(
            course.data["modules"], data["modules"], strict=True
        ):
            if module["slug"] in modules:
                lessons = {
                    stem: (course.lessons[stem].data, folder / f"{stem}.toml")
                    for stem in module["lessons"]
                    if stem in stems
                }
                self.module(modules[module["slug"]], module, translated, lessons, label)

    def module(self, page, module: dict, translated: dict, lessons: dict, label):
        """The module, then each lesson that has a translation file."""
        label = f"{label}/{page.slug}"
        self.translate(page, module, translated, label)
        pages = {p.slug: p for p in LessonPage.objects.child_of(page)}
        for source, path in lessons.values():
            lesson_page = pages.get(source["slug"])
            if lesson_page is not None:
                lesson = content_schema.load_lesson(path)
                self.translate(
                    lesson_page, source, lesson.data, f"{label}/{lesson_page.slug}"
                )

    def translate(self, page: Page, source: dict, translated: dict, label: str):
        """Create or update ``page``'s translation, if a file changed.

        The digest has two halves, the English file's and the translation's.
        When only the English one changed, the translation file is older than
        the change: English strings that are new stay untranslated (shown in
        English, and as waiting for translation in the admin).
        """
        digest = page.seed_digest[:32] + digest_of(translated)[:32]
        pk, current = self.existing.get(page.translation_key, (None, ""))
        if current == digest:
            self.report.unchanged.append(label)
            return
        is_new = pk is None
        if is_new and not self.parent_is_translated(page):
            return
        pairs = StringPairs(source, translated)
        for where in pairs.mismatches:
            self.say(f"Warning: {label}: {where.lstrip('.')} left untranslated")
        if not is_new and current[32:] == digest[32:]:
            pairs.keep_only(english_strings(page))
        translation_source, _created = TranslationSource.update_or_create_from_instance(
            page
        )
        store_strings(translation_source, self.locale, pairs)
        translation, _created = Translation.objects.update_or_create(
            source=translation_source,
            target_locale=self.locale,
            defaults={"enabled": True},
        )
        if is_new:
            # What save_target would do; done first so that the digest goes
            # into the revision that is published.
            pk = page.copy_for_translation(self.locale).pk
        type(page).objects.filter(pk=pk).update(seed_digest=digest)
        translation.save_target(publish=False)
        # Published now rather than on commit, as the English seed does.
        type(page).objects.get(pk=pk).latest_revision.publish()
        (self.report.created if is_new else self.report.updated).append(label)
        self.say(f"{'Created' if is_new else 'Updated'} {label}")

    def parent_is_translated(self, page: Page) -> bool:
        """A page whose parent was left untranslated is left so too."""
        parent = page.get_parent()
        return parent.is_root() or parent.has_translation(self.locale)

    def say(self, line: str) -> None:
        if self.stdout is not None:
            self.stdout.write(line + "\n")


def translated_languages(courses: list[content_schema.Course]) -> list[str]:
    """The content languages with a folder in some course, in settings order."""
    found = {
        d.name
        for course in courses
        for d in course.path.parent.iterdir()
        if (d / "course.toml").is_file()
    }
    default = Locale.get_default().language_code
    return [
        code
        for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES
        if code in found and code != default
    ]


def english_strings(page: Page) -> set[str]:
    """The strings of the English page as it was last submitted for translation."""
    return set(
        StringSegment.objects.filter(
            source__object_id=page.translation_key, source__locale_id=page.locale_id
        ).values_list("string__data", flat=True)
    )


def store_strings(source: TranslationSource, locale: Locale, pairs: StringPairs):
    """Save a StringTranslation for every segment of ``source`` with a pair."""
    existing = {
        (t.translation_of_id, t.context_id): t
        for t in StringTranslation.objects.filter(
            locale=locale, context__object_id=source.object_id
        )
    }
    segments = (
        StringSegment.objects.filter(source=source)
        .select_related("string", "context")
        .order_by("order")
    )
    for segment in segments:
        data = pairs.take(segment.string.data)
        key = (segment.string_id, segment.context_id)
        current = existing.get(key)
        if data is None or (current and current.data == data and not current.has_error):
            continue
        if current is None:
            current = StringTranslation(
                translation_of=segment.string, locale=locale, context=segment.context
            )
            existing[key] = current
        current.data = data
        current.translation_type = StringTranslation.TRANSLATION_TYPE_MANUAL
        current.has_error, current.field_error = False, ""
        current.save()  # checks the HTML and links, as the admin editor does
