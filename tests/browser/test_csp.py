"""Learner pages under their strict Content-Security-Policy, in real Chromium
and without Playwright's bypass: reading a lesson with Save-Data and tapping
an image placeholder, a quiz, the dashboard, saving a course for offline use,
and the verify page checking a QR code, in English and Arabic, meet no
violation. The site is served as production serves it (learner_site.py)."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_admin_csp import watch


@pytest.fixture
def lesson_with_an_image(learner_site, settings, tmp_path):
    from wagtail.models import Page
    from wagtail_factories import ImageFactory

    settings.MEDIA_ROOT = tmp_path
    for language in ("en", "ar"):
        path = learner_site.pages["lesson"][language]
        lesson = next(
            page.specific
            for page in Page.objects.live().filter(url_path__endswith=path[3:])
            if page.url == path
        )
        image = ImageFactory(file__width=600, file__height=400)
        lesson.body.append(("image", {"image": image, "alt": "A map"}))
        lesson.save_revision().publish()
    return learner_site


def new_page(chromium, site, who=None, **options):
    context = chromium.new_context(**options)
    if who:
        context.add_cookies([site.cookie(who)])
    page = context.new_page()
    return page, watch(page)


@pytest.mark.parametrize("language", ["en", "ar"])
def test_learner_pages_meet_no_csp_violation(chromium, lesson_with_an_image, language):
    from certificates.models import Certificate

    site = lesson_with_an_image
    found = []

    # Anonymous, saving data: the placeholder becomes its picture when tapped.
    page, violations = new_page(chromium, site, extra_http_headers={"Save-Data": "on"})
    page.goto(site("lesson", language))
    placeholder = page.locator("a.image-placeholder")
    expect(placeholder).to_have_count(1)
    placeholder.click()
    expect(page.locator("main figure img")).to_have_count(1)
    expect(placeholder).to_have_count(0)
    page.context.close()
    found += violations

    # A learner: the quiz, the dashboard and its progress bar, the course
    # saved for offline use (download.js and the service worker).
    page, violations = new_page(chromium, site, "learner")
    for name in ("quiz", "lesson", "dashboard"):
        page.goto(site(name, language))
        page.wait_for_load_state("networkidle")
    expect(page.locator("progress.bar").first).to_be_attached()
    page.goto(site("course", language))
    page.locator(".downloads button").first.click()
    # "Saved on this phone", in the page's language (download.js's own text).
    done = page.locator("script[data-done]").get_attribute("data-done")
    expect(page.locator("#offline-status")).to_have_text(done, timeout=20_000)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.close()
    found += violations

    # The verify page checks the QR code's signature in the browser.
    token = Certificate.objects.get(code=site.certificate_code).qr_token
    page, violations = new_page(
        chromium, site, extra_http_headers={"Accept-Language": language}
    )
    page.goto(f"{site('verify-valid', language)}#{token}")
    page.wait_for_function(
        "document.getElementById('qr-check').textContent"
        " && !/Checking|…/.test(document.getElementById('qr-check').textContent)"
    )
    assert page.locator("#qr-check.mismatch, dd.mismatch").count() == 0
    page.context.close()
    found += violations

    assert found == []


def test_the_watch_sees_what_the_policy_blocks(chromium, learner_site):
    page, violations = new_page(chromium, learner_site)
    page.goto(learner_site("lesson"))

    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(content="window.injected = true")

    assert page.evaluate("window.injected") is None
    page.wait_for_function("() => true")
    assert any("script-src" in text for text in violations)
    page.context.close()
