"""Server-side grading of a quiz: questions in, a checked form and a result out.

Pure functions over plain data: the view, the progress engine and tests all
call the same code, and the browser never sees which answer is right before it
has submitted. Answer keys use the authors' stable ids ("q1", "B"), never the
(translated) answer text.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

ATTEMPT_FIELD = "attempt"
# POST keys that are not answers but belong to the form.
# "event" is the id that makes a resubmitted form count once (progress).
FORM_KEYS = frozenset({ATTEMPT_FIELD, "csrfmiddlewaretoken", "event"})
SEED_SALT = "courses.quiz.attempt"


class Kind(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"
    SCENARIO = "scenario"


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    is_correct: bool
    feedback: str


@dataclass(frozen=True)
class Question:
    """One question as the quiz sees it, built from a lesson's question block."""

    key: str  # the form field name, unique within one quiz
    id: str  # the author's id, unique within its lesson
    kind: Kind
    prompt: str
    options: tuple[Option, ...]
    explanation: str
    scenario: str = ""
    lesson_key: str = ""  # the lesson's translation_key: the same in every language

    @property
    def is_multiple(self) -> bool:
        return self.kind == Kind.MULTIPLE

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(o.id for o in self.options if o.is_correct)


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    chosen: tuple[Option, ...]
    is_correct: bool

    @property
    def chosen_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.chosen)


@dataclass(frozen=True)
class QuizResult:
    results: tuple[QuestionResult, ...]
    pass_mark: int

    @property
    def score(self) -> int:
        return sum(r.is_correct for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def required(self) -> int:
        return required_to_pass(total=self.total, pass_mark=self.pass_mark)

    @property
    def passed(self) -> bool:
        return self.total > 0 and self.score >= self.required


def required_to_pass(*, total: int, pass_mark: int) -> int:
    """The fewest right answers that reach ``pass_mark`` %: ⌈total × mark / 100⌉.

    Integer arithmetic: in floating point 14 / 100 * 50 is 7.000000000000001,
    which would round up to 8.
    """
    return -(-total * pass_mark // 100)


def grade(
    *,
    questions: Sequence[Question],
    answers: Mapping[str, Iterable[str]],
    pass_mark: int,
) -> QuizResult:
    """Score answers that a ``QuizForm`` has already validated.

    ``answers`` maps each question key to the chosen option ids. A multiple
    choice question scores only when exactly its right options are chosen.
    """
    results = []
    for question in questions:
        chosen_ids = set(answers[question.key])
        chosen = tuple(o for o in question.options if o.id in chosen_ids)
        is_correct = chosen_ids == question.correct_ids
        results.append(QuestionResult(question, chosen, is_correct))
    return QuizResult(tuple(results), pass_mark)


def grade_submission(
    *, questions: Sequence[Question], data: Mapping, pass_mark: int
) -> tuple[QuizForm, QuizResult | None]:
    """Check submitted form data and grade it; the result is None if it is invalid.

    An invalid submission (a missing answer, an unknown option or question,
    two answers to a single choice question) is not graded at all; the form
    carries a message for each problem.
    """
    form = QuizForm(questions=questions, data=data)
    if not form.is_valid():
        return form, None
    answers = {q.key: form.cleaned_data[q.key] for q in questions}
    return form, grade(questions=questions, answers=answers, pass_mark=pass_mark)


MESSAGES = {
    "required": _("Choose an answer to this question."),
    "required_multiple": _("Choose at least one answer to this question."),
    "invalid_choice": _(
        "That answer is not one of this question's options. Choose again."
    ),
    "too_many": _("Choose only one answer to this question."),
    "unknown_question": _(
        "The answers include a question that is not part of this quiz. "
        "Nothing was marked: please answer the questions below."
    ),
}


def check_answers(
    *, questions: Sequence[Question], answers: Mapping[str, Sequence[str]]
) -> dict[str, list[str]]:
    """The same checks as ``QuizForm``, without building a form: per question
    key (and ``__all__``) the messages; empty when the answers can be graded.

    For the events API, where a batch may carry many quiz submissions.
    """
    errors: dict[str, list[str]] = {}
    by_key = {q.key: q for q in questions}
    if set(answers) - FORM_KEYS - set(by_key):
        errors["__all__"] = [str(MESSAGES["unknown_question"])]
    for question in questions:
        chosen = list(answers.get(question.key) or [])
        option_ids = {o.id for o in question.options}
        if not chosen:
            key = "required_multiple" if question.is_multiple else "required"
            errors[question.key] = [str(MESSAGES[key])]
        elif not set(chosen) <= option_ids:
            errors[question.key] = [str(MESSAGES["invalid_choice"])]
        elif len(chosen) > 1 and not question.is_multiple:
            errors[question.key] = [str(MESSAGES["too_many"])]
    return errors


def new_seed() -> int:
    return secrets.randbits(32)


class SingleAnswerWidget(forms.RadioSelect):
    """Hands every submitted value to the field, so two answers are an error
    rather than silently the last one."""

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name)


class SingleAnswerField(forms.ChoiceField):
    widget = SingleAnswerWidget

    def to_python(self, value):
        if isinstance(value, list | tuple):
            if len(value) > 1:
                raise forms.ValidationError(self.error_messages["too_many"], "too_many")
            value = value[0] if value else ""
        return super().to_python(value)


class QuizForm(forms.Form):
    """One field per question, named by its key; choices are option ids.

    The option order is shuffled per attempt from a seed carried in a signed
    hidden field, so a form shown again after a validation error keeps the
    order the learner saw. True/false options keep their natural order.
    """

    attempt_field = ATTEMPT_FIELD

    def __init__(
        self, *args, questions: Sequence[Question], seed: int | None = None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        if seed is None:
            seed = self._submitted_seed()
        self.seed = seed
        # Rendered by the template as a hidden input (not a form field, so a
        # tampered value is replaced by a fresh seed rather than echoed back).
        self.signed_seed = signing.dumps(seed, salt=SEED_SALT)
        for question in self.questions:
            self.fields[question.key] = self._field_for(question)

    def _submitted_seed(self) -> int:
        try:
            return int(signing.loads(self.data.get(ATTEMPT_FIELD, ""), salt=SEED_SALT))
        except (signing.BadSignature, TypeError, ValueError):
            return new_seed()

    def ordered_options(self, question: Question) -> list[Option]:
        options = list(question.options)
        if question.kind != Kind.TRUE_FALSE:
            # Not for security: only the order on screen depends on it.
            random.Random(f"{self.seed}:{question.key}").shuffle(options)  # noqa: S311
        return options

    def _field_for(self, question: Question) -> forms.Field:
        choices = [(o.id, o.text) for o in self.ordered_options(question)]
        messages = {
            "required": MESSAGES["required"],
            "invalid_choice": MESSAGES["invalid_choice"],
        }
        if question.is_multiple:
            messages["required"] = MESSAGES["required_multiple"]
            messages["invalid_list"] = messages["invalid_choice"]
            return forms.MultipleChoiceField(
                choices=choices,
                widget=forms.CheckboxSelectMultiple,
                error_messages=messages,
                label=question.prompt,
            )
        messages["too_many"] = MESSAGES["too_many"]
        return SingleAnswerField(
            choices=choices, error_messages=messages, label=question.prompt
        )

    def clean(self):
        unknown = set(self.data) - FORM_KEYS - set(self.fields)
        if unknown:
            raise forms.ValidationError(
                MESSAGES["unknown_question"], code="unknown_question"
            )
        return super().clean()

    def items(self):
        """(question, bound field) pairs in quiz order, for the template."""
        return [(q, self[q.key]) for q in self.questions]
