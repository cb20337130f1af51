"""Issue 9, "Load": 200 simulated learners for 3 minutes against gunicorn,
PostgreSQL, Redis and a live Celery worker lose nothing and fail nothing.

The scenario and its checks are benchmarks/load_learners.py's (``make bench``
prints the same summary); this test is their CI proof. It takes several
minutes: the run itself, plus making its own database and static files.
"""

from benchmarks.load_learners import run

LEARNERS = 200
SECONDS = 180


def test_200_learners_for_3_minutes_lose_no_event_and_get_one_certificate_each():
    report = run(users=LEARNERS, seconds=SECONDS)
    summary = "\n".join(report.lines())
    print(summary)  # the figures, for the log (pytest -s or on failure)

    # Every check of the run: no failed request, no 5xx, every acknowledged
    # event recorded by its id, every lesson opened viewed, exactly one valid
    # rendered certificate per completion and none without one.
    assert report.ok, summary
    assert report.counts["learners"] == LEARNERS, summary
    assert report.figures["failures"] == 0, summary
    assert report.counts["http_5xx"] == 0, summary
    assert report.counts["events_recorded"] == report.counts["events_sent"], summary
    assert report.counts["views_recorded"] == report.counts["lessons_opened"], summary
    # The run exercised every path it checks: form posts, quiz attempts, the
    # offline API (each batch re-sent), completions and their certificates.
    assert report.counts["lesson_completions"] > 0, summary
    assert report.counts["quiz_attempts"] > 0, summary
    assert report.counts["api_batches"] > 0, summary
    assert report.counts["completed"] > 0, summary
    assert (
        report.counts["certificates"]
        == report.counts["rendered"]
        == report.counts["completed"]
    ), summary
