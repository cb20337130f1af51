"""Server-side grading: pure functions over questions and form data."""

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from courses import grading
from courses.grading import Kind, Option, Question


def question(key, kind=Kind.SINGLE, correct=("B",), ids="ABCD"):
    options = tuple(
        Option(i, f"Text {key}{i}", i in correct, f"Feedback {key}{i}") for i in ids
    )
    return Question(key, key, kind, f"Prompt {key}", options, f"Why {key}")


QUIZ = [
    question("single"),
    question("multi", Kind.MULTIPLE, correct=("A", "C")),
    question("tf", Kind.TRUE_FALSE, correct=("F",), ids="TF"),
    question("case", Kind.SCENARIO, correct=("D",)),
]


def post(**answers):
    data = QueryDict(mutable=True)
    for key, values in answers.items():
        data.setlist(key, list(values))
    return data


def submit(**answers):
    return grading.grade_submission(questions=QUIZ, data=post(**answers), pass_mark=70)


ALL_RIGHT = {"single": "B", "multi": "AC", "tf": "F", "case": "D"}


@pytest.mark.parametrize(
    ("total", "required"),
    [(9, 7), (12, 9), (3, 3), (10, 7), (1, 1), (6, 5)],
)
def test_pass_needs_the_ceiling_of_seventy_percent(total, required):
    assert grading.required_to_pass(total=total, pass_mark=70) == required


def test_required_to_pass_does_not_suffer_float_rounding():
    # 14 / 100 * 50 is 7.000000000000001 in floating point: a float ceil says 8.
    assert grading.required_to_pass(total=50, pass_mark=14) == 7
    assert grading.required_to_pass(total=25, pass_mark=28) == 7


def test_every_question_type_scores_when_answered_right():
    form, result = submit(**ALL_RIGHT)
    assert form.is_valid()
    assert [r.is_correct for r in result.results] == [True] * 4
    assert (result.score, result.total, result.passed) == (4, 4, True)


@pytest.mark.parametrize(
    ("key", "wrong"),
    [("single", "A"), ("tf", "T"), ("case", "B")],
)
def test_a_wrong_choice_scores_nothing(key, wrong):
    _form, result = submit(**{**ALL_RIGHT, key: wrong})
    graded = {r.question.key: r for r in result.results}
    assert graded[key].is_correct is False
    assert result.score == 3


@pytest.mark.parametrize("chosen", ["A", "C", "ACD", "ABCD", "AB"])
def test_multiple_choice_scores_only_the_exact_set(chosen):
    _form, result = submit(**{**ALL_RIGHT, "multi": chosen})
    multi = result.results[1]
    assert multi.is_correct is False
    assert multi.chosen_ids == tuple(chosen)


def test_result_carries_feedback_of_chosen_options_and_explanation():
    _form, result = submit(**{**ALL_RIGHT, "multi": "AD"})
    multi = result.results[1]
    assert [o.feedback for o in multi.chosen] == ["Feedback multiA", "Feedback multiD"]
    assert multi.question.explanation == "Why multi"


def test_three_of_four_fails_at_seventy_percent():
    _form, result = submit(**{**ALL_RIGHT, "single": "C"})
    assert (result.score, result.required, result.passed) == (3, 3, True)
    _form, result = submit(**{**ALL_RIGHT, "single": "C", "tf": "T"})
    assert (result.score, result.passed) == (2, False)


def test_a_missing_answer_is_not_graded():
    answers = dict(ALL_RIGHT)
    del answers["tf"]
    form, result = submit(**answers)
    assert result is None
    assert form.errors["tf"] == ["Choose an answer to this question."]


def test_a_missing_multiple_choice_answer_is_not_graded():
    answers = dict(ALL_RIGHT)
    del answers["multi"]
    form, result = submit(**answers)
    assert result is None
    assert form.errors["multi"] == ["Choose at least one answer to this question."]


@pytest.mark.parametrize("key", ["single", "multi", "tf", "case"])
def test_an_unknown_option_id_is_not_graded(key):
    form, result = submit(**{**ALL_RIGHT, key: "Z"})
    assert result is None
    assert form.errors[key] == [
        "That answer is not one of this question's options. Choose again."
    ]


def test_two_answers_to_a_single_choice_question_are_not_graded():
    form, result = submit(**{**ALL_RIGHT, "single": "AB"})
    assert result is None
    assert form.errors["single"] == ["Choose only one answer to this question."]


def test_a_question_from_another_quiz_is_not_graded():
    form, result = submit(**ALL_RIGHT, elsewhere="A")
    assert result is None
    assert "not part of this quiz" in form.non_field_errors()[0]


def test_grade_uses_ids_not_text():
    translated = [
        Question(
            q.key,
            q.id,
            q.kind,
            "Swali",
            tuple(Option(o.id, "Maandishi", o.is_correct, "Maoni") for o in q.options),
            "Kwa nini",
        )
        for q in QUIZ
    ]
    answers = {key: list(value) for key, value in ALL_RIGHT.items()}
    result = grading.grade(questions=translated, answers=answers, pass_mark=70)
    assert result.score == 4


def test_option_order_is_shuffled_per_attempt_but_ids_stay():
    orders = {
        tuple(
            i
            for i, _text in grading.QuizForm(questions=QUIZ, seed=s)
            .fields["single"]
            .choices
        )
        for s in range(20)
    }
    assert len(orders) > 1
    assert all(sorted(order) == list("ABCD") for order in orders)


def test_true_false_keeps_its_natural_order():
    for seed in range(10):
        form = grading.QuizForm(questions=QUIZ, seed=seed)
        assert [i for i, _text in form.fields["tf"].choices] == ["T", "F"]


def test_a_resubmitted_form_keeps_the_order_the_learner_saw():
    shown = grading.QuizForm(questions=QUIZ, seed=12345)
    data = post(**{"single": "B"})
    data["attempt"] = shown.signed_seed
    again = grading.QuizForm(questions=QUIZ, data=data)
    assert again.seed == 12345
    assert again.fields["multi"].choices == shown.fields["multi"].choices


def test_a_tampered_attempt_field_only_changes_the_order():
    data = post(**ALL_RIGHT)
    data["attempt"] = "forged"
    form, result = grading.grade_submission(questions=QUIZ, data=data, pass_mark=70)
    assert result is not None and result.score == 4


answer_values = st.lists(
    st.sampled_from(["A", "B", "C", "D", "T", "F", "Z"]), max_size=3
)


@settings(max_examples=200, deadline=None)
@given(
    answers=st.dictionaries(
        st.sampled_from(["single", "multi", "tf", "case", "other"]), answer_values
    )
)
def test_check_answers_agrees_with_the_quiz_form(answers):
    """The events API checks answers without a form; both must agree."""
    form, result = grading.grade_submission(
        questions=QUIZ, data=post(**answers), pass_mark=70
    )
    errors = grading.check_answers(questions=QUIZ, answers=answers)

    assert (result is not None) == (errors == {})
    assert set(errors) == set(form.errors)
    if result is not None:
        graded = grading.grade(questions=QUIZ, answers=answers, pass_mark=70)
        assert graded.score == result.score
