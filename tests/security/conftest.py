"""The authorization matrix's scene, built once for the module.

Two cohorts on the tiny course: cohort X (trainer X; learner A, and K, an
account trainer X made from a class list) and cohort Y (trainer Y; learner
B). A and B have completed the course and hold certificates. Plus a
reviewer, a superuser, a partner-portal account, a partner API key and a
revoked one, and a device token of A's.

Building it (two certificates rendered) takes seconds, so it is made once,
inside a transaction the module rolls back; each test runs in a savepoint
of its own (pytest-django's ``db``), so a cell that revokes a certificate
leaves the next cell the scene as it was.
"""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import TestCase, override_settings
from django.utils import translation

# Names, emails and usernames no page shows by accident: a body check looks
# for them in what every other role receives.
PEOPLE = {
    "a": ("zawadi-unique-a", "Zawadi Unique-A", "zawadi.unique-a@example.org"),
    "b": ("nadia-unique-b", "Nadia Unique-B", "nadia.unique-b@example.org"),
}
K_NAME = "Kito Bulkmade-K"
PASSWORD = "a-long-Pass-phrase-42"


@dataclass
class Scene:
    users: dict = field(default_factory=dict)  # role → User
    ids: dict = field(default_factory=dict)  # placeholder → value, for URLs
    # learner letter → strings that identify that learner's data
    marks: dict = field(default_factory=dict)
    partner_token: str = ""
    revoked_token: str = ""
    device_token: str = ""


def _user(model, username, name, email="", **flags):
    return model.objects.create_user(
        username, email=email, password=PASSWORD, name=name, **flags
    )


def _build() -> Scene:
    from wagtail.documents.models import Document

    from accounts.api import PARTNER_GROUP
    from accounts.models import User
    from certificates import partners
    from certificates.models import Certificate, PartnerKey
    from courses import api as courses_api
    from courses.models import CoursePage, LessonPage, ModulePage
    from progress import api as progress_api
    from progress import tokens
    from progress.models import Organisation
    from tests.certificates.conftest import complete
    from tests.conftest import FIXTURE_CONTENT

    scene = Scene()
    courses_api.seed_courses(root=FIXTURE_CONTENT)
    course = CoursePage.objects.get(slug="tiny-course")
    lesson = LessonPage.objects.descendant_of(course).live().first()
    module = ModulePage.objects.child_of(course).live().first()
    # Unpublished below: its page id must answer 404.
    draft = LessonPage.objects.descendant_of(course).live().last()

    users = scene.users
    for letter, (username, name, email) in PEOPLE.items():
        users[f"learner_{letter}"] = _user(User, username, name, email)
    for letter in "xy":
        users[f"trainer_{letter}"] = _user(
            User, f"trainer-{letter}", f"Trainer {letter.upper()}", is_staff=True
        )
    users["reviewer"] = _user(User, "reviewer", "Rahul Reviewer", is_staff=True)
    courses_api.make_reviewer(user=users["reviewer"])
    users["admin"] = _user(User, "admin", "Ada Admin", is_staff=True, is_superuser=True)
    users["partner_user"] = _user(User, "registrar", "Registrar of Example")
    users["partner_user"].groups.add(Group.objects.get_or_create(name=PARTNER_GROUP)[0])
    # Trainer X may edit the course in the Wagtail admin; Y only runs a cohort.
    courses_api.grant_course(user=users["trainer_x"], course=course)
    courses_api.setup_authoring()
    users["trainer_y"].groups.add(Group.objects.get(name=courses_api.TRAINER_GROUP))

    organisation = Organisation.objects.create(name="Uni", slug="uni")
    cohorts = {}
    for letter in "xy":
        cohorts[letter] = progress_api.create_cohort(
            organisation=organisation,
            name=f"Cohort {letter.upper()}",
            courses=[course],
            trainer=users[f"trainer_{letter}"],
        )
    progress_api.join_cohort(user=users["learner_a"], code=cohorts["x"].join_code)
    progress_api.join_cohort(user=users["learner_b"], code=cohorts["y"].join_code)
    [(learner_k, _password)] = progress_api.bulk_create_learners(
        cohort=cohorts["x"], csv_text=f"name\n{K_NAME}\n"
    )
    users["learner_k"] = learner_k

    enrolments = {
        letter: complete(
            users[f"learner_{letter}"], course, TestCase.captureOnCommitCallbacks
        )
        for letter in "ab"
    }
    certificates = {
        letter: Certificate.objects.get(user=users[f"learner_{letter}"])
        for letter in "ab"
    }
    _key, scene.partner_token = partners.create_key(organisation="Example Uni")
    revoked, scene.revoked_token = partners.create_key(organisation="Gone Uni")
    partners.revoke_keys(PartnerKey.objects.filter(pk=revoked.pk))
    scene.device_token = tokens.issue_token(user=users["learner_a"], label="phone")

    draft_url = draft.url
    draft.unpublish()
    document = Document.objects.create(
        title="Handout", file=ContentFile(b"A handout.", name="handout.txt")
    )
    scene.ids = {
        "course": course.pk,
        "lesson": lesson.pk,
        "lesson_key": lesson.translation_key,
        "draft": draft.pk,
        "draft_url": draft_url,
        "document": document.pk,
        "course_url": course.url,
        "lesson_url": lesson.url,
        "module_url": module.url,
        "course_key": course.translation_key,
        "status_list": certificates["a"].status_list,
        "user_k": learner_k.pk,
        "user_a": users["learner_a"].pk,
        "user_b": users["learner_b"].pk,
    }
    for letter in "xy":
        scene.ids[f"cohort_{letter}"] = cohorts[letter].pk
    for letter in "ab":
        certificate = certificates[letter]
        scene.ids[f"cert_{letter}"] = certificate.pk
        scene.ids[f"code_{letter}"] = certificate.code
        scene.ids[f"enrol_{letter}"] = enrolments[letter].pk
        username, name, email = PEOPLE[letter]
        scene.marks[letter] = [
            name,
            email,
            username,
            certificate.code,
            str(certificate.pk),
            str(enrolments[letter].pk),
        ]
    scene.marks["k"] = [K_NAME, learner_k.username]
    return scene


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")),
        translation.override("en"),
        transaction.atomic(),
    ):
        yield _build()
        transaction.set_rollback(True)
