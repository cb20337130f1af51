"""What other apps, commands and tests may call in courses.

Authoring rights follow Wagtail's own model: groups with page permissions on a
subtree, and a moderation workflow on the catalogue. A "Trainer" edits and
submits; a "Reviewer" publishes. Grading of quizzes is in ``courses.grading``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from . import content_schema
from .models import CourseIndexPage, CoursePage
from .seeding import Seeder, SeedReport
from .seeding_translations import TranslationSeeder

TRAINER_GROUP = "Trainer"
REVIEWER_GROUP = "Reviewer"
WORKFLOW_NAME = "Course review"
TASK_NAME = "Reviewer approval"

# Wagtail page permissions (on the wagtailcore.Page content type).
TRAINER_PAGE_PERMISSIONS = ("add_page", "change_page")
REVIEWER_PAGE_PERMISSIONS = (
    "add_page",
    "change_page",
    "publish_page",
    "lock_page",
    "unlock_page",
)
# Images and documents in the root collection, for lessons.
TRAINER_MEDIA_PERMISSIONS = (
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
)
REVIEWER_MEDIA_PERMISSIONS = (
    *TRAINER_MEDIA_PERMISSIONS,
    ("wagtailimages", "change_image"),
    ("wagtaildocs", "change_document"),
)


@transaction.atomic
def setup_authoring() -> Workflow:
    """Create the Trainer and Reviewer groups and the "Course review" workflow.

    Both groups may use the Wagtail admin and upload images and documents.
    Trainers get no page permission here: ``grant_course`` gives each trainer
    their own courses. Reviewers may publish anywhere, and approve the
    workflow's single task. The workflow is assigned to every language's
    catalogue. Safe to call any number of times; returns the workflow.
    """
    _group(TRAINER_GROUP, TRAINER_MEDIA_PERMISSIONS)  # pages: see grant_course
    reviewer = _group(REVIEWER_GROUP, REVIEWER_MEDIA_PERMISSIONS)
    # On the tree root, so that every language's catalogue is covered.
    _grant_pages(reviewer, Page.get_first_root_node(), REVIEWER_PAGE_PERMISSIONS)

    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(reviewer)
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    for catalogue in CourseIndexPage.objects.all():
        WorkflowPage.objects.update_or_create(
            page=catalogue, defaults={"workflow": workflow}
        )
    return workflow


@transaction.atomic
def grant_course(*, user, course: CoursePage) -> Group:
    """Let ``user`` edit ``course`` (every language of it) and nothing else.

    The rights sit on a group of their own, "Trainers of <course slug>", with
    add and edit permissions on the course pages; the user also joins
    "Trainer" for access to the admin. Publishing stays with reviewers: a
    trainer submits changes to the "Course review" workflow.
    """
    translations = course.get_translations(inclusive=True).order_by("pk")
    # Named after the first version of the course, so that granting any of
    # its translations finds the same group.
    name = f"Trainers of {translations.first().slug}"
    group, _created = Group.objects.get_or_create(name=name[:150])
    for translation in translations:
        _grant_pages(group, translation, TRAINER_PAGE_PERMISSIONS)
    user.groups.add(_group(TRAINER_GROUP, TRAINER_MEDIA_PERMISSIONS), group)
    return group


@transaction.atomic
def make_reviewer(*, user) -> None:
    """Put ``user`` in the Reviewer group (creating the authoring set-up if needed)."""
    setup_authoring()
    user.groups.add(Group.objects.get(name=REVIEWER_GROUP))


@transaction.atomic
def seed_courses(
    *, stdout: TextIO | None = None, root: Path = content_schema.CONTENT_DIR
) -> SeedReport:
    """Create or update the demo courses from ``courses/content/``, published.

    Pages are found by slug under their parent in the default locale; a page
    is rewritten (one new revision) only when its file changed, so a second
    run changes nothing. The catalogue becomes the default site's root page,
    and ``setup_authoring`` runs at the end. Pages that are no longer in the
    files are left alone: they may be a trainer's work. Raises
    ``content_schema.ContentError`` if a file is invalid, before or while
    writing (the transaction then writes nothing).

    Then the translations in ``<course>/<lang>/`` folders are seeded through
    wagtail-localize (``seeding_translations``), on the same terms: a
    translated page is rewritten only when its file or its English page's
    file changed, and pages without a translation file are not created.
    """
    report = Seeder(stdout=stdout).run(root)
    TranslationSeeder(report=report, stdout=stdout).run(root)
    setup_authoring()
    return report


def _group(name: str, media_permissions) -> Group:
    group, _created = Group.objects.get_or_create(name=name)
    group.permissions.add(
        Permission.objects.get(
            content_type__app_label="wagtailadmin", codename="access_admin"
        )
    )
    collection = Collection.get_first_root_node()
    for app_label, codename in media_permissions:
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=collection,
            permission=Permission.objects.get(
                content_type__app_label=app_label, codename=codename
            ),
        )
    return group


def _grant_pages(group: Group, page: Page, codenames) -> None:
    for codename in codenames:
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=page,
            permission=Permission.objects.get(
                content_type__app_label="wagtailcore", codename=codename
            ),
        )
