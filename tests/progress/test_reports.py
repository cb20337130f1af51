import csv
import io
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from courses.grading import Kind as QuestionKind
from courses.grading import Option, Question
from progress import api, reports
from progress.models import Enrolment, ProgressEvent
from tests.progress.helpers import answers, event, lessons, module

pytestmark = pytest.mark.django_db
Kind = ProgressEvent.Kind
PASSWORD = "a-long-Pass-phrase-42"
WRONG_L1 = {"q1": ["A"], "q2": ["A", "B"]}  # both questions of lesson one wrong


def make_user(username, name="", *groups, **extra):
    user = User.objects.create_user(username, password=PASSWORD, name=name, **extra)
    for group in groups:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def record(user, *events):
    outcomes = api.record_events(user=user, events=list(events))
    assert {o.status for o in outcomes} == {"recorded"}, outcomes


def quiz(course, at, **kwargs):
    quiz_module = module(course)
    return event(
        Kind.QUIZ_SUBMITTED, quiz_module, at=at, answers=answers(quiz_module, **kwargs)
    )


@pytest.fixture
def scene(tiny_course, cohort):
    """Asha completes everything; Ben does lesson one and fails the quiz twice
    (his second, better attempt counts); Chen does nothing; an outsider's
    wrong answers must not count."""
    l1, l2, l3 = lessons(tiny_course)
    start = timezone.now() - timedelta(days=1)
    people = {}
    for username, name in [("asha", "Asha"), ("ben", "أمينة حداد"), ("chen", "=cmd()")]:
        people[username] = make_user(username, name)
        api.join_cohort(user=people[username], code=cohort.join_code)
    record(
        people["asha"],
        *(event(Kind.LESSON_COMPLETED, lesson, at=start) for lesson in (l1, l2, l3)),
        quiz(tiny_course, start + timedelta(hours=1)),
    )
    record(
        people["ben"],
        event(Kind.LESSON_COMPLETED, l1, at=start),
        quiz(tiny_course, start + timedelta(hours=1), l1=WRONG_L1, l2="F"),
        quiz(
            tiny_course, start + timedelta(hours=2), l1={"q1": ["A"], "q2": ["A", "C"]}
        ),
    )
    outsider = make_user("olu", "Olu")
    record(outsider, event(Kind.LESSON_VIEWED, l3, at=start))
    record(outsider, quiz(tiny_course, start, l1=WRONG_L1, l2="F"))
    return people


def test_each_learners_progress(cohort, scene):
    report = api.cohort_report(cohort=cohort)

    rows = {row.username: row for row in report.learners}
    assert report.members == 3
    assert set(rows) == {"asha", "ben", "chen"}
    asha, ben, chen = rows["asha"], rows["ben"], rows["chen"]
    assert (asha.lessons_done, asha.quizzes_passed, asha.percent) == (3, 1, 100)
    assert asha.completed_at is not None
    assert (ben.lessons_done, ben.lessons_total, ben.quizzes_passed) == (1, 3, 0)
    assert (ben.quizzes_total, ben.percent, ben.completed_at) == (1, 25, None)
    assert (chen.lessons_done, chen.percent) == (0, 0)


def test_the_completion_funnel_per_module(cohort, scene):
    first, second = api.cohort_report(cohort=cohort).funnels

    assert first.module_title == "First module"
    assert (first.members, first.started, first.completed_lessons) == (3, 2, 1)
    assert first.passed_quiz == 1
    assert (second.started, second.completed_lessons, second.passed_quiz) == (
        1,
        1,
        None,
    )


def test_item_analysis_reads_each_members_best_attempt(cohort, scene):
    items = api.cohort_report(cohort=cohort).items

    assert [(i.number, i.question.id) for i in items] == [
        (1, "q1"),
        (2, "q2"),
        (3, "q1"),
    ]
    pick_b, pick_ac, true = items
    assert (pick_b.answered, pick_b.correct, pick_b.share_correct) == (2, 1, 50)
    option, times = pick_b.top_wrong
    assert (option.id, option.text, times) == ("A", "A", 1)
    # Ben's first attempt chose B and F, but his best attempt was right there.
    assert (pick_ac.share_correct, pick_ac.top_wrong) == (100, (None, 0))
    assert (true.share_correct, true.top_wrong) == (100, (None, 0))


def test_the_most_chosen_wrong_option_wins_and_ties_go_to_the_first():
    options = tuple(Option(i, f"text {i}", i == "A", "") for i in "ABCD")
    question = Question("k", "q1", QuestionKind.SINGLE, "?", options, "")
    item = reports.ItemStats("Course", "Module", 1, question, 7, 2)

    item.wrong = Counter({"B": 2, "C": 3, "D": 1})
    assert item.top_wrong == (options[2], 3)
    item.wrong = Counter({"D": 2, "B": 2})
    assert item.top_wrong == (options[1], 2)


def test_the_report_takes_as_many_queries_for_many_learners_as_for_few(
    cohort, scene, tiny_course
):
    api.cohort_report(cohort=cohort)  # the course outline is cached from now on
    with CaptureQueriesContext(connection) as few:
        api.cohort_report(cohort=cohort)
    for number in range(12):
        user = make_user(f"extra{number}")
        api.join_cohort(user=user, code=cohort.join_code)
        record(user, event(Kind.LESSON_COMPLETED, lessons(tiny_course)[0]))
        record(user, quiz(tiny_course, timezone.now() - timedelta(minutes=5)))

    with CaptureQueriesContext(connection) as many:
        report = api.cohort_report(cohort=cohort)

    assert report.members == 15
    assert len(many) == len(few) < 20, len(few)


def read_csv(response):
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff"), "Excel needs the byte order mark"
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.mark.parametrize(
    ("table", "header"),
    [
        (
            "learners",
            [
                "Name",
                "Username",
                "Course",
                "Lessons done",
                "Lessons in the course",
                "Quizzes passed",
                "Quizzes in the course",
                "Percent complete",
                "Completed on",
            ],
        ),
        (
            "funnel",
            [
                "Course",
                "Module",
                "Lessons",
                "Learners",
                "Started",
                "Completed all lessons",
                "Passed the quiz",
            ],
        ),
        (
            "items",
            [
                "Course",
                "Module",
                "Question number",
                "Question",
                "Learners who answered",
                "Answered right",
                "Share right (%)",
                "Most-chosen wrong option",
                "Wrong option text",
                "Times chosen",
            ],
        ),
    ],
)
def test_each_table_exports_as_csv_with_its_columns(
    client, cohort, scene, trainer, table, header
):
    client.force_login(trainer)

    response = client.get(f"/en/trainer/cohorts/{cohort.pk}/{table}.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == header
    assert all(len(row) == len(header) for row in rows)
    assert len(rows) == {"learners": 4, "funnel": 3, "items": 4}[table]


def test_the_learners_csv_keeps_scripts_and_defuses_formulas(
    client, cohort, scene, trainer
):
    client.force_login(trainer)

    rows = read_csv(client.get(f"/en/trainer/cohorts/{cohort.pk}/learners.csv"))

    by_username = {row[1]: row for row in rows[1:]}
    assert by_username["ben"][0] == "أمينة حداد"
    assert by_username["chen"][0] == "'=cmd()"
    assert by_username["asha"][3:8] == ["3", "3", "1", "1", "100"]
    completed = Enrolment.objects.get(user=scene["asha"]).completed_at
    assert by_username["asha"][8] == completed.date().isoformat()
    assert by_username["ben"][8] == ""
    items = read_csv(client.get(f"/en/trainer/cohorts/{cohort.pk}/items.csv"))
    assert items[1][4:10] == ["2", "1", "50", "A", "A", "1"]


def test_the_report_page_has_tables_and_labelled_charts(client, cohort, scene, trainer):
    client.force_login(trainer)

    page = client.get(f"/en/trainer/cohorts/{cohort.pk}/").content.decode()

    assert page.count("<svg") == 2
    assert 'role="img" aria-labelledby="chart-funnel"' in page
    assert "First module, started: 2 of 3" in page
    assert "question 1: 50 % right of 2" in page
    assert "best attempt" in page
    assert cohort.display_code in page
    assert "أمينة حداد" in page


def test_charts_grow_from_the_right_in_arabic(client, cohort, scene, trainer):
    client.force_login(trainer)

    page = client.get(f"/ar/trainer/cohorts/{cohort.pk}/").content.decode()

    # "started: 2 of 3" is 67 %: in right-to-left the bar starts at 33 %.
    assert 'class="fill" x="33%"' in page
    assert 'x="100%"' in page


# --- Who may see what ----------------------------------------------------------


def cohort_urls(cohort):
    base = f"/en/trainer/cohorts/{cohort.pk}/"
    return [
        ("get", base),
        ("post", base + "open/"),
        ("get", base + "learners/"),
        ("post", base + "learners/"),
        ("post", base + "password/"),
        ("get", base + "learners.csv"),
        ("get", base + "funnel.csv"),
        ("get", base + "items.csv"),
    ]


@pytest.mark.parametrize("who", ["other trainer", "learner", "staff"])
def test_no_one_but_its_trainers_sees_a_cohort(client, cohort, scene, who):
    user = {
        "other trainer": lambda: make_user("otto", "Otto", "Trainer"),
        "learner": lambda: scene["asha"],
        "staff": lambda: make_user("stan", "Stan", is_staff=True),
    }[who]()
    if who == "other trainer":
        api.create_cohort(
            organisation=cohort.organisation,
            name="Otto's own",
            courses=[api.structure.source_course(cohort.course_uuids[0])],
            trainer=user,
        )
    client.force_login(user)

    for method, url in cohort_urls(cohort):
        response = getattr(client, method)(
            url, {"user": scene["asha"].pk, "is_open": "0"}
        )
        assert response.status_code == 404, (method, url)
    cohort.refresh_from_db()
    assert cohort.is_open


def test_trainer_pages_are_not_found_for_a_learner(client, scene):
    client.force_login(scene["asha"])

    assert client.get("/en/trainer/cohorts/").status_code == 404
    assert client.get("/en/trainer/cohorts/new/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, cohort):
    urls = [("get", "/en/trainer/cohorts/"), ("get", "/en/trainer/cohorts/new/")]
    for method, url in [*urls, *cohort_urls(cohort)]:
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/en/accounts/login/?next=")


def test_a_trainer_sees_only_their_own_cohorts_in_the_list(client, cohort, trainer):
    other = make_user("otto", "Otto", "Trainer")
    api.create_cohort(
        organisation=cohort.organisation,
        name="Otto's own",
        courses=[api.structure.source_course(cohort.course_uuids[0])],
        trainer=other,
    )
    client.force_login(trainer)

    page = client.get("/en/trainer/cohorts/").content.decode()

    assert "Evening" in page and "Otto&#x27;s own" not in page


def test_a_superuser_sees_every_cohort_and_its_report(cohort, scene):
    admin = make_user("root", "Root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)

    assert "Evening" in client.get("/en/trainer/cohorts/").content.decode()
    for method, url in cohort_urls(cohort):
        if method == "get":
            assert client.get(url).status_code == 200, url
