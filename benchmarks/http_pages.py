"""Pages and verification over HTTP: gunicorn (2 sync workers, production
settings) on loopback, loaded by wrk, each figure against its floor in the
same run.

Floors, served by the same gunicorn with the same middleware:
- a page: a bare Django view returning an HTML string the size of the lesson;
- verification by code: a bare view doing one indexed lookup, answering JSON.

Ours:
- a demo lesson, anonymous, page cache off (target >= 0.06 of the floor);
- the same lesson logged in as an enrolled learner (target >= 0.04);
- the same lesson, anonymous, page cache on (target >= 0.6);
- POST /api/v1/verify {"code": ...} (target >= 0.8).

Floor and ours take turns (who goes first alternates), so both see the same
machine; each figure is the median of the rounds. Also prints the RSS of
each gunicorn worker after the run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pamoja \\
    REDIS_URL=redis://127.0.0.1:6379/14 \\
        .venv/bin/python benchmarks/http_pages.py [--seconds 5] [--rounds 3]

Needs wrk (Debian package). It creates and destroys its own database
(test_<name>_http_bench); nothing else is touched.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
SECRET = "bench-" + "Zq8vL2mX9pR4tW7yB3nC6kD1fG5hJ0sA" * 2

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import (  # noqa: E402
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
)
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_databases,
    teardown_databases,
)

from accounts.models import User  # noqa: E402
from certificates import api as certificates_api  # noqa: E402
from courses import api as courses_api  # noqa: E402
from courses.models import CoursePage  # noqa: E402
from progress import api as progress_api  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare() -> dict:
    """Demo courses, an enrolled learner with a session, one certificate."""
    courses_api.seed_courses()
    course = CoursePage.objects.get(
        slug="ai-literacy-for-everyone", locale__language_code="en"
    )
    _module, lesson = course.outline().lessons()[1]
    learner = User.objects.create(username="bench-learner", name="Asha Patel")
    enrolment = progress_api.enrol(user=learner, course=course)
    with override_settings(SECRET_KEY=SECRET):
        session = SessionStore()
        session[SESSION_KEY] = str(learner.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = learner.get_session_auth_hash()
        session.create()
    issuer = User.objects.create(username="bench-trainer", name="T", is_staff=True)
    certificates_api._enqueue_render = lambda certificate_id: None  # no PDF
    certificate = certificates_api.issue_certificate(
        enrolment=enrolment, issued_by=issuer
    )
    return {
        "lesson": lesson.url,
        "session": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "code": certificate.code,
    }


class Server:
    """gunicorn with the deployment's config file, 2 sync workers."""

    def __init__(self, env: dict, page_cache_seconds: int):
        self.port = free_port()
        config = ROOT / "deploy" / "gunicorn.conf.py"
        command = [sys.executable, "-m", "gunicorn"]
        if config.exists():
            command += ["-c", str(config)]
        command += [
            "config.wsgi",
            "-b",
            f"127.0.0.1:{self.port}",
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--access-logfile",
            "-",
        ]
        self.process = subprocess.Popen(  # noqa: S603 - our own server
            command,
            cwd=ROOT,
            env={**env, "PAMOJA_PAGE_CACHE_SECONDS": str(page_cache_seconds)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=2)  # noqa: S310
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_rss_mib(self) -> list[float]:
        children = subprocess.run(  # noqa: S603
            ["pgrep", "-P", str(self.process.pid)],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        sizes = []
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            kib = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
            sizes.append(kib / 1024)
        return sorted(sizes)

    def stop(self):
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(url: str, seconds: int, headers=(), script: str | None = None) -> float:
    """Requests/s; fails on any non-2xx answer or socket error."""
    command = ["wrk", "-t1", "-c4", f"-d{seconds}s", "--timeout", "30s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    out = subprocess.run(  # noqa: S603
        [*command, url], capture_output=True, text=True, check=True
    ).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise SystemExit(f"errors under load at {url}:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # A one-second warm-up may complete nothing while a first request fills
    # the caches; a measured run that completes nothing is an error.
    if rate <= 0 and seconds > 1:
        raise SystemExit(f"no request completed at {url}:\n{out}")
    return rate


def turns(rounds: int, floor, ours) -> tuple[float, float]:
    floors, ourses = [], []
    for i in range(rounds):
        pair = [(floors, floor), (ourses, ours)]
        if i % 2:
            pair.reverse()
        for results, run in pair:
            results.append(run())
    return statistics.median(floors), statistics.median(ourses)


def get(url: str, headers: dict | None = None) -> tuple[bytes, dict]:
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.read(), dict(response.headers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=["pages", "verify", "cache"],
        default=["pages", "verify", "cache"],
        help="the figures to measure (default: all)",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL URL")

    database = settings.DATABASES["default"]
    database["TEST"]["NAME"] = f"test_{Path(database['NAME']).name}_http_bench"
    old = setup_databases(verbosity=0, interactive=False)
    work = Path(tempfile.mkdtemp(prefix="pamoja-http-bench-"))
    servers = []
    try:
        facts = prepare()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "benchmarks.support.http_settings",
            "DJANGO_SECRET_KEY": SECRET,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0]
            + f"/{database['TEST']['NAME']}",
            "DJANGO_STATIC_ROOT": str(work / "static"),
            "PAMOJA_KEY_DIR": str(settings.PAMOJA_KEY_DIR),
            "PAMOJA_VERIFY_RATE_ANON": "100000000/m",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        # The floor page is the size of the lesson as an anonymous reader gets it.
        probe = Server(env, page_cache_seconds=0)
        servers.append(probe)
        lesson_bytes = len(get(probe.url(facts["lesson"]))[0])
        probe.stop()
        servers.remove(probe)
        env["BENCH_PAGE_BYTES"] = str(lesson_bytes)

        post = work / "verify.lua"
        post.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = '{json.dumps({'code': facts['code']})}'\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        session = f"Cookie: {facts['session']}"
        results = []

        uncached = Server(env, page_cache_seconds=0)
        servers.append(uncached)
        body, _ = get(uncached.url(facts["lesson"]), {"Cookie": facts["session"]})
        if b"Mark complete" not in body and b"completed this lesson" not in body:
            raise SystemExit("the benchmark session is not logged in")
        if len(get(uncached.url("/bench/page/"))[0]) != lesson_bytes:
            raise SystemExit("the floor page is not the size of the lesson")
        for path in ("/bench/page/", facts["lesson"]):  # warm both workers
            wrk(uncached.url(path), 1)
        wrk(uncached.url(facts["lesson"]), 1, [session])

        def floor_page(server=uncached):
            return wrk(server.url("/bench/page/"), args.seconds)

        if "pages" in args.only:
            results.append(
                (
                    "lesson page, anonymous, uncached",
                    "bare view, same-size HTML",
                    *turns(
                        args.rounds,
                        floor_page,
                        lambda: wrk(uncached.url(facts["lesson"]), args.seconds),
                    ),
                    0.06,
                )
            )
            results.append(
                (
                    "lesson page, logged-in learner",
                    "bare view, same-size HTML",
                    *turns(
                        args.rounds,
                        floor_page,
                        lambda: wrk(
                            uncached.url(facts["lesson"]), args.seconds, [session]
                        ),
                    ),
                    0.04,
                )
            )
        if "verify" in args.only:
            lookup = uncached.url(f"/bench/lookup/{facts['code']}/")
            wrk(lookup, 1)
            wrk(uncached.url("/api/v1/verify"), 1, script=str(post))
            results.append(
                (
                    "verification by code, POST /api/v1/verify",
                    "bare indexed lookup view",
                    *turns(
                        args.rounds,
                        lambda: wrk(lookup, args.seconds),
                        lambda: wrk(
                            uncached.url("/api/v1/verify"),
                            args.seconds,
                            script=str(post),
                        ),
                    ),
                    0.8,
                )
            )
        rss = uncached.worker_rss_mib()
        uncached.stop()
        servers.remove(uncached)

        if "cache" in args.only:
            cached = Server(env, page_cache_seconds=600)
            servers.append(cached)
            _body, headers = get(cached.url(facts["lesson"]))
            _body, headers = get(cached.url(facts["lesson"]))
            if headers.get("X-Page-Cache") != "hit":
                raise SystemExit("the page cache did not answer the second request")
            wrk(cached.url(facts["lesson"]), 1)
            wrk(cached.url("/bench/page/"), 1)
            results.append(
                (
                    "lesson page, anonymous, page cache",
                    "bare view, same-size HTML",
                    *turns(
                        args.rounds,
                        lambda: floor_page(cached),
                        lambda: wrk(cached.url(facts["lesson"]), args.seconds),
                    ),
                    0.6,
                )
            )
            cached.stop()
            servers.remove(cached)
    finally:
        for server in servers:
            server.stop()
        teardown_databases(old, verbosity=0)
        shutil.rmtree(work, ignore_errors=True)

    print(
        f"gunicorn, 2 sync workers, production settings; wrk -t1 -c4, "
        f"{args.rounds} rounds x {args.seconds} s each side; "
        f"lesson {facts['lesson']} ({lesson_bytes:,} bytes)"
    )
    for name, floor_name, floor, ours, target in results:
        print(
            f"{name:42}: {ours:8.0f} req/s; floor ({floor_name}) {floor:7.0f} "
            f"req/s; ratio {ours / floor:5.3f}  (target >= {target})"
        )
    print(
        "gunicorn worker RSS after the run       : "
        + ", ".join(f"{mib:.0f} MiB" for mib in rss)
    )


if __name__ == "__main__":
    main()
