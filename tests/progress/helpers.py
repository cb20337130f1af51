import uuid
from datetime import timedelta

from django.utils import timezone

from courses.models import LessonPage, ModulePage
from progress import api

RIGHT = {"q1": ["B"], "q2": ["A", "C"]}


def lessons(course):
    return list(LessonPage.objects.descendant_of(course).live().order_by("path"))


def module(course, slug="first-module"):
    return ModulePage.objects.descendant_of(course).get(slug=slug)


def answers(module_page, *, l1=None, l2="T"):
    """Form data for the first module's quiz: question keys → option ids."""
    keys = {(q.lesson_key, q.id): q.key for q in module_page.quiz_questions()}
    one, two = lessons(module_page.get_parent().specific)[:2]
    data = {}
    for qid, chosen in (l1 or RIGHT).items():
        data[keys[(str(one.translation_key), qid)]] = chosen
    data[keys[(str(two.translation_key), "q1")]] = [l2]
    return data


def event(kind, page, *, at=None, answers=None, event_id=None):
    return api.Event(
        id=event_id or uuid.uuid4(),
        kind=kind,
        object_key=page.translation_key,
        occurred_at=at or timezone.now() - timedelta(minutes=1),
        answers=answers,
    )
