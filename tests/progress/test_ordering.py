"""Property: any stream of events, with duplicates, in any order and any
batching, leaves the same state as the de-duplicated, time-ordered stream."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import User
from progress import api
from progress.models import Enrolment, LessonProgress, QuizAttempt
from tests.progress.helpers import answers, lessons, module

pytestmark = pytest.mark.django_db

BASE = timezone.now() - timedelta(days=1)
# (kind, page index) — pages 0..2 are lessons, "m" is the first module's quiz.
STEPS = (
    [("lesson_viewed", i) for i in range(3)]
    + [("lesson_completed", i) for i in range(3)]
    + [("quiz_pass", "m"), ("quiz_fail", "m")]
)

streams = st.lists(
    st.tuples(st.sampled_from(STEPS), st.integers(min_value=0, max_value=500)),
    min_size=1,
    max_size=14,
)


def build(course, steps):
    pages, quiz = lessons(course), module(course)
    events = []
    for (kind, index), minute in steps:
        at = BASE + timedelta(minutes=minute)
        if kind.startswith("quiz"):
            data = answers(quiz, l2="T" if kind == "quiz_pass" else "F")
            events.append(
                api.Event(
                    uuid.uuid4(), "quiz_submitted", quiz.translation_key, at, data
                )
            )
        else:
            events.append(
                api.Event(uuid.uuid4(), kind, pages[index].translation_key, at)
            )
    return events


def state(user):
    enrolment = Enrolment.objects.get(user=user)
    return {
        "lessons": sorted(
            LessonProgress.objects.filter(user=user).values_list(
                "lesson_key", "state", "viewed_at", "completed_at"
            )
        ),
        "attempts": sorted(
            QuizAttempt.objects.filter(user=user).values_list(
                "module_key", "score", "is_passed", "submitted_at"
            )
        ),
        "completed_at": enrolment.completed_at,
        "last_activity_at": enrolment.last_activity_at,
    }


def renamed(event: api.Event) -> api.Event:
    """The same event for another learner (event ids are global)."""
    return api.Event(
        uuid.uuid5(event.id, "b"),
        event.kind,
        event.object_key,
        event.occurred_at,
        event.answers,
    )


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=streams,
    data=st.data(),
)
def test_duplicates_order_and_batching_never_change_the_final_state(
    tiny_course, steps, data
):
    events = build(tiny_course, steps)
    # The stream as a flaky network delivers it: some events twice, shuffled,
    # cut into batches of random sizes.
    repeated = events + data.draw(st.lists(st.sampled_from(events), max_size=6))
    delivered = data.draw(st.permutations(repeated))
    cuts = sorted(
        data.draw(st.sets(st.integers(1, max(1, len(delivered) - 1)), max_size=4))
    )
    batches = [
        delivered[a:b] for a, b in zip([0, *cuts], [*cuts, len(delivered)], strict=True)
    ]

    messy = User.objects.create(username=f"m{uuid.uuid4().hex[:10]}", name="M")
    clean = User.objects.create(username=f"c{uuid.uuid4().hex[:10]}", name="C")
    for batch in batches:
        if batch:
            api.record_events(user=messy, events=batch)
    for event in sorted(events, key=lambda e: e.occurred_at):
        api.record_events(user=clean, events=[renamed(event)])

    assert state(messy) == state(clean)
