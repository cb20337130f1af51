"""HTML and static files served the low-bandwidth way."""

import gzip

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", [code for code, _name in settings.LANGUAGES])
def test_the_home_page_renders_in_every_language_with_lang_and_dir(
    client, tiny_course, code
):
    response = client.get(f"/{code}/")

    assert response.status_code == 200
    html = response.content.decode()
    direction = "rtl" if code == "ar" else "ltr"
    assert f'<html lang="{code}" dir="{direction}">' in html


def test_the_root_redirects_to_the_visitors_language(client, tiny_course):
    response = client.get("/", headers={"Accept-Language": "sw,en;q=0.5"})

    assert response.status_code == 302
    assert response["Location"] == "/sw/"


def test_html_is_gzipped_when_the_browser_accepts_it(client, tiny_course):
    response = client.get("/en/", headers={"Accept-Encoding": "gzip"})

    assert response["Content-Encoding"] == "gzip"
    assert b"Tiny course" in gzip.decompress(response.content)
    assert "Accept-Encoding" in response["Vary"]


def test_unchanged_html_is_answered_304_with_no_body(client, tiny_course):
    first = client.get("/en/", headers={"Accept-Encoding": "gzip"})
    etag = first["ETag"]

    again = client.get(
        "/en/", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )

    assert again.status_code == 304
    assert again.content == b""


def test_a_changed_page_gets_a_new_etag(client, tiny_course):
    etag = client.get("/en/")["ETag"]
    tiny_course.title = "Renamed course"
    tiny_course.save_revision().publish()

    response = client.get("/en/", headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_favicon_and_robots_are_served_without_a_view(client):
    assert client.get("/favicon.ico").status_code == 200
    assert b"Disallow: /admin/" in b"".join(client.get("/robots.txt").streaming_content)


def test_pages_make_no_third_party_requests(client, tiny_course):
    html = client.get("/en/").content.decode()

    assert "http://" not in html.replace("http://testserver", "")
    assert "https://" not in html
    assert "<script" not in html


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/healthz/nothing"])
def test_a_404_outside_the_learner_pages_is_not_redirected(client, path):
    assert client.get(path).status_code == 404


def test_a_learners_saved_language_wins_for_an_unprefixed_url(
    client, learner, tiny_course
):
    learner.preferred_language = "fr"
    learner.save()
    client.force_login(learner)

    response = client.get("/", headers={"Accept-Language": "sw"})

    assert response["Location"] == "/fr/"
