"""Learners on a phone, for benchmarks/load_learners.py (which starts locust
with LOAD_FACTS, what the learners know, and LOAD_RESULTS, where what they
sent is written when locust quits).

Each simulated learner, logged in, walks the demo course the way a phone
without JavaScript does: dashboard, course page, each lesson (read, then the
"Mark complete" form with the page's CSRF token), each module quiz (about a
third of the time a wrong attempt first), one module "offline" (its lessons
read, the completions and quiz answers sent later as one batch to the
progress API, as site/static/js/offline.js does, and that batch sent again),
the dashboard saying "Completed", the certificate PDF once rendered. After
that it re-reads lessons until the run ends. Every step waits 2-6 s.
"""

import json
import os
import random
import re
import uuid
from datetime import UTC, datetime
from html.parser import HTMLParser
from itertools import count

from locust import HttpUser, between, events, task

FACTS = json.loads(open(os.environ["LOAD_FACTS"]).read())  # noqa: SIM115, PTH123
RESULTS: dict[str, dict] = {}
_next_learner = count()
HOST = "127.0.0.1"
LESSONS = {
    lesson["url"]: lesson["key"] for m in FACTS["modules"] for lesson in m["lessons"]
}
PDF_LINK = re.compile(r'href="(/[a-z-]+/certificates/[0-9a-f-]{36}/pdf/)"')


class Forms(HTMLParser):
    """The forms of a page: action, data- attributes, and their inputs."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({**attrs, "inputs": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["inputs"].append(attrs)

    def find(self, **wanted) -> dict | None:
        for form in self.forms:
            if all(form.get(k) == v for k, v in wanted.items()):
                return form
        return None


def hidden(form: dict, name: str) -> str:
    return next(i.get("value", "") for i in form["inputs"] if i.get("name") == name)


def now() -> str:
    return datetime.now(UTC).isoformat()


class Learner(HttpUser):
    wait_time = between(2, 6)

    def on_start(self):
        n = next(_next_learner)
        learner = FACTS["learners"][n]
        self.username = learner["username"]
        self.client.cookies.set(
            FACTS["session_cookie"], learner["session"], domain=HOST, path="/"
        )
        self.record = RESULTS[self.username] = {
            "attempted": [],  # event ids put in a request
            "acknowledged": [],  # … whose request the server answered 2xx
            "requested": set(),  # lesson keys of lesson pages asked for
            "opened": set(),  # … and received
            "completed_lessons": [],
            "quiz_attempts": [],
            "api_events": 0,
            "api_batches": 0,
            "saw_completed": False,
            "downloaded": False,
            "problems": [],
        }
        # Learners are spread over the course (benchmarks/load_learners.py
        # gave those past the start their earlier modules' history); every
        # other one does its first module offline.
        self.start = learner["start"]
        self.offline_module = self.start if n % 2 == 0 else None
        self.steps = self.plan()
        self.prefetched: dict[str, str] = {}
        self.page: str | None = None
        self.queue: list[dict] = []

    def plan(self):
        steps = [("dashboard",)] + ([("course",)] if self.start == 0 else [])
        for index, module in enumerate(FACTS["modules"]):
            if index < self.start:
                continue
            offline = index == self.offline_module
            for lesson in module["lessons"]:
                steps.append(("lesson", lesson, offline))
                if not offline:
                    steps.append(("complete", lesson))
            if not offline and random.random() < 1 / 3:  # noqa: S311
                steps += [("quiz", module), ("answer", module, False, offline)]
            steps += [("quiz", module), ("answer", module, True, offline)]
            if offline:
                steps.append(("sync",))
        steps.append(("finished",))
        return steps

    @task
    def next_step(self):
        """One thing the learner does, then the think time; a lesson the phone
        already has (it followed the redirect after "Mark complete") costs
        no request and no extra wait."""
        while True:
            kind, *args = self.steps.pop(0) if self.steps else ("reread",)
            if getattr(self, f"do_{kind}")(*args) != "already here":
                return

    # --- requests -------------------------------------------------------------

    def _keep_cookies(self):
        # The production settings mark cookies Secure; on loopback there is no
        # TLS (nginx's job), so the client must still send them back.
        for cookie in self.client.cookies:
            cookie.secure = False

    def get(self, url: str, name: str, expect: str | None = None) -> str | None:
        if url in LESSONS:  # opening a lesson records a view
            self.record["requested"].add(LESSONS[url])
        with self.client.get(url, name=name, catch_response=True) as response:
            self._keep_cookies()
            if response.status_code != 200:
                response.failure(f"{response.status_code} for {url}")
                return None
            if expect and expect not in response.text:
                response.failure(f"{url} does not say {expect!r}")
                return None
            if url in LESSONS:
                self.record["opened"].add(LESSONS[url])
            return response.text

    def post(self, url: str, name: str, ids: list[str], **kwargs):
        self.record["attempted"] += ids
        with self.client.post(
            url, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            self._keep_cookies()
            if response.status_code not in (200, 302):
                response.failure(f"{response.status_code} for POST {url}")
                return None
            self.record["acknowledged"] += ids
            return response

    # --- steps ----------------------------------------------------------------

    def do_dashboard(self):
        self.get("/en/dashboard/", "dashboard", expect="My learning")

    def do_course(self):
        self.get(FACTS["course"], "course")

    def do_lesson(self, lesson, offline=False):
        html = self.prefetched.pop(lesson["url"], None)
        prefetched = html is not None
        html = html or self.get(lesson["url"], "lesson", expect="Mark complete")
        self.page = html
        if html is not None and offline:
            form = Forms(html).find(**{"data-offline": "lesson_completed"})
            self.queue += [
                # What offline.js sends: the form's own event id…
                {
                    "id": hidden(form, "event"),
                    "type": "lesson_completed",
                    "object": form["data-object"],
                    "occurred_at": now(),
                },
                # … and a view made on the phone, with an id of its own.
                {
                    "id": str(uuid.uuid4()),
                    "type": "lesson_viewed",
                    "object": lesson["key"],
                    "occurred_at": now(),
                },
            ]
        if prefetched and not offline:  # "Mark complete" is next, no reading
            return "already here"
        return None

    def do_complete(self, lesson):
        form = Forms(self.page).find(**{"data-offline": "lesson_completed"})
        if form is None:
            self.record["problems"].append(f"no Mark complete form on {lesson['url']}")
            return
        event = hidden(form, "event")
        response = self.post(
            form["action"],
            "lesson complete (POST)",
            [event],
            data={
                "csrfmiddlewaretoken": hidden(form, "csrfmiddlewaretoken"),
                "event": event,
                "next": hidden(form, "next"),
            },
        )
        if response is None:
            return
        self.record["completed_lessons"].append(lesson["key"])
        # The phone follows the redirect at once: the next lesson, read next.
        target = response.headers.get("Location", "")
        html = self.get(target, "lesson")
        if html is not None and target != lesson["url"]:
            self.prefetched = {target: html}

    def do_quiz(self, module):
        self.page = self.get(module["quiz"], "quiz", expect="Check my answers")

    def do_answer(self, module, right, offline):
        form = self.page and Forms(self.page).find(**{"data-offline": "quiz_submitted"})
        if not form:
            return
        choices = module["right" if right else "wrong"]
        event = hidden(form, "event")
        if offline:
            self.queue.append(
                {
                    "id": event,
                    "type": "quiz_submitted",
                    "object": form["data-object"],
                    "occurred_at": now(),
                    "answers": choices,
                }
            )
            return
        data = [
            ("csrfmiddlewaretoken", hidden(form, "csrfmiddlewaretoken")),
            ("attempt", hidden(form, "attempt")),
            ("event", event),
        ]
        data += [(key, option) for key, ids in choices.items() for option in ids]
        response = self.post(form["action"], "quiz submit (POST)", [event], data=data)
        if response is None:
            return
        verdict = "you passed" if right else "to pass"
        if verdict not in response.text:
            self.record["problems"].append(f"quiz {module['title']}: not {verdict!r}")
        self.record["quiz_attempts"].append(event)

    def do_sync(self):
        batch, self.queue = self.queue, []
        ids = [e["id"] for e in batch]
        token = self.client.cookies.get(FACTS["csrf_cookie"], "")
        for attempt, status in ((1, "recorded"), (2, "duplicates")):
            response = self.post(
                "/api/v1/progress/events",
                "progress API batch (POST)",
                ids,
                json={"events": batch},
                headers={"X-CSRFToken": token},
            )
            if response is None:
                return
            reply = response.json()
            wanted = {"recorded": len(batch), "duplicates": 0, "invalid": 0}
            if attempt == 2:  # the same batch again: nothing new
                wanted = {"recorded": 0, "duplicates": len(batch), "invalid": 0}
            got = {k: reply.get(k) for k in wanted}
            if got != wanted:
                self.record["problems"].append(f"API batch {status}: {got}")
            if attempt == 1:
                self.record["api_batches"] += 1
                self.record["api_events"] += len(batch)
                for event in batch:
                    if event["type"] == "lesson_completed":
                        self.record["completed_lessons"].append(event["object"])
                    elif event["type"] == "quiz_submitted":
                        self.record["quiz_attempts"].append(event["id"])

    def do_finished(self):
        html = self.get("/en/dashboard/", "dashboard", expect="My learning")
        if html and "Completed on" in html:
            self.record["saw_completed"] = True
        elif html is not None:
            self.record["problems"].append("the dashboard does not say Completed")

    def do_reread(self):
        if self.record["saw_completed"] and not self.record["downloaded"]:
            # The certificate, once the worker has rendered it.
            html = self.get("/en/dashboard/", "dashboard", expect="My learning")
            link = html and PDF_LINK.search(html)
            if link:
                with self.client.get(
                    link.group(1), name="certificate PDF", catch_response=True
                ) as response:
                    if response.headers.get("Content-Type") != "application/pdf":
                        response.failure("the certificate is not a PDF")
                    else:
                        self.record["downloaded"] = True
                return
        lesson = random.choice(  # noqa: S311
            [lesson for m in FACTS["modules"] for lesson in m["lessons"]]
        )
        self.get(lesson["url"], "lesson (re-read)")


@events.user_error.add_listener
def _user_error(user_instance, exception, tb, **kwargs):
    name = getattr(user_instance, "username", "?")
    RESULTS.setdefault(name, {"problems": []})["problems"].append(
        f"error in a step: {exception!r}"
    )


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    for record in RESULTS.values():
        for key in ("requested", "opened"):
            record[key] = sorted(record.get(key, ()))
    with open(os.environ["LOAD_RESULTS"], "w") as out:  # noqa: PTH123
        json.dump(RESULTS, out)
