"""Page factories and raw StreamField data for course tests."""

import uuid

import factory
import wagtail_factories

from courses.models import CourseIndexPage, CoursePage, LessonPage, ModulePage


def option(option_id, text, *, correct=False):
    return {
        "id": option_id,
        "text": text,
        "is_correct": correct,
        "feedback": f"Feedback for {text}",
    }


def items(values):
    """ListBlock items in Wagtail's stored format, with ids (as the admin saves
    them; wagtail-localize ignores list items without ids)."""
    return [{"type": "item", "value": v, "id": str(uuid.uuid4())} for v in values]


def choice_question(qid, *, kind="single_choice", correct=("B",), scenario=None):
    value = {
        "id": qid,
        "prompt": f"Prompt {qid}",
        "options": items(
            option(o, f"Option {qid}{o}", correct=o in correct) for o in "ABCD"
        ),
        "explanation": f"Explanation {qid}",
    }
    if scenario is not None:
        value["scenario"] = scenario
    return {"type": kind, "value": value}


def true_false_question(qid, *, is_true=False):
    return {
        "type": "true_false",
        "value": {
            "id": qid,
            "prompt": f"Statement {qid}",
            "is_true": is_true,
            "feedback_true": f"True feedback {qid}",
            "feedback_false": f"False feedback {qid}",
            "explanation": f"Explanation {qid}",
        },
    }


def three_questions():
    """One lesson's worth: single (B), true/false (false), multiple (A+C)."""
    return [
        choice_question("q1"),
        true_false_question("q2"),
        choice_question("q3", kind="multiple_choice", correct=("A", "C")),
    ]


def body(paragraphs=2):
    blocks = [{"type": "heading", "value": "A heading"}]
    blocks += [
        {"type": "paragraph", "value": f"<p>Paragraph {n}</p>"}
        for n in range(paragraphs)
    ]
    return blocks


class CourseIndexPageFactory(wagtail_factories.PageFactory):
    title = "Courses"
    slug = "courses"

    class Meta:
        model = CourseIndexPage


class CoursePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Course {n}")
    slug = factory.Sequence(lambda n: f"course-{n}")
    summary = "A course."
    outcomes = factory.LazyFunction(lambda: [{"type": "outcome", "value": "Do it."}])

    class Meta:
        model = CoursePage


class ModulePageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Module {n}")
    slug = factory.Sequence(lambda n: f"module-{n}")
    summary = "A module."

    class Meta:
        model = ModulePage


class LessonPageFactory(wagtail_factories.PageFactory):
    title = factory.Sequence(lambda n: f"Lesson {n}")
    slug = factory.Sequence(lambda n: f"lesson-{n}")
    objective = "Learn something."
    minutes = 15
    body = factory.LazyFunction(body)
    questions = factory.LazyFunction(three_questions)

    class Meta:
        model = LessonPage
