"""The bounded load run: simulated learners on a phone walk the demo course
for a few minutes against gunicorn (deploy/gunicorn.conf.py, 2 sync workers,
production settings), PostgreSQL, Redis and one live Celery worker that
issues and renders the real certificates.

Each learner (benchmarks/load/locustfile.py, with think time) opens the
dashboard and the course, reads every lesson and marks it complete with the
plain form, takes each module quiz (sometimes failing first), syncs one
module through the offline JSON API (and re-sends that batch), sees the
course completed and downloads its certificate, then re-reads lessons.
As on a real site, learners are spread over the course: one in five starts
at the beginning, the others at module 2 to 5 with the earlier modules done
days ago (recorded through the progress engine before the run), so that
completions and certificates happen within the few minutes of the run.
Learners are logged in with sessions made up front (as the login form leaves
them): 200 logins from one address in seconds is what the login rate limits
are there to stop.

Afterwards, with the Celery queue drained, the database must agree with what
the learners were told: every event they sent recorded (by id), every lesson
they opened viewed, every quiz attempt kept, exactly one valid, rendered
certificate per completed course and none otherwise; no request failed and
no 5xx in gunicorn's log. Prints the figures (requests/s, p50/p95/p99) and
exits non-zero if a check fails.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pamoja \\
    REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python benchmarks/load_learners.py [--users 200] [--seconds 180]

It creates and drops its own database (test_pamoja_load) and uses Redis
database 13 only (flushed before and after); nothing else is touched.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "benchmarks" / "load" / "locustfile.py"
DATABASE = "test_pamoja_load"
REDIS_DB = 13
SECRET = "load-" + "Vb7nQ2xL9mK4pR8tW3yC6dF1gH5jS0zA" * 2
COURSE_SLUG = "ai-literacy-for-everyone"
# Locust's names for the page types the summary reports on their own.
PAGE_TYPES = (
    "dashboard",
    "course",
    "lesson",
    "lesson complete (POST)",
    "quiz",
    "quiz submit (POST)",
    "progress API batch (POST)",
    "certificate PDF",
)

# What the check counts (benchmarks/load_learners.py check()).
COUNTS = (
    "learners",
    "events_sent",
    "events_recorded",
    "in_flight_at_stop",
    "lessons_opened",
    "views_recorded",
    "lesson_completions",
    "quiz_attempts",
    "api_events",
    "api_batches",
    "completed",
    "downloaded",
    "certificates",
    "rendered",
)


@dataclass
class Report:
    users: int
    seconds: int
    figures: dict = field(default_factory=dict)
    by_type: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        f, c = self.figures, self.counts
        out = [
            f"{self.users} simulated learners for {self.seconds} s, think time "
            f"2-6 s; gunicorn {c.get('gunicorn_workers', '?')} sync workers "
            "(production settings), PostgreSQL, Redis, 1 Celery worker",
            f"requests: {f.get('requests', 0):,} in total, "
            f"{f.get('rps', 0):.1f} req/s; failures {f.get('failures', 0)}; "
            f"5xx in gunicorn's log {c.get('http_5xx', '?')}",
            f"latency, all requests: p50 {f.get('p50', 0):.0f} ms, "
            f"p95 {f.get('p95', 0):.0f} ms, p99 {f.get('p99', 0):.0f} ms",
        ]
        for name, row in self.by_type.items():
            out.append(
                f"  {name:28}: {row['count']:6,} requests, p50 {row['p50']:6.0f} "
                f"ms, p95 {row['p95']:6.0f} ms, p99 {row['p99']:6.0f} ms"
            )
        out += [
            f"learners who completed the course: {c.get('completed', 0)} "
            f"(of {self.users}); certificates: {c.get('certificates', 0)} valid, "
            f"{c.get('rendered', 0)} with their PDF; downloaded by learners: "
            f"{c.get('downloaded', 0)}",
            f"events sent by learners (by id): {c.get('events_sent', 0):,}; "
            f"recorded: {c.get('events_recorded', 0):,} (lesson completions "
            f"{c.get('lesson_completions', 0):,}, quiz attempts "
            f"{c.get('quiz_attempts', 0):,}, API events {c.get('api_events', 0):,} "
            f"in {c.get('api_batches', 0):,} batches, each re-sent)",
            f"lessons opened: {c.get('lessons_opened', 0):,}; views recorded: "
            f"{c.get('views_recorded', 0):,}; recorded for requests in flight "
            f"when locust stopped: {c.get('in_flight_at_stop', 0)}; queue drained "
            f"in {c.get('drain_seconds', 0):.0f} s",
        ]
        out += [f"CHECK FAILED: {problem}" for problem in self.problems] or [
            "all checks passed"
        ]
        return out


# --- The run ------------------------------------------------------------------


_STARTED = time.monotonic()


def _progress(message: str) -> None:
    """What the run is doing, on stderr (the summary goes to stdout)."""
    print(f"[{time.monotonic() - _STARTED:5.0f} s] {message}", file=sys.stderr)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _psql(database_url: str, statement: str) -> None:
    import psycopg

    with psycopg.connect(_with_path(database_url, "/postgres"), autocommit=True) as c:
        c.execute(statement)


def _flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _start(argv: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own commands
            argv,
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_up(process: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[:4]} exited: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within 120 s; see {log}")


def _helper(mode: str, env: dict, *args: str) -> dict:
    """This file in a child process with the servers' settings (see below)."""
    done = subprocess.run(  # noqa: S603 - this script
        [sys.executable, __file__, mode, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if done.returncode:
        raise RuntimeError(f"{mode} failed:\n{done.stdout}\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(
    *,
    users: int = 200,
    seconds: int = 180,
    database_url: str | None = None,
    redis_url: str | None = None,
    gunicorn_workers: int = 2,
    spawn_rate: int = 20,
) -> Report:
    """Run the load scenario end to end; the report carries every failed check."""
    database_url = database_url or os.environ["DATABASE_URL"]
    redis_url = _with_path(redis_url or os.environ["REDIS_URL"], f"/{REDIS_DB}")
    report = Report(users=users, seconds=seconds)
    report.counts["gunicorn_workers"] = gunicorn_workers
    work = Path(tempfile.mkdtemp(prefix="pamoja-load-"))
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_BASE_URL": f"http://127.0.0.1:{port}",
        # Loopback without nginx: plain HTTP, no X-Forwarded-Proto.
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": _with_path(database_url, f"/{DATABASE}"),
        "REDIS_URL": redis_url,
        "DJANGO_STATIC_ROOT": str(work / "static"),
        "DJANGO_MEDIA_ROOT": str(work / "media"),
        "PAMOJA_KEY_DIR": str(work / "keys"),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "XDG_CACHE_HOME": str(work / "cache"),
        "GUNICORN_WORKERS": str(gunicorn_workers),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
    processes: list[subprocess.Popen] = []
    _psql(database_url, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    _psql(database_url, f"CREATE DATABASE {DATABASE}")
    _flush_redis(redis_url)
    try:
        # Static files (compressed, hashed) while the database is filled.
        static = _start(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            env,
            work / "collectstatic.log",
        )
        processes.append(static)
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=900,
        )
        _progress("migrated")
        facts_path, results_path = work / "facts.json", work / "results.json"
        _helper("--prepare", env, str(facts_path), str(users))
        _progress(f"courses seeded, {users} learners enrolled")
        if static.wait(timeout=900):
            raise RuntimeError(f"collectstatic failed; see {work}/collectstatic.log")
        _progress("static files collected")

        web_log, worker_log = work / "gunicorn.log", work / "worker.log"
        web = _start(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "config.wsgi",
            ],
            env,
            web_log,
        )
        processes.append(web)
        _wait_up(web, f"http://127.0.0.1:{port}/healthz", web_log)
        # As after a deploy's first visitors: each worker has loaded the code
        # and the signing keys and has the course outline in the cache.
        facts = json.loads(facts_path.read_text())
        for path in (
            "/healthz",
            facts["course"],
            facts["modules"][0]["lessons"][0]["url"],
        ) * 2:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60)  # noqa: S310
        worker = _start(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--loglevel=INFO",
                "--pool=prefork",
                "--concurrency=1",
                "--max-tasks-per-child=500",
                "--time-limit=600",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"load-{os.getpid()}@%h",
            ],
            env,
            worker_log,
        )
        processes.append(worker)

        _progress(f"gunicorn and the worker up; locust runs for {seconds} s")
        locust = subprocess.run(  # noqa: S603 - locust, our scenario
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(spawn_rate),
                "-t",
                f"{seconds}s",
                "--stop-timeout",
                "60",
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(work / "load"),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--logfile",
                str(work / "locust.log"),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                "LOAD_FACTS": str(facts_path),
                "LOAD_RESULTS": str(results_path),
            },
            capture_output=True,
            text=True,
            check=False,
            timeout=seconds + 300,
        )
        _read_stats(work / "load_stats.csv", report)
        if not results_path.exists():
            report.problems.append(
                f"locust wrote no results (exit {locust.returncode}):\n"
                + locust.stderr[-3000:]
            )
            return report
        _progress("locust done; draining the queue and checking")
        checked = _helper("--check", env, str(facts_path), str(results_path))
        report.counts.update(checked["counts"])
        report.problems += checked["problems"]
        statuses = Counter(
            int(m.group(1))
            for m in re.finditer(r'" (\d{3}) ', web_log.read_text(errors="replace"))
        )
        report.counts["http_5xx"] = sum(n for s, n in statuses.items() if s >= 500)
        if report.counts["http_5xx"]:
            report.problems.append(f"gunicorn answered 5xx: {dict(statuses)}")
        if report.figures.get("failures"):
            failures = (work / "load_failures.csv").read_text()
            report.problems.append(f"locust counted failed requests:\n{failures}")
        for problem in _log_errors(web_log, worker_log):
            report.problems.append(problem)
    finally:
        for process in processes:
            _stop(process)
        _flush_redis(redis_url)
        _psql(database_url, f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        if report.ok:
            shutil.rmtree(work, ignore_errors=True)
        else:
            report.problems.append(f"logs and CSVs kept in {work}")
    return report


def _read_stats(path: Path, report: Report) -> None:
    if not path.exists():
        report.problems.append("locust wrote no statistics")
        return
    for row in csv.DictReader(path.open()):
        figures = {
            "count": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "rps": float(row["Requests/s"]),
            "p50": float(row["50%"] or 0),
            "p95": float(row["95%"] or 0),
            "p99": float(row["99%"] or 0),
        }
        if row["Name"] == "Aggregated":
            report.figures.update(
                requests=figures["count"],
                failures=figures["failures"],
                rps=figures["rps"],
                p50=figures["p50"],
                p95=figures["p95"],
                p99=figures["p99"],
            )
        elif row["Name"] in PAGE_TYPES:
            report.by_type[row["Name"]] = figures
    report.by_type = {n: report.by_type[n] for n in PAGE_TYPES if n in report.by_type}


def _log_errors(*logs: Path) -> list[str]:
    """Tracebacks and failed tasks in the servers' own logs."""
    problems = []
    for log in logs:
        text = log.read_text(errors="replace")
        for marker in ("Traceback (most recent call last)", "raised unexpected"):
            if marker in text:
                at = text.index(marker)
                problems.append(f"{log.name} has an error:\n{text[at : at + 3000]}")
                break
    return problems


# --- In a child process, with the servers' settings -----------------------------


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def prepare(facts_path: str, users: int) -> dict:
    """Seed the demo courses; create and enrol the learners, each with a
    logged-in session (as the login form leaves it); write what the
    simulated learners need to know, including the right quiz answers."""
    _setup_django()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import User
    from courses import api as courses_api
    from courses.models import CoursePage
    from progress.models import Enrolment, ProgressEvent

    courses_api.seed_courses()
    course = CoursePage.objects.get(slug=COURSE_SLUG, locale__language_code="en")
    # One real password hash for all: hashing 200 times would only be slow.
    password = make_password("a-long-Pass-phrase-42")
    User.objects.bulk_create(
        User(
            username=f"load-{n:04d}",
            name=f"Learner {n:04d} Mwangi",
            password=password,
        )
        for n in range(users)
    )
    Enrolment.objects.bulk_create(
        Enrolment(user=user, course_key=course.translation_key)
        for user in User.objects.filter(username__startswith="load-")
    )
    outline = course.outline().modules
    learners = []
    users_ = User.objects.filter(username__startswith="load-").order_by("username")
    for n, user in enumerate(users_):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        # At any moment learners are spread over a course: one in five starts
        # at the beginning, the others at module 2 to 5, having done the
        # earlier ones (recorded as the offline client would, days ago).
        start = n % len(outline)
        history = _history(user, outline[:start])
        learners.append(
            {
                "username": user.username,
                "session": session.session_key,
                "start": start,
                "history": [str(e.id) for e in history],
                "done_before": [
                    str(e.object_key)
                    for e in history
                    if e.kind == ProgressEvent.Kind.LESSON_COMPLETED
                ],
            }
        )
    modules = []
    for module in outline:
        questions = module.page.quiz_questions()
        modules.append(
            {
                "title": module.page.title,
                "key": str(module.page.translation_key),
                "quiz": module.page.url + module.page.reverse_subpage("quiz"),
                "lessons": [
                    {"url": p.url, "key": str(p.translation_key), "title": p.title}
                    for p in module.lessons
                ],
                "right": {q.key: sorted(q.correct_ids) for q in questions},
                "wrong": {q.key: _wrong_choice(q) for q in questions},
            }
        )
    facts = {
        "course": course.url,
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "learners": learners,
        "modules": modules,
    }
    Path(facts_path).write_text(json.dumps(facts, indent=1))
    return {"learners": len(learners), "modules": len(modules)}


def _history(user, modules) -> list:
    """Every lesson of ``modules`` completed and every quiz passed, 3 days ago."""
    from django.utils import timezone

    from progress import api as progress_api
    from progress.models import ProgressEvent

    at = timezone.now() - timedelta(days=3)
    events = []
    for module in modules:
        events += [
            progress_api.Event(
                id=uuid.uuid4(),
                kind=ProgressEvent.Kind.LESSON_COMPLETED,
                object_key=lesson.translation_key,
                occurred_at=at,
            )
            for lesson in module.lessons
        ]
        events.append(
            progress_api.Event(
                id=uuid.uuid4(),
                kind=ProgressEvent.Kind.QUIZ_SUBMITTED,
                object_key=module.page.translation_key,
                occurred_at=at,
                answers={
                    q.key: sorted(q.correct_ids) for q in module.page.quiz_questions()
                },
            )
        )
    if events:
        outcomes = progress_api.record_events(user=user, events=events)
        assert all(o.status == "recorded" for o in outcomes), outcomes  # noqa: S101
    return events


def _wrong_choice(question) -> list[str]:
    wrong = [o.id for o in question.options if not o.is_correct]
    return wrong[:1] or sorted(question.correct_ids)[:-1] or [question.options[0].id]


def check(facts_path: str, results_path: str) -> dict:
    """Wait for the Celery queue to drain, then compare the database with
    what each simulated learner was told."""
    _setup_django()
    import redis
    from django.conf import settings
    from django.core.files.storage import default_storage

    from certificates.models import Certificate
    from progress.models import Enrolment, LessonProgress, ProgressEvent, QuizAttempt

    facts = json.loads(Path(facts_path).read_text())
    results = json.loads(Path(results_path).read_text())
    problems: list[str] = []
    started = time.monotonic()
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    quiet = 0
    while time.monotonic() - started < 900 and quiet < 3:
        busy = broker.llen("celery") + broker.hlen("unacked")
        quiet = quiet + 1 if busy == 0 else 0
        time.sleep(1)
    if quiet < 3:
        problems.append("the Celery queue did not drain within 900 s")
    drain_seconds = time.monotonic() - started

    keys = {m["key"] for m in facts["modules"]}
    lessons = {lesson["key"] for m in facts["modules"] for lesson in m["lessons"]}
    counts = Counter(dict.fromkeys(COUNTS, 0), drain_seconds=drain_seconds)
    for learner in facts["learners"]:
        name = learner["username"]
        sent = results.get(name)
        if sent is None:
            continue  # locust never started this learner
        counts["learners"] += 1
        acknowledged = set(sent["acknowledged"])
        attempted = set(sent["attempted"])
        events = dict(
            ProgressEvent.objects.filter(user__username=name).values_list("id", "kind")
        )
        client_ids = {str(i) for i in events} & attempted
        counts["events_sent"] += len(acknowledged)
        counts["events_recorded"] += len(client_ids)
        lost = acknowledged - {str(i) for i in events}
        if lost:
            problems.append(f"{name}: {len(lost)} acknowledged events not recorded")
        extra = client_ids - acknowledged
        if extra:
            # Sent when locust stopped the learner, before the answer came.
            counts["in_flight_at_stop"] += len(extra)
        # Views are recorded by the server (ids of its own) on a lesson's
        # first opening; a lesson done before the run was viewed then.
        viewed = {
            str(key)
            for key in ProgressEvent.objects.filter(
                user__username=name, kind=ProgressEvent.Kind.LESSON_VIEWED
            )
            .exclude(id__in=attempted)
            .values_list("object_key", flat=True)
        }
        before = set(learner["done_before"])
        opened = set(sent["opened"]) - before
        requested = set(sent["requested"]) - before
        counts["lessons_opened"] += len(opened)
        counts["views_recorded"] += len(viewed & opened)
        counts["in_flight_at_stop"] += len(viewed - opened)
        if not opened <= viewed <= requested:
            problems.append(
                f"{name}: opened {len(opened)} lessons ({len(requested)} asked "
                f"for), {len(viewed)} views recorded"
            )
        completed = {
            str(k)
            for k in LessonProgress.objects.filter(
                user__username=name, state=LessonProgress.State.COMPLETED
            ).values_list("lesson_key", flat=True)
        }
        counts["lesson_completions"] += len(sent["completed_lessons"])
        if not set(sent["completed_lessons"]) <= completed <= lessons:
            problems.append(f"{name}: lesson completions differ from what was sent")
        attempts = {
            str(i)
            for i in QuizAttempt.objects.filter(user__username=name).values_list(
                "id", flat=True
            )
        }
        counts["quiz_attempts"] += len(sent["quiz_attempts"])
        attempts -= set(learner["history"])
        if not set(sent["quiz_attempts"]) <= attempts <= attempted:
            problems.append(f"{name}: quiz attempts differ from what was sent")
        counts["api_events"] += sent["api_events"]
        counts["api_batches"] += sent["api_batches"]
        problems += [f"{name}: {p}" for p in sent["problems"]]

        enrolment = Enrolment.objects.get(user__username=name)
        certificates = list(Certificate.objects.filter(user__username=name))
        should_complete = (
            completed == lessons
            and {
                str(k)
                for k in QuizAttempt.objects.filter(
                    user__username=name, is_passed=True
                ).values_list("module_key", flat=True)
            }
            == keys
        )
        if enrolment.is_completed != should_complete:
            problems.append(
                f"{name}: completed is {enrolment.is_completed}, but all "
                f"lessons and quizzes done is {should_complete}"
            )
        if sent["saw_completed"] and not enrolment.is_completed:
            problems.append(f"{name}: the dashboard said completed, the row not")
        counts["completed"] += enrolment.is_completed
        counts["downloaded"] += sent["downloaded"]
        if enrolment.is_completed:
            valid = [c for c in certificates if c.status == Certificate.Status.VALID]
            if len(certificates) != 1 or len(valid) != 1:
                problems.append(
                    f"{name}: completed, but {len(valid)} valid of "
                    f"{len(certificates)} certificates"
                )
        elif certificates:
            problems.append(f"{name}: a certificate without a completion")
        for certificate in certificates:
            counts["certificates"] += certificate.status == Certificate.Status.VALID
            if not certificate.pdf_sha256 or not certificate.pdf:
                problems.append(f"{name}: certificate {certificate.code} has no PDF")
                continue
            with default_storage.open(certificate.pdf.name) as pdf:
                digest = hashlib.sha256(pdf.read()).hexdigest()
            if digest != certificate.pdf_sha256:
                problems.append(f"{name}: the PDF of {certificate.code} changed")
                continue
            counts["rendered"] += 1
    if counts["learners"] != len(facts["learners"]):
        problems.append(
            f"only {counts['learners']} of {len(facts['learners'])} learners ran"
        )
    return {"counts": dict(counts), "problems": problems}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("--prepare", "--check"):
        mode, *args = sys.argv[1:]
        if mode == "--prepare":
            print(json.dumps(prepare(args[0], int(args[1]))))
        else:
            print(json.dumps(check(*args)))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--gunicorn-workers", type=int, default=2)
    args = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            raise SystemExit(f"set {name} (see the docstring)")
    report = run(
        users=args.users, seconds=args.seconds, gunicorn_workers=args.gunicorn_workers
    )
    print("\n".join(report.lines()))
    if not report.ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
