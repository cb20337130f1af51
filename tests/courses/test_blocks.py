"""Lesson blocks: authoring validation and what translators see."""

import json

import pytest
from django.core.exceptions import ValidationError
from wagtail_localize.segments import StringSegmentValue
from wagtail_localize.segments.extract import extract_segments

from courses import blocks
from courses.models import LessonPage

from .factories import choice_question, option, true_false_question


def clean(block, raw):
    return block.clean(block.to_python(raw))


def messages(exc_info):
    return json.dumps(exc_info.value.as_json_data())


def test_a_single_choice_question_needs_exactly_one_right_answer():
    raw = choice_question("q1", correct=("A", "B"))["value"]
    with pytest.raises(ValidationError) as exc_info:
        clean(blocks.SingleChoiceQuestionBlock(), raw)
    assert "exactly one answer" in messages(exc_info)


def test_a_multiple_choice_question_needs_a_right_answer():
    raw = choice_question("q1", kind="multiple_choice", correct=())["value"]
    with pytest.raises(ValidationError) as exc_info:
        clean(blocks.MultipleChoiceQuestionBlock(), raw)
    assert "at least one answer" in messages(exc_info)


def test_option_ids_must_be_unique():
    raw = choice_question("q1")["value"]
    raw["options"][2]["value"] = option("B", "Again", correct=False)
    with pytest.raises(ValidationError) as exc_info:
        clean(blocks.SingleChoiceQuestionBlock(), raw)
    assert "its own id" in messages(exc_info)


def test_ids_are_short_plain_identifiers():
    raw = choice_question("question one")["value"]
    with pytest.raises(ValidationError):
        clean(blocks.SingleChoiceQuestionBlock(), raw)


def test_question_ids_must_be_unique_in_a_lesson():
    raw = [choice_question("q1"), true_false_question("q1")]
    with pytest.raises(ValidationError):
        clean(blocks.QuestionsBlock(), raw)


def test_valid_questions_clean():
    raw = [
        choice_question("q1"),
        choice_question("q2", kind="multiple_choice", correct=("A", "D")),
        true_false_question("q3"),
        choice_question("q4", kind="scenario", scenario="A case."),
    ]
    assert len(clean(blocks.QuestionsBlock(), raw)) == 4


def test_true_false_options_are_t_and_f_with_translated_labels():
    block = blocks.TrueFalseQuestionBlock()
    value = block.to_python(true_false_question("q2", is_true=True)["value"])
    question = block.to_question(value, key="k-q2", lesson_key="k")
    assert [(o.id, str(o.text), o.is_correct) for o in question.options] == [
        ("T", "True", True),
        ("F", "False", False),
    ]


def test_table_rows_must_match_the_header():
    raw = {"caption": "C", "header": ["a", "b"], "rows": [["1"]]}
    with pytest.raises(ValidationError):
        clean(blocks.TableBlock(), raw)


def test_an_image_needs_alternative_text():
    with pytest.raises(ValidationError):
        clean(blocks.ImageBlock(), {"image": None, "alt": "", "caption": ""})


def test_translators_never_see_question_or_option_ids(tree):
    lesson = LessonPage.objects.get(pk=tree.lessons[0].pk)
    strings = [
        s.string.data
        for s in extract_segments(lesson)
        if isinstance(s, StringSegmentValue)
    ]
    assert "Prompt q1" in strings
    assert "Option q1A" in strings
    assert "Feedback for Option q1A" in strings
    assert not {"q1", "q2", "q3", "A", "B", "C", "D"} & set(strings)
