"""Real Chromium (Debian's package) driven by Playwright, never a downloaded
browser. Pages come from pytest-django's live_server."""

import os
import shutil

import pytest

from tests.browser.learner_site import _learner_site, learner_site  # noqa: F401

# Playwright's sync API runs an event loop in this thread; Django would take
# the test's own ORM calls for async code without this.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium(django_db_setup):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not installed (make test installs it as root: "
            "apt-get install chromium)",
            pytrace=False,
        )
    # Serialized rollback restores the database from a copy kept on each
    # connection when the test database was made. Once Playwright's event loop
    # runs in this thread, Django hands the thread new connections (its
    # async-context storage) without that copy, and a browser test that runs
    # after other tests would start on an empty database: give them the copy.
    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        yield browser
        browser.close()


@pytest.fixture
def page_without_js(chromium):
    context = chromium.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_with_js(chromium):
    """A page whose scripts run; ``page.context`` turns the network off and on."""
    context = chromium.new_context()
    yield context.new_page()
    context.close()
