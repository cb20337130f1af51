"""Turn the files in ``courses/content/`` into published pages.

Idempotent by construction: every page is found by its slug under its parent,
and rewritten (with a new revision) only when the digest of its file data
changed. Called through ``courses.api.seed_courses``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from wagtail.fields import StreamField
from wagtail.models import Locale, Page, Site

from . import content_schema
from .models import CourseIndexPage, CoursePage, LessonPage, ModulePage

QUESTION_BLOCKS = {
    "single": "single_choice",
    "multiple": "multiple_choice",
    "true_false": "true_false",
    "scenario": "scenario",
}
CATALOGUE = {"title": "Courses", "slug": "courses", "intro": ""}


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


class Seeder:
    def __init__(self, *, stdout: TextIO | None = None):
        self.stdout = stdout
        self.report = SeedReport()

    def run(self, root: Path) -> SeedReport:
        courses = content_schema.load_all(root)
        locale = Locale.get_default()
        catalogue = self.catalogue(locale)
        for course in courses:
            self.course(catalogue, course)
        return self.report

    # --- The tree -------------------------------------------------------

    def catalogue(self, locale: Locale) -> CourseIndexPage:
        tree_root = Page.get_first_root_node()
        page = CourseIndexPage.objects.child_of(tree_root).filter(locale=locale).first()
        if page is None:
            page = self.upsert(
                tree_root, CourseIndexPage, dict(CATALOGUE), "catalogue", locale=locale
            )
        else:
            self.report.unchanged.append("catalogue")
        make_site_root(page)
        return page

    def course(self, catalogue: CourseIndexPage, course: content_schema.Course):
        data = course.data
        slug = data["slug"]
        page = self.upsert(catalogue, CoursePage, course_fields(data), slug)
        for module in data["modules"]:
            label = f"{slug}/{module['slug']}"
            module_page = self.upsert(page, ModulePage, module_fields(module), label)
            lessons = [course.lessons[stem] for stem in module["lessons"]]
            for lesson in lessons:
                fields = lesson_fields(lesson.data)
                self.upsert(
                    module_page, LessonPage, fields, f"{label}/{fields['slug']}"
                )
            order_children(module_page, [lesson.data["slug"] for lesson in lessons])
        order_children(page, [m["slug"] for m in data["modules"]])

    def upsert(self, parent: Page, model, fields: dict, label: str, locale=None):
        """Create, update or keep the page ``fields["slug"]`` under ``parent``."""
        digest = digest_of(fields)
        existing = parent.get_children().filter(slug=fields["slug"]).first()
        if existing is not None and existing.specific_class is not model:
            raise content_schema.ContentError(
                f"{label}: a {existing.specific_class.__name__} already uses this slug"
            )
        page = existing.specific if existing else model(locale=locale or parent.locale)
        if existing and page.seed_digest == digest:
            self.report.unchanged.append(label)
            return page
        for name, value in fields.items():
            setattr(page, name, value)
        page.seed_digest = digest
        validate_streams(page, label)
        if existing is None:
            parent.add_child(instance=page)
        page.save_revision().publish()
        (self.report.updated if existing else self.report.created).append(label)
        self.say(f"{'Updated' if existing else 'Created'} {label}")
        return page

    def say(self, line: str) -> None:
        if self.stdout is not None:
            self.stdout.write(line + "\n")


def digest_of(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()


def validate_streams(page: Page, label: str) -> None:
    """Run the blocks' own validation, as the admin form would.

    Cleaning also converts every block, so list items are then saved in
    Wagtail's current format, with ids: wagtail-localize offers translators
    only list items that have one (option texts, table cells).
    """
    for model_field in page._meta.get_fields():
        if isinstance(model_field, StreamField):
            value = getattr(page, model_field.name)
            try:
                model_field.stream_block.clean(value)
            except ValidationError as exc:
                detail = json.dumps(exc.as_json_data(), ensure_ascii=False)
                raise content_schema.ContentError(
                    f"{label}: {model_field.name}: {detail}"
                ) from exc


def order_children(parent: Page, slugs: list[str]) -> None:
    """Put the seeded children in file order, if an edit of the file moved one."""
    by_slug = {c.slug: c for c in parent.get_children().filter(slug__in=slugs)}
    wanted = [slug for slug in slugs if slug in by_slug]
    if list(by_slug) == wanted:
        return
    for slug in wanted:
        by_slug[slug].move(parent, pos="last-child")


def make_site_root(catalogue: CourseIndexPage) -> None:
    """The catalogue becomes the default site's home; Wagtail's "Welcome" page goes."""
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", root_page=catalogue, is_default_site=True
        )
    elif site.root_page_id != catalogue.pk:
        site.root_page = catalogue
        site.save()
    # Wagtail's initial page: a plain Page with slug "home", nothing below it.
    plain = ContentType.objects.get_for_model(Page)
    welcome = Page.objects.filter(
        depth=2, slug="home", content_type=plain, numchild=0
    ).exclude(sites_rooted_here__isnull=False)
    for page in welcome:
        page.delete()


# --- File data → page fields ----------------------------------------------------


def course_fields(data: dict) -> dict:
    return {
        "title": data["title"],
        "slug": data["slug"],
        "summary": data["summary"],
        "audience": data.get("audience", ""),
        "level": data["level"],
        "estimated_hours": data["estimated_hours"],
        "licence": data["licence"],
        "pass_mark": data["pass_mark"],
        "completion_note": data.get("completion_note", ""),
        "outcomes": [{"type": "outcome", "value": o} for o in data["outcomes"]],
    }


def module_fields(module: dict) -> dict:
    return {
        "title": module["title"],
        "slug": module["slug"],
        "summary": module.get("summary", ""),
    }


def lesson_fields(data: dict) -> dict:
    return {
        "title": data["title"],
        "slug": data["slug"],
        "objective": data["objective"],
        "competencies": data.get("competencies", ""),
        "minutes": data["minutes"],
        "body": [body_block(b) for b in data["body"]],
        "questions": [question_block(q) for q in data.get("questions", [])],
        "sources": [{"type": "source", "value": s} for s in data.get("sources", [])],
    }


def body_block(block: dict) -> dict:
    kind = block["type"]
    value = {
        "heading": lambda: block["text"],
        # The files use only p/ul/ol/li/b/i/a/br: Wagtail's rich text as is.
        "paragraph": lambda: block["html"],
        "callout": lambda: {
            "kind": block["kind"],
            "title": block["title"],
            "text": block["html"],
        },
        "glossary": lambda: {"term": block["term"], "definition": block["definition"]},
        "table": lambda: {
            "caption": block["caption"],
            "header": block["header"],
            "rows": block["rows"],
        },
    }[kind]()
    return {"type": kind, "value": value}


def question_block(question: dict) -> dict:
    options = {o["id"]: o for o in question["options"]}
    if question["kind"] == "true_false":
        value = {
            "id": question["id"],
            "prompt": question["prompt"],
            "is_true": bool(options["T"].get("is_correct")),
            "feedback_true": options["T"]["feedback"],
            "feedback_false": options["F"]["feedback"],
            "explanation": question["explanation"],
        }
    else:
        value = {
            "id": question["id"],
            "prompt": question["prompt"],
            "options": [
                {
                    "id": o["id"],
                    "text": o["text"],
                    "is_correct": bool(o.get("is_correct")),
                    "feedback": o["feedback"],
                }
                for o in question["options"]
            ],
            "explanation": question["explanation"],
        }
        if question["kind"] == "scenario":
            value["scenario"] = question["scenario"]
    return {"type": QUESTION_BLOCKS[question["kind"]], "value": value}
