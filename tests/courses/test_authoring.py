"""Authoring rights and moderation, tested through the Wagtail admin views."""

import pytest
from django.contrib.auth.models import Group
from wagtail.models import (
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)
from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from courses import api
from courses.models import LessonPage


@pytest.fixture
def trainer(tree, django_user_model):
    api.setup_authoring()
    user = django_user_model.objects.create_user(
        username="trainer", password="x", name="Amina"
    )
    api.grant_course(user=user, course=tree.course)
    return user


@pytest.fixture
def reviewer(tree, django_user_model):
    user = django_user_model.objects.create_user(
        username="reviewer", password="x", name="Rahul"
    )
    api.make_reviewer(user=user)
    return user


def edit_url(page):
    return f"/admin/pages/{page.pk}/edit/"


def test_trainer_opens_the_editor_of_every_page_of_their_course(client, tree, trainer):
    client.force_login(trainer)
    for page in [tree.course, *tree.modules, *tree.lessons]:
        assert client.get(edit_url(page)).status_code == 200


def test_trainer_cannot_edit_another_course(client, tree, trainer):
    client.force_login(trainer)
    other_lesson = LessonPage.objects.descendant_of(tree.other_course).first()
    for page in (tree.other_course, other_lesson, tree.catalogue):
        response = client.get(edit_url(page))
        assert response.status_code in (302, 403)
        assert response.headers.get("Location", "/admin/") == "/admin/"


def test_trainer_cannot_change_another_course_by_posting(client, tree, trainer):
    client.force_login(trainer)
    data = {
        "title": "Hijacked",
        "slug": "course-b",
        "summary": "x",
        "action-submit": "1",
    }
    client.post(edit_url(tree.other_course), data)
    tree.other_course.refresh_from_db()
    assert tree.other_course.title == "Course B"
    assert tree.other_course.latest_revision is None


def test_trainer_may_add_lessons_only_in_their_course(client, tree, trainer):
    client.force_login(trainer)
    own = f"/admin/pages/add/courses/lessonpage/{tree.modules[0].pk}/"
    other_module = tree.other_course.get_children().first()
    other = f"/admin/pages/add/courses/lessonpage/{other_module.pk}/"
    assert client.get(own).status_code == 200
    assert client.get(other).status_code in (302, 403)


def test_trainer_sees_no_publish_button(client, tree, trainer):
    client.force_login(trainer)
    content = client.get(edit_url(tree.modules[0])).content.decode()
    assert 'name="action-publish"' not in content
    assert 'name="action-submit"' in content


def test_a_new_lesson_with_a_quiz_goes_through_review_before_learners_see_it(
    client, tree, trainer, reviewer
):
    module = tree.modules[1]
    client.force_login(trainer)
    data = nested_form_data(
        {
            "title": "Trainer's lesson",
            "slug": "trainers-lesson",
            "objective": "Try things.",
            "minutes": "10",
            "competencies": "",
            "body": streamfield([("paragraph", rich_text("<p>Hello.</p>"))]),
            "questions": streamfield(
                [
                    (
                        "true_false",
                        {
                            "id": "q1",
                            "prompt": "Try is a verb.",
                            "is_true": "on",
                            "feedback_true": "Yes.",
                            "feedback_false": "No.",
                            "explanation": "It is.",
                        },
                    )
                ]
            ),
            "sources": streamfield([]),
            "action-submit": "1",
        }
    )
    response = client.post(f"/admin/pages/add/courses/lessonpage/{module.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    lesson = LessonPage.objects.get(slug="trainers-lesson")
    assert not lesson.live
    state = lesson.current_workflow_state
    assert state.workflow.name == "Course review"
    assert state.current_task_state.task.name == "Reviewer approval"

    client.force_login(reviewer)
    task_state = state.current_task_state
    url = f"/admin/pages/workflow/action/{lesson.pk}/approve/{task_state.pk}/"
    client.post(url, {"comment": ""})
    lesson.refresh_from_db()
    assert lesson.live
    client.logout()
    assert client.get(lesson.url).status_code == 200
    quiz = client.get(module.url + "quiz/").content.decode()
    assert "Try is a verb." in quiz


def test_setup_authoring_is_idempotent(tree):
    api.setup_authoring()

    def counts():
        return [
            m.objects.count()
            for m in (
                Group,
                GroupPagePermission,
                GroupCollectionPermission,
                Workflow,
                WorkflowTask,
                WorkflowPage,
            )
        ]

    before = counts()
    api.setup_authoring()
    assert counts() == before


def test_course_review_workflow_covers_the_catalogue(tree):
    api.setup_authoring()
    assert tree.lessons[0].get_workflow().name == "Course review"
    assert tree.catalogue.get_workflow().name == "Course review"


def test_reviewers_may_publish_and_trainers_may_not(tree, trainer, reviewer):
    assert tree.lessons[0].permissions_for_user(reviewer).can_publish()
    assert tree.lessons[0].permissions_for_user(trainer).can_edit()
    assert not tree.lessons[0].permissions_for_user(trainer).can_publish()


def test_granting_a_course_twice_adds_nothing(tree, trainer):
    before = GroupPagePermission.objects.count()
    api.grant_course(user=trainer, course=tree.course)
    assert GroupPagePermission.objects.count() == before
    assert set(trainer.groups.values_list("name", flat=True)) == {
        "Trainer",
        "Trainers of course-a",
    }


def test_trainer_group_alone_grants_no_page(tree, django_user_model):
    api.setup_authoring()
    user = django_user_model.objects.create_user(username="t2", password="x")
    user.groups.add(Group.objects.get(name="Trainer"))
    assert not Page.objects.get(pk=tree.course.pk).permissions_for_user(user).can_edit()


def test_admin_listings_show_a_trainer_only_their_course(client, tree, trainer):
    client.force_login(trainer)
    lessons = client.get("/admin/lesson_pages/").content.decode()
    assert "Lesson 1.1" in lessons and "Lesson 2.1" in lessons
    other = LessonPage.objects.descendant_of(tree.other_course).first()
    assert other.title not in lessons
    courses = client.get("/admin/course_pages/").content.decode()
    assert "Course A" in courses and "Course B" not in courses
    assert "Beginner" in courses
    assert client.get("/admin/module_pages/").status_code == 200
