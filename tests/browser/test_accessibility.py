"""Every page a learner meets, checked in real Chromium: axe-core finds no
WCAG 2.x A/AA violation of any impact, in English and Arabic, in the light
and the dark colour scheme; the keyboard alone gets around (a skip link
first, a visible focus, the order of the page); targets are at least 24 by
24 CSS pixels; and Arabic mirrors the layout."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from tests.browser.learner_site import LANGUAGES

AXE = (
    Path(__file__).resolve().parents[2]
    / "tools/pagecheck/node_modules/axe-core/axe.min.js"
)
# The rule tags pagecheck runs (tools/pagecheck/README.md).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True}
UNKNOWN_CODE = "PMJ-0000-0000-0000-0"

# (who, page): a page name of LearnerSite, or a URL name with the language
# prefix. Quiz results are reached by answering the quiz.
PAGES = [
    (None, "catalogue"),
    (None, "course"),
    (None, "module"),
    (None, "lesson"),
    (None, "quiz"),
    (None, "quiz-result"),
    (None, "account_signup"),
    (None, "account_login"),
    (None, "account_reset_password"),
    (None, "verify"),
    (None, "verify-valid"),
    (None, "verify-unknown"),
    (None, "not-found"),
    ("learner", "dashboard"),
    ("learner", "course"),
    ("learner", "lesson"),
    ("learner", "next-lesson"),
    ("learner", "quiz"),
    ("learner", "quiz-result"),
    ("learner", "account_change_password"),
    ("learner", "account_email"),
    ("learner", "account_profile"),
    ("learner", "account_logout"),
    ("learner", "progress:join"),
    ("graduate", "dashboard"),
    ("graduate", "course"),
]


@pytest.fixture
def browse(chromium, learner_site):
    """browse(who, scheme="light") -> a new page, logged in as ``who``."""
    contexts = []

    def open_page(who=None, scheme="light", viewport=None):
        context = new_context(chromium, learner_site, who, scheme, viewport)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def new_context(chromium, site, who, scheme, viewport=None):
    context = chromium.new_context(
        color_scheme=scheme, **{**PHONE, **({"viewport": viewport} if viewport else {})}
    )
    # axe-core, from pagecheck's pinned copy, ready on every page.
    context.add_init_script(path=str(AXE))
    if who:
        context.add_cookies([site.cookie(who)])
    return context


def url_of(site, name, language):
    if name in site.pages:
        return site(name, language)
    if name == "verify-unknown":
        return f"{site.url}/verify/{UNKNOWN_CODE}/"
    if name == "not-found":
        return f"{site.url}/{language}/no-such-page/"
    with translation.override(language):
        return site.url + reverse(name)


def visit(page, site, name, language) -> int:
    """Open the page ``name``; a quiz result is the answer to the quiz.
    Returns the HTTP status."""
    if name == "quiz-result":
        page.goto(site("quiz", language))
        for question in page.locator("form.quiz fieldset").all():
            question.locator("input").first.check()
        with page.expect_navigation() as navigation:
            page.click("form.quiz button[type=submit]")
        response = navigation.value
    else:
        response = page.goto(url_of(site, name, language))
    page.wait_for_load_state("load")
    return response.status


def axe_violations(page) -> list[str]:
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [
        f"{v['impact']} {v['id']}: {v['help']} -> "
        + "; ".join(
            f"{node['target']} {node['failureSummary'].splitlines()[-1].strip()}"
            for node in v["nodes"][:5]
        )
        for v in result["violations"]
    ]


TARGETS = """() => {
  // WCAG 2.5.8's inline exception: a link inside a sentence is sized by the text.
  const inline = el => {
    if (el.tagName !== 'A') return false;
    const block = el.closest('p, li, dd, td, figcaption');
    return !!block && block.textContent.trim() !== el.textContent.trim();
  };
  return [...document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')]
    .filter(el => el.getClientRects().length && !inline(el))
    .map(el => {
      const box = el.getBoundingClientRect();
      const text = (el.textContent || el.name || '').trim().slice(0, 40);
      return {tag: el.tagName, text, width: box.width, height: box.height};
    })
    .filter(target => target.width < 24 || target.height < 24);
}"""


@dataclass
class Audit:
    background: str = ""  # the page's, to know which palette was checked
    statuses: dict = field(default_factory=dict)
    violations: dict = field(default_factory=dict)
    small_targets: dict = field(default_factory=dict)


BACKGROUND = "getComputedStyle(document.body).backgroundColor"
LIGHT, DARK = "rgb(255, 255, 255)", "rgb(18, 20, 23)"  # site/static/css/pamoja.css


@pytest.fixture(scope="module")
def audits():
    """One visit of every page per language and colour scheme, shared by the
    tests below: (language, scheme) -> Audit."""
    return {}


def audited(audits, chromium, site, language, scheme) -> Audit:
    if (language, scheme) not in audits:
        audit = Audit()
        contexts = {}
        for who, name in PAGES:
            if who not in contexts:
                contexts[who] = new_context(chromium, site, who, scheme)
                contexts[who].new_page()
            page = contexts[who].pages[0]
            where = f"{who or 'anonymous'} {name}"
            audit.statuses[where] = visit(page, site, name, language)
            audit.background = page.evaluate(BACKGROUND)
            if violations := axe_violations(page):
                audit.violations[f"{where} {page.url}"] = violations
            page.focus("a.skip")  # the skip link counts where it shows
            if small := page.evaluate(TARGETS):
                audit.small_targets[where] = small
        for context in contexts.values():
            context.close()
        audits[language, scheme] = audit
    return audits[language, scheme]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_learner_page_answers(audits, chromium, learner_site, language):
    statuses = audited(audits, chromium, learner_site, language, "light").statuses
    expected = {
        where: 404 if where.endswith(("unknown", "not-found")) else 200
        for where in statuses
    }
    assert statuses == expected


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_no_axe_violation_on_any_learner_page(
    audits, chromium, learner_site, language, scheme
):
    audit = audited(audits, chromium, learner_site, language, scheme)
    assert audit.background == {"light": LIGHT, "dark": DARK}[scheme]
    found = audit.violations
    assert not found, "\n".join(
        f"{where}:\n  " + "\n  ".join(violations) for where, violations in found.items()
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_interactive_targets_are_at_least_24_css_pixels(
    audits, chromium, learner_site, language
):
    audit = audited(audits, chromium, learner_site, language, "light")
    assert not audit.small_targets


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_lesson_prints_dark_text_on_white_without_the_navigation(
    browse, learner_site, scheme
):
    page = browse("learner", scheme)
    page.goto(learner_site("lesson"))
    page.emulate_media(media="print")
    assert page.evaluate(BACKGROUND) == LIGHT
    assert page.evaluate("getComputedStyle(document.body).color") == "rgb(26, 26, 26)"
    for hidden in (".site-header", ".pager", ".crumbs", "main form"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator("main h1").is_visible()


# --- Keyboard ------------------------------------------------------------------

FOCUSABLE = (
    "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]),"
    " select:not([disabled]), textarea:not([disabled]), summary, [tabindex]"
)

TAB_STOP = """() => {
  const el = document.activeElement;
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, cls: el.className,
    text: (el.textContent || el.value || '').trim().slice(0, 40),
    visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
      && box.top < innerHeight && box.left < innerWidth
      && style.visibility !== 'hidden',
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    shadow: style.boxShadow !== 'none',
  };
}"""


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_first_tab_reaches_a_visible_skip_link_to_the_main_content(
    browse, learner_site, language
):
    page = browse("learner")
    page.goto(learner_site("next-lesson", language))

    page.keyboard.press("Tab")
    first = page.evaluate(TAB_STOP)
    assert "skip" in first["cls"]
    assert first["visible"], first
    assert first["outline"], first
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    inside_main = page.evaluate(
        "document.getElementById('main').contains(document.activeElement)"
    )
    assert inside_main, "the next Tab after the skip link stays in <main>"


@pytest.mark.parametrize(
    ("who", "name"),
    [
        (None, "lesson"),
        ("learner", "next-lesson"),
        (None, "account_login"),
        ("learner", "quiz"),
        ("learner", "dashboard"),
        ("graduate", "dashboard"),
        (None, "verify"),
    ],
)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_tab_stop_is_visible_focused_and_in_document_order(
    browse, learner_site, who, name, scheme
):
    page = browse(who, scheme)
    visit(page, learner_site, name, "en")
    assert page.locator("[tabindex]:not([tabindex='-1'], [tabindex='0'])").count() == 0
    # What Tab should reach: every rendered control, a group of radio buttons once.
    expected = page.evaluate(
        """sel => {
             const seen = new Set();
             return [...document.querySelectorAll(sel)].filter(el => {
               if (el.tabIndex < 0 || !el.getClientRects().length) return false;
               if (getComputedStyle(el).visibility === 'hidden') return false;
               if (el.type !== 'radio') return true;
               const first = !seen.has(el.name);
               seen.add(el.name);
               return first;
             }).map(el => el.outerHTML.slice(0, 60));
           }""",
        FOCUSABLE,
    )
    stops, problems = [], []
    for _ in range(len(expected) + 1):
        page.keyboard.press("Tab")
        stop = page.evaluate(TAB_STOP)
        if stop["tag"] == "body":
            break
        stops.append(stop)
        if not stop["visible"] or not (stop["outline"] or stop["shadow"]):
            problems.append({"not visibly focused": stop})
        if not page.evaluate(IN_DOCUMENT_ORDER):
            problems.append({"out of order": stop})
    assert len(stops) == len(expected), (stops, expected)
    assert not problems, problems


IN_DOCUMENT_ORDER = """() => {
  const el = document.activeElement, previous = window.lastStop;
  window.lastStop = el;
  return !previous
    || !!(previous.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
}"""


# --- Right to left -------------------------------------------------------------

WIDE = {"width": 1024, "height": 768}
# How far the text of ``sel`` stands from its block's start edge (the left
# in a left-to-right page, the right in a right-to-left one).
TEXT_START_GAP = """sel => {
  const el = document.querySelector(sel);
  const range = document.createRange();
  range.selectNodeContents(el);
  const text = range.getBoundingClientRect();
  const box = el.getBoundingClientRect();
  const style = getComputedStyle(el);
  const px = name => parseFloat(style[name]);
  const left = box.left + px('borderLeftWidth') + px('paddingLeft');
  const right = box.right - px('borderRightWidth') - px('paddingRight');
  return document.dir === 'rtl' ? right - text.right : text.left - left;
}"""


def box(page, selector):
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("language", LANGUAGES)
def test_arabic_mirrors_the_layout(browse, learner_site, language):
    page = browse("learner", viewport=WIDE)
    page.goto(learner_site("lesson", language))
    assert page.get_attribute("html", "dir") == {"en": "ltr", "ar": "rtl"}[language]
    header, brand, nav = (
        box(page, ".site-header"),
        box(page, ".brand"),
        box(page, "nav"),
    )
    crumbs = page.locator(".crumbs li").all()
    first_crumb, last_crumb = crumbs[0].bounding_box(), crumbs[-1].bounding_box()

    if language == "ar":
        # The brand starts the header on the right, the menu ends it on the left.
        assert header["x"] + header["width"] - (brand["x"] + brand["width"]) < 24
        assert nav["x"] - header["x"] < 24
        assert first_crumb["x"] > last_crumb["x"]
    else:
        assert brand["x"] - header["x"] < 24
        assert header["x"] + header["width"] - (nav["x"] + nav["width"]) < 24
        assert first_crumb["x"] < last_crumb["x"]
    # Headings and paragraphs start at the reading edge of the column.
    for selector in ("main h1", "main .objective", "main .position"):
        gap = page.evaluate(TEXT_START_GAP, selector)
        assert abs(gap) < 2, (selector, gap)

    page.goto(learner_site("quiz", language))
    radio, answer = box(page, "label.option input"), box(page, "label.option span")
    # The radio button comes before its answer, in reading order.
    assert (radio["x"] < answer["x"]) == (language == "en")
