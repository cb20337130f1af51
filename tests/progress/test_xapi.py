import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from accounts.models import User
from progress import api, xapi
from progress.models import ProgressEvent
from progress.tokens import issue_token
from tests.progress.helpers import answers, event, lessons, module

pytestmark = pytest.mark.django_db
Kind = ProgressEvent.Kind
URL = "/api/v1/xapi/statements"
BASE = "http://pamoja.example"
VERBS = {
    "http://adlnet.gov/expapi/verbs/experienced",
    "http://adlnet.gov/expapi/verbs/completed",
    "http://adlnet.gov/expapi/verbs/passed",
    "http://adlnet.gov/expapi/verbs/failed",
}
ISO_8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.WAGTAILADMIN_BASE_URL = BASE + "/"


def make_user(username, *groups, **extra):
    user = User.objects.create_user(
        username, password="a-long-Pass-phrase-42", name=username.title(), **extra
    )
    for group in groups:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def history(tiny_course, learner):
    """A view, a completion, a failed and a passed quiz, an hour apart."""
    l1 = lessons(tiny_course)[0]
    quiz = module(tiny_course)
    start = timezone.now() - timedelta(days=1)
    events = [
        event(Kind.LESSON_VIEWED, l1, at=start),
        event(Kind.LESSON_COMPLETED, l1, at=start + timedelta(hours=1)),
        event(
            Kind.QUIZ_SUBMITTED,
            quiz,
            at=start + timedelta(hours=2),
            answers=answers(quiz, l2="F"),
        ),
        event(
            Kind.QUIZ_SUBMITTED,
            quiz,
            at=start + timedelta(hours=3),
            answers=answers(quiz),
        ),
    ]
    assert all(
        o.status == "recorded" for o in api.record_events(user=learner, events=events)
    )
    return events


def check_statement(statement):
    """The shape xAPI 1.0.3 requires of a statement (and what we promise)."""
    assert uuid.UUID(statement["id"])
    assert statement["version"] == "1.0.3"
    actor = statement["actor"]
    assert actor["objectType"] == "Agent"
    assert set(actor) == {"objectType", "account"}, "no name, no mbox"
    assert actor["account"]["homePage"] == BASE
    assert statement["verb"]["id"] in VERBS
    assert statement["verb"]["display"]["en-US"]
    activity = statement["object"]
    assert activity["objectType"] == "Activity"
    assert activity["id"].startswith(BASE + "/xapi/activities/")
    assert activity["definition"]["type"].startswith(
        "http://adlnet.gov/expapi/activities/"
    )
    for moment in (statement["timestamp"], statement["stored"]):
        assert ISO_8601.match(moment), moment
        assert datetime.fromisoformat(moment).tzinfo is not None
    score = statement.get("result", {}).get("score")
    if score:
        assert score["min"] <= score["raw"] <= score["max"]
        assert 0 <= score["scaled"] <= 1


def test_a_learner_exports_their_own_statements(client, learner, history, tiny_course):
    client.force_login(learner)

    response = client.get(URL)

    assert response.status_code == 200
    assert response["X-Experience-API-Version"] == "1.0.3"
    body = response.json()
    assert body["more"] == ""
    statements = body["statements"]
    for statement in statements:
        check_statement(statement)
    assert [s["id"] for s in statements] == [str(e.id) for e in history]
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in statements]
    assert verbs == ["experienced", "completed", "failed", "passed"]
    assert {s["actor"]["account"]["name"] for s in statements} == {str(learner.pk)}
    assert "Asha" not in json.dumps(body)
    lesson = lessons(tiny_course)[0]
    viewed = statements[0]
    assert viewed["object"]["id"] == f"{BASE}/xapi/activities/{lesson.translation_key}"
    assert viewed["object"]["definition"]["name"] == {"en": "Lesson one"}
    assert viewed["context"]["contextActivities"]["grouping"][0]["id"].endswith(
        str(tiny_course.translation_key)
    )
    failed, passed = statements[2]["result"], statements[3]["result"]
    assert failed["score"] == {"raw": 2, "min": 0, "max": 3, "scaled": 0.6667}
    assert (failed["success"], passed["success"]) == (False, True)
    assert passed["score"]["scaled"] == 1
    assert statements[1]["result"] == {"completion": True}
    occurred = history[0].occurred_at.astimezone(UTC)
    assert viewed["timestamp"] == occurred.isoformat(timespec="milliseconds")[:-6] + "Z"


def test_the_offline_clients_token_works_too(learner, history):
    client = Client(headers={"Authorization": f"Bearer {issue_token(user=learner)}"})

    assert len(client.get(URL).json()["statements"]) == 4


def test_pages_follow_more_to_the_end_without_gaps_or_repeats(
    client, learner, tiny_course
):
    l1, l2, l3 = lessons(tiny_course)
    same_time = timezone.now() - timedelta(hours=1)
    events = [event(Kind.LESSON_VIEWED, page, at=same_time) for page in (l1, l2, l3)]
    events += [
        event(Kind.LESSON_COMPLETED, l1, at=same_time - timedelta(minutes=m))
        for m in (1, 2)
    ]
    api.record_events(user=learner, events=events)
    client.force_login(learner)

    seen, url, pages = [], f"{URL}?limit=2", 0
    while url:
        body = client.get(url).json()
        seen += [s["id"] for s in body["statements"]]
        url, pages = body["more"], pages + 1
        if pages == 1:  # an event arriving meanwhile does not shift the pages
            api.record_events(user=learner, events=[event(Kind.LESSON_COMPLETED, l3)])

    expected = sorted(
        ProgressEvent.objects.filter(user=learner),
        key=lambda e: (e.occurred_at, e.id.hex),
    )
    assert seen == [str(e.id) for e in expected]
    assert len(seen) == len(set(seen)) == 6
    assert pages == 3


def test_a_trainer_exports_the_cohorts_statements_only(
    client, trainer, cohort, learner, history, tiny_course
):
    api.join_cohort(user=learner, code=cohort.join_code)
    outsider = make_user("olu")
    api.record_events(
        user=outsider, events=[event(Kind.LESSON_VIEWED, lessons(tiny_course)[0])]
    )
    client.force_login(trainer)

    body = client.get(URL, {"cohort": str(cohort.pk), "limit": 3}).json()

    assert len(body["statements"]) == 3
    assert f"cohort={cohort.pk}" in body["more"]
    rest = client.get(body["more"]).json()
    ids = [s["id"] for s in body["statements"] + rest["statements"]]
    assert ids == [str(e.id) for e in history]
    assert rest["more"] == ""


@pytest.mark.parametrize("who", ["other trainer", "member", "staff"])
def test_no_one_but_its_trainers_exports_a_cohort(
    client, cohort, learner, history, who
):
    api.join_cohort(user=learner, code=cohort.join_code)
    user = {
        "other trainer": lambda: make_user("otto", "Trainer"),
        "member": lambda: learner,
        "staff": lambda: make_user("stan", is_staff=True),
    }[who]()
    client.force_login(user)

    response = client.get(URL, {"cohort": str(cohort.pk)})

    assert response.status_code == 403
    assert "statements" not in response.json()


def test_a_superuser_exports_any_cohort(client, cohort, learner, history):
    api.join_cohort(user=learner, code=cohort.join_code)
    client.force_login(make_user("root", is_staff=True, is_superuser=True))

    assert len(client.get(URL, {"cohort": str(cohort.pk)}).json()["statements"]) == 4


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"cohort": "not-a-uuid"}, 422),
        ({"cohort": str(uuid.uuid4())}, 403),
        ({"cursor": "garbage!"}, 400),
        ({"cursor": "WyIyMDI2LTAxLTAxVDEwOjAwOjAwIiwgIngiXQ"}, 400),
        ({"limit": 501}, 422),
    ],
)
def test_bad_queries_are_refused_not_crashed(client, learner, query, status):
    client.force_login(learner)

    assert client.get(URL, query).status_code == status


def test_anonymous_callers_and_bad_tokens_are_refused(cohort):
    anonymous = Client()
    forged = Client(headers={"Authorization": "Bearer pmj_forged"})

    for client in (anonymous, forged):
        assert client.get(URL).status_code == 401
        assert client.get(URL, {"cohort": str(cohort.pk)}).status_code == 401


def test_a_learner_only_ever_sees_their_own(client, learner, history):
    other = make_user("kofi")
    client.force_login(other)

    assert client.get(URL).json() == {"statements": [], "more": ""}


def test_cursors_round_trip(learner, history):
    recorded = ProgressEvent.objects.get(pk=history[1].id)

    occurred_at, event_id = xapi.decode_cursor(xapi.encode_cursor(recorded))

    assert (occurred_at, event_id) == (recorded.occurred_at, recorded.id)
