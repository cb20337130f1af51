"""Learner pages within their page-weight budgets (site/budgets/), measured by
pagecheck (tools/pagecheck) in real Chromium over its emulated 2G profile:
bytes and requests of a first and a repeat visit, load times, the page
without JavaScript, and axe-core. A page that grows past its budget fails.

One run per page, 2G only, and Lighthouse only on the lesson, to keep this
quick. The README's table comes from the same tests run by hand with every
limit, Lighthouse's included:

    PAMOJA_PAGECHECK_LIGHTHOUSE=1 PAMOJA_PAGECHECK_RESULTS=var/pagecheck \\
        pytest tests/browser/test_budgets.py
    python scripts/page_budgets_table.py var/pagecheck
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGECHECK = ROOT / "tools/pagecheck/pagecheck.mjs"
BUDGETS = ROOT / "site/budgets"
AXE = ROOT / "tools/pagecheck/node_modules/axe-core/axe.min.js"
# Every budget limit, Lighthouse's on every page (slow: a run by hand).
LIGHTHOUSE_EVERYWHERE = os.environ.get("PAMOJA_PAGECHECK_LIGHTHOUSE") == "1"
RESULTS = os.environ.get("PAMOJA_PAGECHECK_RESULTS")  # keep pagecheck's JSON here
LIGHTHOUSE = ["--lighthouse", "--lh-profiles", "mobile-slow4g"]
# pagecheck's 2G profile and mobile emulation (Lighthouse's Moto G Power).
TWO_G = {"offline": False, "latency": 300, "downloadThroughput": 250_000 / 8}
TWO_G["uploadThroughput"] = 50_000 / 8
PHONE = {
    "viewport": {"width": 412, "height": 823},
    "device_scale_factor": 1.75,
    "is_mobile": True,
    "has_touch": True,
}


def node() -> str:
    executable = shutil.which("node")
    if executable is None:
        pytest.fail("pagecheck needs Node.js 20 or newer (make test checks)")
    if not (PAGECHECK.parent / "node_modules").is_dir():
        pytest.fail("pagecheck is not installed: run scripts/verifier-tools.sh")
    return executable


def pagecheck(
    site, budget, *pages, role=None, tmp_path, budget_override=None, extra=()
):
    """Run pagecheck on ``pages`` (name, language) as ``role`` (anonymous if
    None) against site/budgets/<budget>.json; fail with its report unless
    every check passes."""
    urls = [site(name, language) for name, language in pages]
    # Lighthouse's limits apply where it runs (pagecheck skips them elsewhere).
    limits = budget_override or json.loads((BUDGETS / f"{budget}.json").read_text())
    (tmp_path / "budget.json").write_text(json.dumps(limits))
    out = Path(RESULTS or tmp_path) / f"{budget}-{role or 'anonymous'}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    args = [PAGECHECK, "--profiles", "2G", "--runs", "1", "--settle", "500"]
    args += ["--budget", tmp_path / "budget.json", "--json", out]
    if LIGHTHOUSE_EVERYWHERE or budget_override:
        args += LIGHTHOUSE
    args += extra
    headers = {}
    if role:
        cookie = f"{site.cookie(role)['name']}={site.sessions[role]}"
        (tmp_path / "cookies.txt").write_text(cookie)
        args += ["--cookies", tmp_path / "cookies.txt"]
        headers["Cookie"] = cookie
    for url in urls:
        # A running server has rendered a page before: the first rendering
        # fills caches (a course page measures its offline download then).
        urlopen(Request(url, headers=headers)).close()  # noqa: S310 (http://localhost)
    done = subprocess.run(  # noqa: S603 (our own tool, our own arguments)
        [node(), *map(str, args), *urls],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    return json.loads(out.read_text())["results"]


def test_a_demo_lesson_within_the_lesson_budget_with_lighthouse(learner_site, tmp_path):
    """The issue's own budget (tools/pagecheck/budget.lesson.json), with
    Lighthouse's accessibility score (mobile, slow 4G). Its performance score
    is checked only by hand (PAMOJA_PAGECHECK_LIGHTHOUSE=1): on a busy
    two-core CI machine Lighthouse's CPU-bound total blocking time swings by
    hundreds of milliseconds between runs (95 to 100 for this very page)."""
    budget = json.loads((BUDGETS / "lesson.json").read_text())
    if not LIGHTHOUSE_EVERYWHERE:
        del budget["lighthouse"]["mobile-slow4g"]["performance"]
    pages = [("lesson", "en")]
    pagecheck(learner_site, "lesson", *pages, tmp_path=tmp_path, budget_override=budget)


def test_a_lesson_with_its_form_and_script_within_the_lesson_budget(
    learner_site, tmp_path
):
    """Logged in, a lesson also has "Mark complete" (pressed here with
    JavaScript off) and the offline queue."""
    pages = [("next-lesson", "ar")]
    mark_complete = ["--nojs-submit", "form[data-offline=lesson_completed]"]
    (result,) = pagecheck(
        learner_site,
        "lesson",
        *pages,
        role="learner",
        tmp_path=tmp_path,
        extra=mark_complete,
    )
    submitted = result["nojs"]["withoutJs"]["submit"]
    # pagecheck lets a form it did not find pass: make sure it was pressed,
    # and that it took the learner on to the following lesson.
    assert submitted["ok"], submitted
    assert submitted["from"].endswith(learner_site.pages["next-lesson"]["ar"])
    assert submitted["to"] != submitted["from"], submitted


def test_the_catalogue_within_its_budget(learner_site, tmp_path):
    pages = [("catalogue", "en"), ("catalogue", "ar")]
    pagecheck(learner_site, "catalogue", *pages, tmp_path=tmp_path)


def test_course_and_module_overviews_within_their_budget(learner_site, tmp_path):
    pages = [("course", "en"), ("module", "ar")]
    pagecheck(learner_site, "course", *pages, role="graduate", tmp_path=tmp_path)


@pytest.mark.parametrize(("role", "language"), [("learner", "en"), ("graduate", "ar")])
def test_dashboards_within_their_budget(learner_site, tmp_path, role, language):
    """Half-way through a course, and with a certificate."""
    pages = [("dashboard", language)]
    pagecheck(learner_site, "dashboard", *pages, role=role, tmp_path=tmp_path)


def test_a_quiz_within_its_budget(learner_site, tmp_path):
    pages = [("quiz", "en")]
    pagecheck(learner_site, "quiz", *pages, role="learner", tmp_path=tmp_path)


def test_verification_pages_within_their_budget(learner_site, tmp_path):
    pages = [("verify", "en"), ("verify-valid", "en")]
    pagecheck(learner_site, "verify", *pages, tmp_path=tmp_path)


# --- The quiz result: the answer to a POST ------------------------------------


def test_a_quiz_result_within_its_budget(chromium, learner_site):
    budget = json.loads((BUDGETS / "quiz-result.json").read_text())
    context = chromium.new_context(**PHONE)
    context.add_cookies([learner_site.cookie("learner")])
    context.add_init_script(path=str(AXE))
    try:
        measured = submit_quiz_over_2g(context, learner_site("quiz"))
    finally:
        context.close()

    if RESULTS:  # for the README's table
        Path(RESULTS, "quiz-result-learner.json").write_text(json.dumps(measured))
    limits = budget["submit"]
    failures = [
        f"{name}: {actual} > {limit}"
        for name, actual, limit in [
            ("transfer KiB", measured["transfer"] / 1024, limits["transferKiB"]),
            ("requests", measured["requests"], limits["requests"]),
            *(
                (f"{kind} KiB", measured["by_type"].get(kind, 0) / 1024, limit)
                for kind, limit in limits["byTypeKiB"].items()
            ),
            *(
                (f"2G {key} ms", measured[key.split(".")[1]], limit)
                for key, limit in budget["timingMs"]["2G"].items()
            ),
            ("axe violations", len(measured["axe"]), 0),
        ]
        if actual > limit
    ]
    assert not failures, (failures, measured)


def submit_quiz_over_2g(context, quiz_url) -> dict:
    """Answer the quiz, then measure, over 2G, from the tap on the submit
    button to the result page's first paint and load event: the requests and
    bytes on the wire (headers included, as pagecheck counts)."""
    page = context.new_page()
    page.goto(quiz_url)
    for question in page.locator("form.quiz fieldset").all():
        question.locator("input").first.check()
    network = context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", TWO_G)
    wire = Wire(network)
    tapped = page.evaluate("Date.now()")
    with page.expect_navigation(wait_until="load"):
        page.click("form.quiz button[type=submit]")
    assert page.locator("h1").inner_text().startswith("Quiz result")
    time.sleep(1)  # anything after the load event counts too (pagecheck's settle)
    fcp, load = page.evaluate(
        """() => [
             performance.getEntriesByName('first-contentful-paint')[0].startTime,
             performance.getEntriesByType('navigation')[0].loadEventEnd,
           ].map(t => performance.timeOrigin + t)"""
    )
    return {
        "requests": len(wire.fetched()),
        "transfer": sum(wire.fetched().values()),
        "by_type": wire.by_type(),
        "fcp": round(fcp - tapped),
        "load": round(load - tapped),
        "axe": page.evaluate(
            "() => axe.run(document, {runOnly: {type: 'tag', values: ["
            "'wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
            ".then(r => r.violations.map(v => v.id))"
        ),
    }


class Wire:
    """What went over the network, from CDP's Network events: bytes received
    per request (headers included; a response cut short counts what came),
    leaving out what the browser's cache answered."""

    def __init__(self, session):
        self.types, self.received, self.finished, self.cached = {}, {}, {}, set()
        session.on("Network.responseReceived", self._response)
        session.on("Network.dataReceived", self._data)
        session.on("Network.loadingFinished", self._finished)
        session.on("Network.requestServedFromCache", self._from_cache)

    def _response(self, event):
        self.types[event["requestId"]] = event["type"].lower()
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromServiceWorker"):
            self.cached.add(event["requestId"])
        self.received.setdefault(event["requestId"], response["encodedDataLength"])

    def _data(self, event):
        request = event["requestId"]
        self.received[request] = (
            self.received.get(request, 0) + event["encodedDataLength"]
        )

    def _finished(self, event):
        self.finished[event["requestId"]] = event["encodedDataLength"]

    def _from_cache(self, event):
        self.cached.add(event["requestId"])

    def fetched(self) -> dict:
        sizes = {**self.received, **self.finished}
        return {r: size for r, size in sizes.items() if r not in self.cached}

    def by_type(self) -> dict:
        totals = {}
        for request, size in self.fetched().items():
            kind = self.types.get(request, "other")
            totals[kind] = totals.get(kind, 0) + size
        return totals


@pytest.mark.parametrize("budget", sorted(p.stem for p in BUDGETS.glob("*.json")))
def test_every_budget_is_measured_here(budget):
    """A budget file nobody checks is no budget."""
    source = Path(__file__).read_text()
    assert f'"{budget}"' in source or f"{budget}.json" in source
