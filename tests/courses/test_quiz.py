"""The module quiz: a plain form, graded on the server."""

import re

import pytest

from .factories import LessonPageFactory, ModulePageFactory


def quiz_url(module):
    return module.url + "quiz/"


def field_names(content):
    return list(dict.fromkeys(re.findall(r'name="([0-9a-f]{8}-q\d)"', content)))


def all_right(module):
    """Form data answering every question of a tree module right."""
    data = {}
    for question in module.quiz_questions():
        data[question.key] = sorted(question.correct_ids)
    return data


@pytest.fixture
def module(tree):
    return tree.modules[0]


def test_quiz_gathers_every_lesson_question_in_one_plain_form(client, module):
    response = client.get(quiz_url(module))
    content = response.content.decode()
    assert response.status_code == 200
    assert len(field_names(content)) == 9
    assert content.count("<fieldset") == 9
    assert content.count("<legend>") == 9
    assert 'type="radio"' in content and 'type="checkbox"' in content
    assert re.search(r'<form class="quiz" method="post" action="[^"]+/quiz/">', content)
    assert "<script" not in content


def test_quiz_page_never_contains_answers_or_feedback(client, module):
    content = client.get(quiz_url(module)).content.decode()
    assert "Feedback for" not in content
    assert "feedback" not in content.lower()
    assert "is_correct" not in content and "correct" not in content.lower()
    assert "Explanation" not in content
    assert "True feedback" not in content and "False feedback" not in content


def option_order(content, name):
    return re.findall(rf'name="{name}" value="(\w)"', content)


def test_option_order_is_shuffled_per_attempt_with_stable_ids(client, module):
    name = module.quiz_questions()[0].key
    orders = {
        tuple(option_order(client.get(quiz_url(module)).content.decode(), name))
        for _ in range(12)
    }
    assert len(orders) > 1
    assert all(sorted(order) == ["A", "B", "C", "D"] for order in orders)


def test_passing_attempt_shows_score_in_words_feedback_and_explanations(client, module):
    data = all_right(module)
    q1 = module.quiz_questions()[0]
    data[q1.key] = ["A"]  # one wrong answer: 8 of 9
    content = client.post(quiz_url(module), data).content.decode()
    assert "8 of 9 correct — you passed." in content
    assert "Feedback for Option q1A" in content
    assert "Explanation q1" in content
    assert "Not right" in content
    assert f'href="{quiz_url(module)}">Try again' in content


def test_failing_attempt_says_how_many_are_needed(client, module):
    data = {key: ["D"] for key in all_right(module)}
    for question in module.quiz_questions():
        if question.kind == "true_false":
            data[question.key] = ["T"]
    content = client.post(quiz_url(module), data).content.decode()
    assert "0 of 9 correct — you need 7 to pass." in content


def test_multiple_choice_partial_answer_is_marked_wrong(client, module):
    data = all_right(module)
    multi = next(q for q in module.quiz_questions() if q.is_multiple)
    data[multi.key] = ["A"]
    content = client.post(quiz_url(module), data).content.decode()
    assert "8 of 9 correct" in content
    assert "every right answer and no wrong one" in content


def test_missing_answer_shows_the_form_again_with_a_message(client, module):
    data = all_right(module)
    missing = module.quiz_questions()[4]
    del data[missing.key]
    content = client.post(quiz_url(module), data).content.decode()
    assert "Choose an answer to this question." in content
    assert f'href="#q-{missing.key}">Question 5</a>' in content
    assert "correct —" not in content
    assert len(field_names(content)) == 9


def test_invalid_submission_keeps_the_option_order_the_learner_saw(client, module):
    first = client.get(quiz_url(module)).content.decode()
    attempt = re.search(r'name="attempt" value="([^"]+)"', first).group(1)
    name = module.quiz_questions()[0].key
    again = client.post(quiz_url(module), {"attempt": attempt}).content.decode()
    assert option_order(again, name) == option_order(first, name)


def test_an_unknown_option_id_is_refused(client, module):
    data = all_right(module)
    data[module.quiz_questions()[0].key] = ["Z"]
    content = client.post(quiz_url(module), data).content.decode()
    assert "not one of this question" in content
    assert "correct —" not in content


def test_a_question_from_another_quiz_is_refused(client, tree, module):
    data = all_right(module)
    data.update(all_right(tree.modules[1]))
    content = client.post(quiz_url(module), data).content.decode()
    assert "not part of this quiz" in content
    assert "correct —" not in content


def test_retakes_are_unlimited(client, module):
    for _ in range(3):
        response = client.post(quiz_url(module), all_right(module))
        assert "9 of 9 correct — you passed." in response.content.decode()


def test_a_module_without_questions_has_no_quiz(client, tree):
    module = ModulePageFactory(parent=tree.course)
    LessonPageFactory(parent=module, questions=[])
    assert client.get(quiz_url(module)).status_code == 404


def test_quiz_post_needs_the_csrf_token(module):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(quiz_url(module), all_right(module)).status_code == 403
