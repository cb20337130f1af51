"""The language switcher keeps the learner on the same page, or says why not."""

import re

import pytest

LESSON_ONE = "tiny-course/first-module/lesson-one/"  # translated into French
LESSON_TWO = "tiny-course/first-module/lesson-two/"  # not translated


def switcher(content: str) -> dict[str, tuple[str, str, str]]:
    """Language code → (href, hreflang, text) of each link in the switcher."""
    nav = re.search(r'<nav class="lang".*?</nav>', content, re.S).group(0)
    links = re.findall(
        r'<a href="([^"]*)" lang="([^"]*)" hreflang="([^"]*)"[^>]*>([^<]*)</a>', nav
    )
    return {code: (href, hreflang, text) for href, code, hreflang, text in links}


def alternates(content: str) -> dict[str, str]:
    head = content[: content.index("</head>")]
    found = re.findall(
        r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', head
    )
    return dict(found)


@pytest.fixture
def get(client, french_tiny_course):
    return lambda path: client.get(path).content.decode()


def test_a_translated_page_links_to_its_translation(get):
    links = switcher(get(f"/en/{LESSON_ONE}"))
    assert links["fr"] == (f"/fr/{LESSON_ONE}", "fr", "français")
    assert links["en"] == (f"/en/{LESSON_ONE}", "en", "English")

    links = switcher(get(f"/fr/{LESSON_ONE}"))
    assert links["en"] == (f"/en/{LESSON_ONE}", "en", "English")


def test_an_untranslated_page_says_so_and_links_to_the_source(get):
    links = switcher(get(f"/en/{LESSON_TWO}"))
    # The note is in the language the learner is looking for.
    assert links["fr"] == (f"/en/{LESSON_TWO}", "en", "français (pas encore traduit)")
    assert links["sw"] == (
        f"/en/{LESSON_TWO}",
        "en",
        "Kiswahili (bado haijatafsiriwa)",
    )
    assert links["en"][2] == "English"


def test_a_module_quiz_counts_as_translated_only_with_all_its_lessons(get):
    # The French module has lesson one only: its quiz lacks lesson two's.
    links = switcher(get("/en/tiny-course/first-module/quiz/"))
    assert links["fr"][:2] == ("/en/tiny-course/first-module/quiz/", "en")
    # The module page itself is translated.
    links = switcher(get("/en/tiny-course/first-module/"))
    assert links["fr"][:2] == ("/fr/tiny-course/first-module/", "fr")


def test_hreflang_alternates_list_the_translations_that_exist(get):
    found = alternates(get(f"/en/{LESSON_ONE}"))
    assert found == {
        "en": f"http://testserver/en/{LESSON_ONE}",
        "fr": f"http://testserver/fr/{LESSON_ONE}",
        "x-default": f"http://testserver/en/{LESSON_ONE}",
    }
    assert set(alternates(get(f"/fr/{LESSON_ONE}"))) == {
        "en",
        "fr",
        "x-default",
    }
    assert set(alternates(get(f"/en/{LESSON_TWO}"))) == {"en", "x-default"}


def test_the_catalogue_links_to_each_languages_catalogue(get):
    links = switcher(get("/en/"))
    assert links["fr"][:2] == ("/fr/", "fr")
    assert links["ar"][2].endswith(")")  # no Arabic catalogue in the fixture


def test_a_page_outside_the_tree_links_to_itself_in_every_language(client, db):
    content = client.get("/en/accounts/login/").content.decode()
    links = switcher(content)
    assert links["ar"] == ("/ar/accounts/login/", "ar", "العربيّة")
    assert len(alternates(content)) == 11  # ten languages and x-default
