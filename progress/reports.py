"""Trainer reports for a cohort: where each learner stands, a completion
funnel per module, and how hard each quiz question was.

Numbers come from a few queries per course, whatever the cohort's size: one
each for lesson progress, quiz attempts and enrolments of all members, plus
the course structure. Item analysis reads each member's best attempt per quiz
(the highest score, the earliest among equals): the attempt that counts.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import formats
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from courses.grading import Option, Question

from . import structure
from .models import Cohort, CohortMembership, Enrolment, LessonProgress, QuizAttempt

# A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class LearnerProgress:
    user_id: int
    name: str
    username: str
    course_title: str
    lessons_done: int
    lessons_total: int
    quizzes_passed: int
    quizzes_total: int
    completed_at: datetime | None

    @property
    def percent(self) -> int:
        """The dashboard's percentage: lessons and passed quizzes together."""
        total = self.lessons_total + self.quizzes_total
        done = self.lessons_done + self.quizzes_passed
        return 100 * done // total if total else 0


@dataclass
class ModuleFunnel:
    course_title: str
    module_title: str
    lessons: int
    members: int
    started: int
    completed_lessons: int
    passed_quiz: int | None  # None: the module has no quiz


@dataclass
class ItemStats:
    course_title: str
    module_title: str
    number: int
    question: Question
    answered: int = 0
    correct: int = 0
    wrong: Counter = field(default_factory=Counter)  # option id → times chosen

    @property
    def share_correct(self) -> int | None:
        return round(100 * self.correct / self.answered) if self.answered else None

    @property
    def top_wrong(self) -> tuple[Option | None, int]:
        """The wrong option chosen most often (the first in order on a tie)."""
        options = [o for o in self.question.options if self.wrong[o.id]]
        best = max(options, key=lambda o: self.wrong[o.id], default=None)
        return best, self.wrong[best.id] if best else 0


@dataclass
class CohortReport:
    cohort: Cohort
    members: int
    learners: list[LearnerProgress] = field(default_factory=list)
    funnels: list[ModuleFunnel] = field(default_factory=list)
    items: list[ItemStats] = field(default_factory=list)


def cohort_report(*, cohort: Cohort, locale: Locale | None = None) -> CohortReport:
    """The report on ``cohort``, with titles and questions in ``locale`` where
    the course is translated (the active language by default)."""
    locale = locale or Locale.get_active()
    memberships = list(
        CohortMembership.objects.filter(cohort=cohort)
        .select_related("user")
        .order_by("user__name", "user__username")
    )
    report = CohortReport(cohort, len(memberships))
    for course_key in cohort.course_uuids:
        course = structure.source_course(course_key)
        if course is not None:
            _CourseReport(cohort, course, memberships, locale).add_to(report)
    return report


class _CourseReport:
    """One course's share of a cohort report."""

    def __init__(self, cohort, course, memberships, locale):
        self.course = course
        self.memberships = memberships
        self.outline = course.outline()
        self.quiz_keys = set(structure.requirements(course).quiz_module_keys)
        keys = {course.translation_key} | {m.page.translation_key for m in self.modules}
        self.pages = structure.localized(keys, locale)
        members = CohortMembership.objects.filter(cohort=cohort).values("user_id")
        self.done = defaultdict(set)  # user id → completed lesson keys
        self.touched = defaultdict(set)  # user id → lesson or module keys
        for user_id, lesson_key, state in LessonProgress.objects.filter(
            user__in=members, course_key=course.translation_key
        ).values_list("user_id", "lesson_key", "state"):
            self.touched[user_id].add(lesson_key)
            if state == LessonProgress.State.COMPLETED:
                self.done[user_id].add(lesson_key)
        self.passed: set[tuple[int, uuid.UUID]] = set()  # (user id, module key)
        self.best = self._best_attempts(members)
        self.completed_at = dict(
            Enrolment.objects.filter(
                user__in=members, course_key=course.translation_key
            ).values_list("user_id", "completed_at")
        )

    @property
    def modules(self):
        return self.outline.modules

    def title(self, page) -> str:
        return self.pages.get(page.translation_key, page).title

    def _best_attempts(self, members) -> dict[tuple[int, uuid.UUID], dict]:
        """Each member's best attempt per module; notes every module passed."""
        best: dict[tuple[int, uuid.UUID], dict] = {}
        attempts = QuizAttempt.objects.filter(
            user__in=members, course_key=self.course.translation_key
        ).values(
            "user_id",
            "module_key",
            "score",
            "submitted_at",
            "is_passed",
            "answers",
            "correct",
        )
        for attempt in attempts:
            slot = (attempt["user_id"], attempt["module_key"])
            if attempt["is_passed"]:
                self.passed.add(slot)
            kept = best.get(slot)
            if kept is None or _rank(attempt) < _rank(kept):
                best[slot] = attempt
        return best

    def add_to(self, report: CohortReport) -> None:
        course_title = self.title(self.course)
        lesson_keys = [lesson.translation_key for _m, lesson in self.outline.lessons()]
        for membership in self.memberships:
            user = membership.user
            report.learners.append(
                LearnerProgress(
                    user_id=user.pk,
                    name=user.name,
                    username=user.username,
                    course_title=course_title,
                    lessons_done=len(self.done[user.pk].intersection(lesson_keys)),
                    lessons_total=len(lesson_keys),
                    quizzes_passed=sum(
                        self._passed(user.pk, k) for k in self.quiz_keys
                    ),
                    quizzes_total=len(self.quiz_keys),
                    completed_at=self.completed_at.get(user.pk),
                )
            )
        for module in self.modules:
            report.funnels.append(self._funnel(course_title, module))
            if module.page.translation_key in self.quiz_keys:
                report.items.extend(self._items(course_title, module))

    def _passed(self, user_id, module_key) -> bool:
        return (user_id, module_key) in self.passed

    def _funnel(self, course_title, module) -> ModuleFunnel:
        key = module.page.translation_key
        lessons = {lesson.translation_key for lesson in module.lessons}
        users = [m.user_id for m in self.memberships]
        has_quiz = key in self.quiz_keys
        return ModuleFunnel(
            course_title=course_title,
            module_title=self.title(module.page),
            lessons=len(lessons),
            members=len(users),
            started=sum(
                bool(self.touched[u] & lessons) or (u, key) in self.best for u in users
            ),
            completed_lessons=sum(
                bool(lessons) and lessons <= self.done[u] for u in users
            ),
            passed_quiz=sum(self._passed(u, key) for u in users) if has_quiz else None,
        )

    def _items(self, course_title, module) -> list[ItemStats]:
        key = module.page.translation_key
        page = self.pages.get(key, module.page)
        items = [
            ItemStats(course_title, self.title(module.page), number, question)
            for number, question in enumerate(page.quiz_questions(), start=1)
        ]
        attempts = [a for (_u, k), a in self.best.items() if k == key]
        for item in items:
            question = item.question
            for attempt in attempts:
                if question.key not in attempt["answers"]:
                    continue  # the question was added after this attempt
                item.answered += 1
                if attempt["correct"].get(question.key):
                    item.correct += 1
                    continue
                chosen = set(attempt["answers"][question.key])
                item.wrong.update(chosen - question.correct_ids)
        return items


def _rank(attempt: dict) -> tuple:
    """The best attempt has the highest score, the earliest among equals."""
    return (-attempt["score"], attempt["submitted_at"])


# --- Tables: what the page shows and the CSV files hold ----------------------


@dataclass
class Table:
    slug: str
    caption: str
    headers: list[str]
    rows: list[list]

    def display_rows(self) -> list[list[str]]:
        """Cells as the page shows them: dates in the active language's format."""
        return [[_display(cell) for cell in row] for row in self.rows]


def learners_table(report: CohortReport) -> Table:
    return Table(
        "learners",
        _("Learners"),
        [
            _("Name"),
            _("Username"),
            _("Course"),
            _("Lessons done"),
            _("Lessons in the course"),
            _("Quizzes passed"),
            _("Quizzes in the course"),
            _("Percent complete"),
            _("Completed on"),
        ],
        [
            [
                row.name,
                row.username,
                row.course_title,
                row.lessons_done,
                row.lessons_total,
                row.quizzes_passed,
                row.quizzes_total,
                row.percent,
                row.completed_at.date() if row.completed_at else None,
            ]
            for row in report.learners
        ],
    )


def funnel_table(report: CohortReport) -> Table:
    return Table(
        "funnel",
        _("Completion by module"),
        [
            _("Course"),
            _("Module"),
            _("Lessons"),
            _("Learners"),
            _("Started"),
            _("Completed all lessons"),
            _("Passed the quiz"),
        ],
        [
            [
                row.course_title,
                row.module_title,
                row.lessons,
                row.members,
                row.started,
                row.completed_lessons,
                row.passed_quiz,
            ]
            for row in report.funnels
        ],
    )


def items_table(report: CohortReport) -> Table:
    rows = []
    for item in report.items:
        option, times = item.top_wrong
        rows.append(
            [
                item.course_title,
                item.module_title,
                item.number,
                item.question.prompt,
                item.answered,
                item.correct,
                item.share_correct,
                option.id if option else None,
                option.text if option else None,
                times,
            ]
        )
    return Table(
        "items",
        _("Quiz questions"),
        [
            _("Course"),
            _("Module"),
            _("Question number"),
            _("Question"),
            _("Learners who answered"),
            _("Answered right"),
            _("Share right (%)"),
            _("Most-chosen wrong option"),
            _("Wrong option text"),
            _("Times chosen"),
        ],
        rows,
    )


TABLES = {"learners": learners_table, "funnel": funnel_table, "items": items_table}


def csv_text(table: Table) -> str:
    """The table as CSV, starting with a byte order mark so that Excel reads
    it as UTF-8 (Arabic, Devanagari… names intact)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([str(header) for header in table.headers])
    writer.writerows([_csv_cell(cell) for cell in row] for row in table.rows)
    return out.getvalue()


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    # A learner named "=HYPERLINK(…)" must not become a formula in Excel;
    # any text (lazy translations too) is checked, numbers are left as numbers.
    if not isinstance(value, int | float) and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _display(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)
