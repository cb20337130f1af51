"""Bulk verification: one request of 10,000 codes (target <= 2 s), called
in-process through the WSGI application. Also prints in-process requests/s of
``POST /api/v1/verify {"code": …}`` against a bare indexed-lookup view, for
profiling only: the figure the target applies to is measured over HTTP, under
gunicorn and wrk, by benchmarks/http_pages.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pamoja \\
        .venv/bin/python benchmarks/verify.py [--requests 2000]

It creates and destroys its own test database (test_<name>_verify_bench);
nothing else is touched. With REDIS_URL set the rate limiter counts in Redis, as in
production.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.test.utils import (  # noqa: E402
    override_settings,
    setup_databases,
    teardown_databases,
)
from django.urls import path  # noqa: E402

from accounts.models import User  # noqa: E402
from certificates import api, codes, partners  # noqa: E402
from certificates.models import Certificate  # noqa: E402
from courses import api as courses_api  # noqa: E402
from courses.models import CoursePage  # noqa: E402
from progress.models import Enrolment  # noqa: E402

FIXTURE = ROOT / "tests" / "fixtures" / "content"
BULK = 10_000


def bare(request, code):
    """The floor: one indexed lookup, a few columns, JSON."""
    row = (
        Certificate.objects.filter(code=code)
        .values("id", "name", "course_title", "issued_at", "status")
        .first()
    )
    return JsonResponse({**row, "id": str(row["id"])})


def urlpatterns():
    from config.urls import urlpatterns as site

    return [path("bench/bare/<str:code>/", bare), *site]


class Bench:
    """This module's URLs: the site's plus the bare view."""

    urlpatterns = urlpatterns()


def call(app, method, path, body=b"", content_type="", headers=None):
    """One request through the WSGI application; the status code."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        # A new address each time: what is measured is the limiter's cost,
        # not its refusals.
        "REMOTE_ADDR": f"10.{random.randrange(256)}.{random.randrange(256)}.1",  # noqa: S311
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **(headers or {}),
    }
    status = []
    result = app(environ, lambda s, h, exc_info=None: status.append(s))
    try:
        for _chunk in result:
            pass
    finally:
        result.close()
    return int(status[0].split()[0])


def make_certificates(count: int) -> list[Certificate]:
    """One genuinely issued certificate and ``count - 1`` register rows
    copied from it (bulk answers from the register alone)."""
    course = CoursePage.objects.get(slug="tiny-course")
    issuer = User.objects.create(username="bench-trainer", name="T", is_staff=True)
    learner = User.objects.create(username="bench-learner", name="Asha Patel")
    enrolment = Enrolment.objects.create(
        user=learner, course_key=course.translation_key
    )
    api._enqueue_render = lambda certificate_id: None  # no PDF needed
    first = api.issue_certificate(enrolment=enrolment, issued_by=issuer)
    taken = {first.status_index}
    indexes = iter(
        i
        for i in random.sample(range(131_072), count + 1)
        if i not in taken  # noqa: S311
    )
    copies = []
    for i in range(count - 1):
        copy = Certificate.objects.get(pk=first.pk)
        copy.pk = uuid.uuid4()
        copy.code = codes.new_code()
        copy.user = None
        copy.name = f"Learner {i}"
        copy.status_index = next(indexes)
        copies.append(copy)
    Certificate.objects.bulk_create(copies, batch_size=1000)
    return [first, *copies]


def timed_turns(app, rounds, per_turn, floor, ours):
    """Seconds for ``floor`` and ``ours``, taking turns of ``per_turn``
    requests (who goes first alternates)."""
    spent = [0.0, 0.0]
    for i in range(rounds):
        turns = [(0, floor), (1, ours)]
        if i % 2:
            turns.reverse()
        for side, fn in turns:
            started = time.perf_counter()
            for _ in range(per_turn):
                status = fn(app)
                if status != 200:
                    raise SystemExit(f"unexpected HTTP {status}")
            spent[side] += time.perf_counter() - started
    return spent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    # Its own test database, so that it never meets a test run's.
    database = settings.DATABASES["default"]
    database["TEST"]["NAME"] = f"test_{Path(database['NAME']).name}_verify_bench"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        with override_settings(
            ROOT_URLCONF=Bench, PAMOJA_VERIFY_RATE_ANON="1000000/m", DEBUG=False
        ):
            courses_api.seed_courses(root=FIXTURE)
            certificates = make_certificates(BULK)
            code = certificates[0].code
            _key, token = partners.create_key(
                organisation="Bench", rate_per_minute=1_000_000
            )
            app = WSGIHandler()
            single = json.dumps({"code": code}).encode()

            def floor(app):
                return call(app, "GET", f"/bench/bare/{code}/")

            def ours(app):
                return call(app, "POST", "/api/v1/verify", single, "application/json")

            for fn in (floor, ours):  # warm: keys loaded, connections open
                for _ in range(20):
                    fn(app)
            per_turn = max(1, args.requests // 10)
            floor_rates, ours_rates = [], []
            for _ in range(args.rounds):
                floor_s, ours_s = timed_turns(app, 10, per_turn, floor, ours)
                floor_rates.append(10 * per_turn / floor_s)
                ours_rates.append(10 * per_turn / ours_s)

            bulk_body = json.dumps({"codes": [c.code for c in certificates]}).encode()
            auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
            bulk_times = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                status = call(
                    app,
                    "POST",
                    "/api/v1/verify/bulk",
                    bulk_body,
                    "application/json",
                    auth,
                )
                bulk_times.append(time.perf_counter() - started)
                if status != 200:
                    raise SystemExit(f"bulk: unexpected HTTP {status}")
            vendor = connection.vendor
            cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    finally:
        teardown_databases(old, verbosity=0)

    floor_rate = statistics.median(floor_rates)
    ours_rate = statistics.median(ours_rates)
    print(
        f"database: {vendor}; cache: {cache_backend}; {args.rounds} rounds x "
        f"{10 * per_turn} requests each side, in-process WSGI"
    )
    print(f"floor  bare indexed lookup view    : {floor_rate:8.0f} req/s")
    print(f"ours   POST /api/v1/verify {{code}} : {ours_rate:8.0f} req/s")
    ratio = ours_rate / floor_rate
    print(f"ratio  ours / floor, in-process    : {ratio:8.2f}  (see http_pages.py)")
    print(
        f"bulk   {BULK:,} codes, one request   : {statistics.median(bulk_times):8.2f} s"
        "      (target <= 2 s)"
    )


if __name__ == "__main__":
    main()
