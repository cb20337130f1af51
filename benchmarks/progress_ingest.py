"""Batched progress ingest against its floor, measured in the same run.

Floor: a bare ``bulk_create`` of the same ProgressEvent rows (what storing the
events costs with no validation, de-duplication, state merge, grading or
completion check). Ours: ``progress.api.record_events`` on batches of 100
events, as the offline client sends them. The two take turns, batch by batch.
Prints events/s for both and the ratio (target ≥ 0.5 on PostgreSQL).

Each batch is a new learner's whole tiny course, so each batch completes it
and sends ``course_completed``: by default its receiver runs as in the
learner's request, queueing the certificate issue (give REDIS_URL, as in
production, or the task runs in-process); ``--without-receivers`` leaves it
out, to time the progress engine alone.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pamoja \\
        .venv/bin/python benchmarks/progress_ingest.py [--batches 30]

It creates and destroys its own test database (test_<name>); nothing else is
touched.
"""

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from courses import api as courses_api  # noqa: E402
from courses.models import CoursePage, LessonPage, ModulePage  # noqa: E402
from progress import api  # noqa: E402
from progress.models import ProgressEvent  # noqa: E402
from progress.signals import course_completed  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "content"


def make_batches(lessons, quiz, answers, count, size=100):
    """Realistic batches: views and completions, and about one quiz in ten."""
    rng = random.Random(7)  # noqa: S311 - reproducible load, not security
    start = timezone.now() - timedelta(days=2)
    batches = []
    for _ in range(count):
        batch = []
        for i in range(size):
            at = start + timedelta(seconds=rng.randrange(86_400))
            if i % 10 == 9:
                batch.append(
                    api.Event(
                        uuid.uuid4(),
                        "quiz_submitted",
                        quiz.translation_key,
                        at,
                        answers,
                    )
                )
            else:
                kind = rng.choice(["lesson_viewed", "lesson_completed"])
                lesson = rng.choice(lessons)
                batch.append(api.Event(uuid.uuid4(), kind, lesson.translation_key, at))
        batches.append(batch)
    return batches


def right_answers(quiz):
    return {q.key: sorted(q.correct_ids) for q in quiz.quiz_questions()}


def timed_pairs(floor_fn, ours_fn, floor, ours, users):
    """Seconds spent by the floor and by ours, taking turns batch by batch.

    Taking turns (and who goes first, every other batch) puts both sides under
    the same load from whatever else the machine is doing; timing one side
    after the other let a busy second swing the ratio between 0.5 and 0.95.
    """
    spent = [0.0, 0.0]
    for i, (f, o, user) in enumerate(zip(floor, ours, users, strict=True)):
        turns = [(0, floor_fn, f), (1, ours_fn, o)]
        if i % 2:
            turns.reverse()
        for side, fn, batch in turns:
            started = time.perf_counter()
            fn(batch, user)
            spent[side] += time.perf_counter() - started
    return spent[0], spent[1]


def bulk_create(batch, user, course_key):
    """The floor: store the same rows, nothing else."""
    ProgressEvent.objects.bulk_create(
        ProgressEvent(
            id=e.id,
            user=user,
            kind=e.kind,
            object_key=e.object_key,
            course_key=course_key,
            occurred_at=e.occurred_at,
        )
        for e in batch
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--without-receivers",
        action="store_true",
        help="do not call course_completed's receivers (certificate issuing)",
    )
    args = parser.parse_args()
    receivers = (
        mock.patch.object(course_completed, "send", return_value=[])
        if args.without_receivers
        else contextlib.nullcontext()
    )

    old = setup_databases(verbosity=0, interactive=False)
    try:
        courses_api.seed_courses(root=FIXTURE)
        course = CoursePage.objects.get(slug="tiny-course")
        lessons = list(LessonPage.objects.descendant_of(course).live())
        quiz = ModulePage.objects.descendant_of(course).get(slug="first-module")
        answers = right_answers(quiz)
        ours_rates, floor_rates = [], []
        events = args.batches * 100
        for round_ in range(args.rounds):
            users = [
                User.objects.create(username=f"bench{round_}-{i}", name="B")
                for i in range(args.batches)
            ]
            floor = make_batches(lessons, quiz, answers, args.batches)
            ours = make_batches(lessons, quiz, answers, args.batches)
            with receivers:
                floor_s, ours_s = timed_pairs(
                    lambda b, u: bulk_create(b, u, course.translation_key),
                    lambda b, u: api.record_events(user=u, events=b),
                    floor,
                    ours,
                    users,
                )
            floor_rates.append(events / floor_s)
            ours_rates.append(events / ours_s)
        vendor = connection.vendor
    finally:
        teardown_databases(old, verbosity=0)
        if os.environ.get("REDIS_URL"):
            # The certificate tasks queued for the benchmark's learners.
            from config.celery import app

            app.control.purge()

    floor_rate = statistics.median(floor_rates)
    ours_rate = statistics.median(ours_rates)
    ratio = ours_rate / floor_rate
    print(f"database: {vendor}; {args.rounds} rounds x {args.batches} batches of 100")
    if args.without_receivers:
        print("course_completed receivers: not called")
    print(f"floor  bulk_create of the same rows : {floor_rate:8.0f} events/s")
    print(f"ours   progress.api.record_events   : {ours_rate:8.0f} events/s")
    print(f"ratio  ours / floor                 : {ratio:8.2f}  (target >= 0.5)")


if __name__ == "__main__":
    main()
