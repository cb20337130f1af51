"""Property-based fuzzing of every learner- and trainer-facing form.

Hypothesis throws arbitrary text (any script, controls, markup, formulas,
very long, empty), several values for one field and missing fields at each
form through the test client. Whatever comes in, the answer is never a 5xx:
it is a success, or a 4xx, or the form again with a message; and a refused
submission saves nothing (rows are counted before and after).

The quiz grader gets the same treatment as plain functions: unknown option
ids never raise, the score never exceeds the total, passing means reaching
the required score, and the order or repetition of chosen ids changes nothing.

Each property is bounded (max_examples) so the file runs in well under a
minute; the database and the rate-limit cache are shared by the examples of
one test, so each example clears the cache and counts rows itself.
"""

import re
import uuid
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.datastructures import MultiValueDict
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts import names
from accounts.models import User
from courses import grading
from courses.grading import Kind, Option, Question
from progress import api as progress_api
from progress.models import Cohort, CohortMembership, LessonProgress, QuizAttempt
from tests.progress.helpers import lessons, module

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-Pass-phrase-42"
FUZZ = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example","x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "Amina\u202eJuma",
    "\u2066x\u2069",
    "\x00",
    "\x1b[31m",
    "' OR 1=1 --",
    "../../../etc/passwd",
    "%00",
    "${jndi:ldap://x}",
    "{{ 7*7 }}",
    "\ufeff",
    "محمد\u200cرضا",
    "  ",
    "",
    "9" * 40,
]
# Any character a browser can send (no lone surrogates: not encodable).
text = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
    st.sampled_from(HOSTILE),
    st.builds(
        lambda s, n: s * n,
        st.sampled_from(["a", "é", "😀", "<"]),
        st.integers(150, 5000),
    ),
)
# A form field: absent, one value, or several.
value = st.one_of(text, st.lists(text, min_size=2, max_size=3))


def form_data(fields: dict) -> st.SearchStrategy[dict]:
    """Each field missing or given ``value``; plus perhaps an unknown field."""
    return st.fixed_dictionaries(
        {}, optional={name: strategy for name, strategy in fields.items()}
    ).flatmap(
        lambda data: st.one_of(
            st.just(data),
            st.builds(lambda k, v: {**data, k: v}, text.filter(bool), value),
        )
    )


def answered(response) -> str:
    """The response's body; asserts it is no 5xx and a 200 says what is wrong."""
    assert response.status_code < 500, response.status_code
    return response.content.decode(errors="replace")


def has_message(body: str) -> bool:
    return bool(
        re.search(r'class="(errorlist|error|error-summary|messages?)', body)
        or 'role="alert"' in body
    )


def assert_refused(response, data) -> None:
    """A 4xx, or the form again saying what is wrong. An empty POST (no
    browser sends one) may also just show the empty form."""
    if 400 <= response.status_code < 500:
        return
    assert response.status_code == 200, response.status_code
    assert has_message(response.content.decode()) or not data, data


@pytest.fixture(autouse=True)
def _no_rate_limits_between_examples():
    cache.clear()


# --- Learners: sign-up, log-in, profile, deletion ---------------------------


@FUZZ
@given(
    data=form_data(
        {
            "username": value,
            "name": value,
            "email": value,
            "password1": value,
            "password2": value,
        }
    )
)
def test_sign_up_never_fails_and_saves_a_clean_name_or_nothing(db, data):
    cache.clear()
    before = User.objects.count()

    response = Client().post("/en/accounts/signup/", data)

    answered(response)
    if response.status_code == 302:
        assert User.objects.count() == before + 1
        user = User.objects.latest("date_joined")
        assert names.clean_name(user.name) == user.name
    else:
        assert User.objects.count() == before
        assert_refused(response, data)


@FUZZ
@given(data=form_data({"login": value, "password": value, "remember": value}))
def test_log_in_never_fails_and_lets_nobody_in_by_accident(learner, data):
    cache.clear()
    client = Client()

    response = client.post("/en/accounts/login/", data)

    answered(response)
    assert "_auth_user_id" not in client.session
    assert_refused(response, data)


@FUZZ
@given(
    data=form_data(
        {"name": value, "preferred_language": value, "is_data_saver_on": value}
    )
)
def test_profile_saves_a_clean_name_or_keeps_the_old_one(client, learner, data):
    cache.clear()
    client.force_login(learner)
    old = User.objects.get(pk=learner.pk).name

    response = client.post("/en/accounts/profile/", data)

    answered(response)
    name = User.objects.get(pk=learner.pk).name
    if response.status_code == 302:
        assert names.clean_name(name) == name
    else:
        assert name == old
        assert_refused(response, data)


@FUZZ
@given(data=form_data({"certificates": value, "password": value}))
def test_account_deletion_without_the_password_deletes_nothing(client, learner, data):
    cache.clear()
    client.force_login(learner)

    response = client.post("/en/accounts/delete/", data)

    answered(response)
    assert User.objects.filter(pk=learner.pk).exists()
    assert_refused(response, data)


# --- Learners: join code, lesson complete, quiz -----------------------------


@FUZZ
@given(data=form_data({"code": value}))
def test_a_join_code_never_fails_and_joins_nothing_it_should_not(
    client, learner, cohort, data
):
    cache.clear()
    client.force_login(learner)

    response = client.post("/en/join/", data)

    answered(response)
    assert not CohortMembership.objects.filter(user=learner).exists()
    assert_refused(response, data)


@FUZZ
@given(
    page_id=st.one_of(st.integers(0, 10**30), st.none()),
    data=form_data({"event": value, "next": value}),
)
@example(page_id=None, data={"next": "0"})  # was a 500: "0" read as a URL name
@example(page_id=2**64, data={})  # was a 500: the database driver overflowed
def test_lesson_complete_never_fails_on_ids_events_or_next_urls(
    client, learner, tiny_course, page_id, data
):
    cache.clear()
    client.force_login(learner)
    lesson = lessons(tiny_course)[0]
    before = LessonProgress.objects.count()

    response = client.post(
        f"/en/progress/lessons/{page_id or lesson.pk}/complete/", data
    )

    answered(response)
    if response.status_code == 302:
        # Never sent off-site, whatever "next" said.
        assert response["Location"].startswith("/"), response["Location"]
        assert not response["Location"].startswith("//")
    else:
        assert LessonProgress.objects.count() == before


@pytest.fixture
def quiz(tiny_course):
    return module(tiny_course)


def quiz_answers(quiz_module) -> st.SearchStrategy[dict]:
    """Real and made-up question keys, real and made-up option ids, repeated."""
    questions = quiz_module.quiz_questions()
    keys = [q.key for q in questions]
    ids = sorted({o.id for q in questions for o in q.options})
    chosen = st.lists(st.one_of(st.sampled_from(ids), text), max_size=4)
    key = st.one_of(st.sampled_from(keys), st.sampled_from(keys), text.filter(bool))
    return st.dictionaries(key, chosen, max_size=len(keys) + 2)


@FUZZ
@given(data=st.data())
def test_quiz_answers_are_graded_exactly_when_they_are_valid(
    client, learner, quiz, data
):
    answers = data.draw(quiz_answers(quiz))
    cache.clear()
    client.force_login(learner)
    before = QuizAttempt.objects.filter(user=learner).count()

    response = client.post(quiz.url + "quiz/", answers)

    answered(response)
    errors = grading.check_answers(questions=quiz.quiz_questions(), answers=answers)
    recorded = QuizAttempt.objects.filter(user=learner).count() - before
    assert recorded == (0 if errors else 1), (answers, errors)
    if errors:
        assert_refused(response, answers)


# --- Trainers: class lists, cohorts --------------------------------------------


COLUMNS = ["name", "username", "email", "preferred_language", "NAME", "x"]
csv_cell = st.one_of(text.map(lambda t: t.replace("\n", " ")), st.just(""))


@st.composite
def class_lists(draw):
    if draw(st.booleans()):
        return draw(text)  # not a CSV at all, perhaps
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    header = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=4))
    rows = draw(st.lists(st.lists(csv_cell, max_size=5), max_size=5))
    lines = [header] + rows
    return "\n".join(delimiter.join(f'"{c}"' for c in line) for line in lines)


@FUZZ
@given(csv_text=class_lists())
def test_a_class_list_makes_every_account_or_none(client, trainer, cohort, csv_text):
    cache.clear()
    client.force_login(trainer)
    users = User.objects.count()

    response = client.post(
        f"/en/trainer/cohorts/{cohort.pk}/learners/",
        {"csv_text": csv_text, "batch": str(uuid.uuid4())},
    )

    body = answered(response)
    made = User.objects.count() - users
    members = CohortMembership.objects.filter(cohort=cohort, is_bulk_created=True)
    assert members.count() == made  # every account is in the cohort, no orphan
    if made:
        assert len(re.findall(r'<td class="code"', body)) >= made
        for user in User.objects.order_by("-pk")[:made]:
            assert names.clean_name(user.name) == user.name
    else:
        assert has_message(body)
    members.delete()  # the next example starts from an empty cohort


@FUZZ
@given(
    data=st.data(),
    fields=form_data({"name": value, "organisation": value, "new_organisation": value}),
)
def test_cohort_creation_makes_one_cohort_or_none(
    client, trainer, tiny_course, data, fields
):
    courses = data.draw(
        st.one_of(
            value,
            st.just(str(tiny_course.translation_key)),
            st.just([str(tiny_course.translation_key), "x"]),
        )
    )
    cache.clear()
    client.force_login(trainer)
    before = Cohort.objects.count()

    response = client.post("/en/trainer/cohorts/new/", {**fields, "courses": courses})

    answered(response)
    created = Cohort.objects.count() - before
    if response.status_code == 302:
        assert created == 1
    else:
        assert created == 0
        assert_refused(response, fields)


@settings(FUZZ, max_examples=6)  # each issue signs a credential: slow
@given(
    data=st.data(),
    fields=form_data({"user": value, "course": value, "name": value, "reason": value}),
)
def test_the_trainers_certificate_forms_never_fail(
    client, trainer, cohort, learner, django_capture_on_commit_callbacks, data, fields
):
    from certificates import api as certificates_api
    from certificates.models import Certificate
    from progress.models import Enrolment

    action = data.draw(st.sampled_from(["issue", "reissue", "revoke"]))
    cache.clear()
    client.force_login(trainer)
    progress_api.join_cohort(user=learner, code=cohort.join_code)
    certificate = Certificate.objects.filter(status="valid").first()
    if certificate is None:
        with django_capture_on_commit_callbacks(execute=False):
            certificate = certificates_api.issue_certificate(
                enrolment=Enrolment.objects.get(user=learner), issued_by=trainer
            )
    before = Certificate.objects.count()
    if action == "issue":
        url = f"/en/trainer/cohorts/{cohort.pk}/certificates/issue/"
    else:
        url = f"/en/certificates/{certificate.pk}/{action}/"

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, fields)

    answered(response)
    assert Certificate.objects.count() - before in (0, 1)
    for made in Certificate.objects.all():
        assert names.clean_name(made.name) == made.name


# --- The public verify page -----------------------------------------------------


@FUZZ
@given(code=value)
def test_the_verify_page_answers_any_code_with_a_page(db, code):
    cache.clear()
    client = Client()

    typed = client.post("/verify/", {"code": code})
    single = code[0] if isinstance(code, list) else code
    followed = client.get(f"/verify/{quote(single, safe='')}/") if single else None

    answered(typed)
    assert typed.status_code in (200, 302, 400, 404, 429)
    if followed is not None:
        answered(followed)


# --- The quiz grader --------------------------------------------------------------

option_ids = st.sampled_from(list("ABCDEFT"))


@st.composite
def questions(draw):
    count = draw(st.integers(0, 6))
    made = []
    for number in range(count):
        kind = draw(st.sampled_from(list(Kind)))
        ids = draw(st.lists(option_ids, min_size=1, max_size=5, unique=True))
        correct = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
        if kind != Kind.MULTIPLE:
            correct = correct[:1]
        options = tuple(Option(i, f"option {i}", i in correct, "") for i in ids)
        made.append(Question(f"k{number}", f"q{number}", kind, "?", options, ""))
    return made


def any_answers(qs):
    """Per question: chosen ids, known or not, in any order, repeated."""
    return st.fixed_dictionaries(
        {q.key: st.lists(st.one_of(option_ids, text), max_size=6) for q in qs}
    )


GRADER = settings(max_examples=60, deadline=None)


@GRADER
@given(data=st.data(), pass_mark=st.integers(0, 100))
def test_the_grader_scores_within_bounds_and_passes_on_the_required_score(
    data, pass_mark
):
    qs = data.draw(questions())
    answers = data.draw(any_answers(qs))

    result = grading.grade(questions=qs, answers=answers, pass_mark=pass_mark)

    assert 0 <= result.score <= result.total == len(qs)
    assert 0 <= result.required <= result.total
    assert result.passed == (result.total > 0 and result.score >= result.required)
    for question_result in result.results:
        known = {o.id for o in question_result.question.options}
        assert set(question_result.chosen_ids) <= known  # unknown ids dropped


@GRADER
@given(data=st.data(), pass_mark=st.integers(0, 100))
def test_the_grader_ignores_order_and_repetition_of_chosen_ids(data, pass_mark):
    qs = data.draw(questions())
    answers = data.draw(any_answers(qs))
    shuffled = {
        key: data.draw(st.permutations(chosen)) + chosen[:1]
        for key, chosen in answers.items()
    }

    first = grading.grade(questions=qs, answers=answers, pass_mark=pass_mark)
    again = grading.grade(questions=qs, answers=shuffled, pass_mark=pass_mark)

    assert [r.is_correct for r in first.results] == [
        r.is_correct for r in again.results
    ]
    assert (first.score, first.passed) == (again.score, again.passed)


@GRADER
@given(total=st.integers(0, 500), pass_mark=st.integers(0, 100))
def test_required_to_pass_is_the_ceiling_of_the_pass_mark(total, pass_mark):
    required = grading.required_to_pass(total=total, pass_mark=pass_mark)

    assert 0 <= required <= total
    assert required * 100 >= total * pass_mark  # enough
    assert required == 0 or (required - 1) * 100 < total * pass_mark  # no more
    if pass_mark < 100:
        assert required <= grading.required_to_pass(
            total=total, pass_mark=pass_mark + 1
        )


@GRADER
@given(data=st.data(), pass_mark=st.integers(0, 100))
def test_a_submission_is_graded_exactly_when_the_form_finds_no_problem(data, pass_mark):
    qs = data.draw(questions())
    keys = st.one_of(st.sampled_from([q.key for q in qs] or ["k0"]), text)
    answers = data.draw(
        st.dictionaries(keys, st.lists(st.one_of(option_ids, text), max_size=4))
    )

    form, result = grading.grade_submission(
        questions=qs, data=MultiValueDict(answers), pass_mark=pass_mark
    )

    problems = grading.check_answers(questions=qs, answers=answers)
    assert (result is None) == bool(problems), (answers, problems, form.errors)
    if result is None:
        assert form.errors
    else:
        assert result.total == len(qs)
