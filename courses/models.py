"""The course tree: catalogue → course → module → lesson.

``parent_page_types``/``subpage_types`` keep authors from building a wrong tree.
Learner-facing logic lives on the pages (Wagtail's idiom): the course outline,
a lesson's place in it, the module quiz. Grading itself is in ``grading.py``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.http import content_disposition_header
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Locale, Page, PageViewRestriction
from wagtail.search import index

from config import pagecache, security_headers

from . import grading, images, offline
from .blocks import RICH_TEXT_FEATURES, LessonBodyBlock, QuestionsBlock, SourceBlock

# Namespace of the event ids that lesson pages put in their "Mark complete" form.
LESSON_FORM_EVENTS = uuid.UUID("5b0f3c52-6a57-4d61-9f55-3c1a2b7e9d10")


class SeededPage(Page):
    """Remembers which version of a ``courses/content`` file it was seeded from.

    ``seed_courses`` only rewrites a page when its file changed, so a trainer's
    edits to the demo course survive every ``make run``.
    """

    seed_digest = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    def get_view_restrictions(self):
        # config.routing marks a page it found while no page anywhere had a
        # view restriction: Wagtail's check then costs no query.
        if getattr(self, "_pamoja_no_view_restrictions", False):
            return PageViewRestriction.objects.none()
        return super().get_view_restrictions()


class CourseIndexPage(SeededPage):
    """The catalogue: the site's home page, one per language."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CoursePage"]
    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("course catalogue")
        verbose_name_plural = _("course catalogues")

    @classmethod
    def can_create_at(cls, parent):
        # Only at the top of the tree, and one per language: each locale's
        # catalogue is a translation of the first.
        return (
            super().can_create_at(parent)
            and parent.is_root()
            and cls.objects.count() < Locale.objects.count()
        )

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["courses"] = CoursePage.objects.child_of(self).live().public()
        return context


def untranslated_source(page: Page, request) -> dict | None:
    """Where to read the lessons below ``page`` that are not translated yet.

    Translated pages are created lesson by lesson, so a course may exist in
    a language with some of its lessons only in the source language. Returns
    the source-language page's URL and language, or None when nothing
    is missing (or ``page`` is itself in the source language).
    """
    source = (
        Page.objects.live()
        .select_related("locale")
        .filter(
            translation_key=page.translation_key,
            locale__language_code=settings.LANGUAGE_CODE,
        )
        .exclude(pk=page.pk)
        .first()
    )
    lessons = LessonPage.objects.live()
    if source is None or (
        lessons.descendant_of(source).count() == lessons.descendant_of(page).count()
    ):
        return None
    return {
        "url": source.get_url(request),
        "code": settings.LANGUAGE_CODE,
        "name_local": get_language_info(settings.LANGUAGE_CODE)["name_local"],
    }


class CoursePage(RoutablePageMixin, SeededPage):
    class Level(models.TextChoices):
        BEGINNER = "beginner", _("Beginner")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    summary = models.TextField(_("summary"), help_text=_("One or two plain sentences."))
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER
    )
    estimated_hours = models.PositiveSmallIntegerField(_("estimated hours"), default=1)
    audience = models.CharField(_("audience"), max_length=255, blank=True)
    outcomes = StreamField(
        [("outcome", blocks.CharBlock(label=_("Outcome"), max_length=300))],
        blank=True,
        verbose_name=_("learning outcomes"),
        help_text=_("What a learner can do after the course, one per line."),
    )
    licence = models.CharField(_("licence"), max_length=100, default="CC BY-SA 4.0")
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"),
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Per module quiz: the share of right answers needed to pass."),
    )
    is_auto_enrol = models.BooleanField(
        _("enrol on first visit"),
        default=True,
        help_text=_(
            "Enrol a logged-in learner automatically when they open a lesson. "
            "Otherwise learners press “Enrol” on the course page first."
        ),
    )
    completion_note = models.TextField(
        _("completion note"),
        blank=True,
        help_text=_("Anything else a learner must do to complete the course."),
    )

    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.ModulePage"]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("level"), FieldPanel("estimated_hours")]),
        FieldPanel("audience"),
        FieldPanel("outcomes"),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark"),
                FieldPanel("completion_note"),
                FieldPanel("is_auto_enrol"),
            ],
            heading=_("Completion"),
        ),
        FieldPanel("licence"),
    ]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=1, pass_mark__lte=100),
                name="courses_coursepage_pass_mark_1_100",
            ),
        ]

    def completion_rule(self, *, module_count: int) -> str:
        """The completion rule in words, for learners."""
        if module_count == 0:
            return str(_("To complete this course, finish every lesson."))
        return ngettext(
            "To complete this course, finish every lesson and pass the "
            "%(count)s module quiz with at least %(pass_mark)s %% of the answers "
            "right.",
            "To complete this course, finish every lesson and pass each of the "
            "%(count)s module quizzes with at least %(pass_mark)s %% of the "
            "answers right.",
            module_count,
        ) % {"count": module_count, "pass_mark": self.pass_mark}

    def outline(self, *, include_drafts: bool = False) -> Outline:
        """Modules and their lessons in order: kept in the cache until any
        page is published, unpublished or moved; two queries otherwise."""
        if include_drafts:
            return self._outline(include_drafts=True)
        return pagecache.remembered(f"outline:{self.pk}", self._outline)

    def _outline(self, *, include_drafts: bool = False) -> Outline:
        modules = ModulePage.objects.child_of(self)
        lessons = LessonPage.objects.descendant_of(self).defer_streamfields()
        if not include_drafts:
            modules, lessons = modules.live(), lessons.live()
        entries = [OutlineModule(m, n) for n, m in enumerate(modules, 1)]
        by_path = {entry.page.path: entry for entry in entries}
        for lesson in lessons:
            entry = by_path.get(lesson.path[: -lesson.steplen])
            if entry is not None:
                entry.lessons.append(lesson)
        return Outline(self, entries)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        outline = self.outline()
        context["outline"] = outline
        context["completion_rule"] = self.completion_rule(
            module_count=len(outline.modules)
        )
        context["untranslated_source"] = untranslated_source(self, request)
        context["downloads"] = offline.course_downloads(self, request, outline=outline)
        if request.user.is_authenticated:
            from progress import api as progress_api

            context["status"] = progress_api.course_status(
                user=request.user, course=self
            )
        return context

    @path("download/", name="download")
    def download(self, request):
        """The whole course as one HTML file, to keep, print or share."""
        response = HttpResponse(
            offline.course_file(self, request), content_type="text/html; charset=utf-8"
        )
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=True, filename=f"{self.slug}-{self.locale.language_code}.html"
        )
        return security_headers.allow_own_styles(response)

    @path("offline/", name="offline")
    def offline_manifest(self, request):
        """What the "Download for offline use" button saves (download.js)."""
        return JsonResponse(offline.manifest(self, request))


@dataclass
class OutlineModule:
    page: ModulePage
    number: int
    lessons: list[LessonPage] = field(default_factory=list)
    download_kib: int | None = None  # saved for offline use (courses/offline.py)

    @property
    def minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)


@dataclass
class Outline:
    course: CoursePage
    modules: list[OutlineModule]

    def lessons(self) -> list[tuple[OutlineModule, LessonPage]]:
        return [(m, lesson) for m in self.modules for lesson in m.lessons]

    def module_for(self, page: Page) -> OutlineModule | None:
        return next((m for m in self.modules if m.page.pk == page.pk), None)


class CourseChildPage(SeededPage):
    """A page inside a course: finds its course in one query."""

    class Meta:
        abstract = True

    @cached_property
    def course(self) -> CoursePage | None:
        """Kept in the cache, like the outline, until any page changes."""
        if not self.path:  # previewing a page that was never saved
            return None
        return pagecache.remembered(
            f"course-of:{self.path}",
            lambda: CoursePage.objects.ancestor_of(self).first(),
        )


class ModulePage(RoutablePageMixin, CourseChildPage):
    summary = models.TextField(_("summary"), blank=True)

    parent_page_types = ["courses.CoursePage"]
    subpage_types = ["courses.LessonPage"]
    search_fields = [*Page.search_fields, index.SearchField("summary")]
    content_panels = [*Page.content_panels, FieldPanel("summary")]

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")

    def quiz_questions(self) -> list[grading.Question]:
        """Every question of the module's lessons, in lesson order."""
        if not hasattr(self, "_quiz_questions"):
            lessons = LessonPage.objects.child_of(self).live()
            self._quiz_questions = [q for p in lessons for q in p.quiz_questions()]
        return self._quiz_questions

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        course = self.course
        outline = course.outline() if course else None
        questions = self.quiz_questions()
        context.update(
            course=course,
            outline=outline,
            module=outline.module_for(self) if outline else None,
            question_count=len(questions),
            required_to_pass=grading.required_to_pass(
                total=len(questions), pass_mark=course.pass_mark if course else 70
            ),
            untranslated_source=untranslated_source(self, request),
        )
        return context

    @path("offline/", name="offline")
    def offline_manifest(self, request):
        """What the module's "Download for offline use" button saves."""
        if self.course is None:
            raise Http404
        return JsonResponse(offline.manifest(self, request))

    @path("quiz/", name="quiz")
    def quiz(self, request):
        """The module quiz: GET shows the questions, POST grades them.

        A logged-in learner's graded attempt is recorded by the progress
        engine (which keeps every attempt; the best one counts).
        """
        questions = self.quiz_questions()
        if not questions or self.course is None:
            raise Http404
        if request.method == "POST":
            form, result = grading.grade_submission(
                questions=questions, data=request.POST, pass_mark=self.course.pass_mark
            )
            if result is not None:
                return self.render(
                    request,
                    template="courses/quiz_result.html",
                    context_overrides={
                        "result": result,
                        "best": self._record_attempt(request),
                    },
                )
        else:
            form = grading.QuizForm(questions=questions, seed=grading.new_seed())
        return self.render(
            request,
            template="courses/module_quiz.html",
            context_overrides={"form": form, "event": uuid.uuid4()},
        )

    def _record_attempt(self, request):
        """Record a learner's attempt; return their best one (None if anonymous)."""
        if not request.user.is_authenticated or getattr(request, "is_preview", False):
            return None
        from progress import api as progress_api

        progress_api.record_quiz_submission(
            user=request.user,
            module=self,
            data=request.POST,
            event_id=progress_api.parse_event_id(request.POST.get("event")),
        )
        return progress_api.best_attempt(user=request.user, module=self)


class LessonPage(CourseChildPage):
    objective = models.TextField(
        _("learning objective"), help_text=_("What the learner can do afterwards.")
    )
    competencies = models.CharField(
        _("competencies"),
        max_length=255,
        blank=True,
        help_text=_("The framework competencies this lesson covers."),
    )
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=20)
    body = StreamField(LessonBodyBlock(), verbose_name=_("body"))
    questions = StreamField(
        QuestionsBlock(),
        blank=True,
        verbose_name=_("quiz questions"),
        help_text=_("They make up the module quiz, with the module's other lessons."),
    )
    sources = StreamField(
        [("source", SourceBlock())], blank=True, verbose_name=_("sources")
    )

    parent_page_types = ["courses.ModulePage"]
    subpage_types = []
    search_fields = [
        *Page.search_fields,
        index.SearchField("objective"),
        index.SearchField("body"),
    ]
    content_panels = [
        *Page.content_panels,
        FieldPanel("objective"),
        FieldRowPanel([FieldPanel("minutes"), FieldPanel("competencies")]),
        FieldPanel("body"),
        FieldPanel("sources"),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList([FieldPanel("questions")], heading=_("Quiz questions")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def quiz_questions(self) -> list[grading.Question]:
        # The field name joins the lesson's translation key (the same in every
        # language) to the author's question id, which is unique per lesson only.
        prefix = self.translation_key.hex[:8]
        return [
            child.block.to_question(
                child.value,
                key=f"{prefix}-{child.value['id']}",
                lesson_key=str(self.translation_key),
            )
            for child in self.questions
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["course"] = self.course
        context["nav"] = self.navigation(request)
        context["progress"] = self.learner_progress(request)
        context["lesson_images"] = images.LessonImages.for_request(request)
        return context

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        # Images become placeholders with Save-Data: on (courses/images.py), so
        # a shared cache must keep that variant apart from the normal one.
        patch_vary_headers(response, ["Save-Data"])
        return response

    def learner_progress(self, request) -> dict | None:
        """The learner's state for this lesson; opening it counts as a view.

        The view is recorded once (and enrols the learner if the course
        allows it); later visits cost one query.
        """
        if not request.user.is_authenticated or self.course is None:
            return None
        from progress import api as progress_api

        user, key = request.user, self.translation_key
        state = progress_api.lesson_states(user=user, lesson_keys=[key]).get(key)
        is_enrolled = state is not None or progress_api.is_enrolled(
            user=user, course=self.course
        )
        if state is None and not getattr(request, "is_preview", False):
            if offline.is_offline_copy(request) and (
                is_enrolled or self.course.is_auto_enrol
            ):
                # Saved for offline reading, not read yet: enrolled (so the
                # saved copy can be marked complete), but not viewed.
                progress_api.enrol(user=user, course=self.course)
                is_enrolled = True
            elif is_enrolled or self.course.is_auto_enrol:
                progress_api.record_lesson_viewed(user=user, lesson=self)
                state, is_enrolled = progress_api.VIEWED, True
        return {
            "is_completed": state == progress_api.COMPLETED,
            "is_enrolled": is_enrolled,
            # One id per learner and lesson: a second submission (or the
            # offline replay of the same form) counts once, and the page
            # stays byte-for-byte the same between visits, so it can be
            # answered 304 (config.middleware.StableETagMiddleware).
            "event": uuid.uuid5(LESSON_FORM_EVENTS, f"{user.pk}:{key}"),
        }

    def navigation(self, request) -> LessonNavigation | None:
        """Where this lesson sits in its course, with its neighbours."""
        if self.course is None:
            return None
        outline = self.course.outline(
            include_drafts=getattr(request, "is_preview", False)
        )
        lessons = outline.lessons()
        index_ = next((i for i, (_m, p) in enumerate(lessons) if p.pk == self.pk), None)
        if index_ is None:
            return None
        module = lessons[index_][0]
        number = module.lessons.index(lessons[index_][1]) + 1
        is_last = number == len(module.lessons)
        return LessonNavigation(
            outline=outline,
            module=module,
            number=number,
            previous=lessons[index_ - 1][1] if index_ > 0 else None,
            next=lessons[index_ + 1][1] if index_ + 1 < len(lessons) else None,
            # Only the module's last lesson links to the quiz; ask the other
            # lessons only if this one has no questions of its own.
            quiz_follows=is_last
            and bool(self.questions or module.page.quiz_questions()),
        )


@dataclass
class LessonNavigation:
    outline: Outline
    module: OutlineModule
    number: int
    previous: LessonPage | None
    next: LessonPage | None
    quiz_follows: bool
