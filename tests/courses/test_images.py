"""Lesson images: renditions in modern formats, and placeholders for a learner
who saves data (the Save-Data header or the profile setting)."""

import re

import pytest
from wagtail_factories import ImageFactory

from courses import images

from .factories import LessonPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lesson(tree, settings, tmp_path):
    """A lesson with two images (1200 × 800) between paragraphs."""
    settings.MEDIA_ROOT = tmp_path
    body = []
    for n in range(2):
        image = ImageFactory(file__width=1200, file__height=800)
        body += [
            {"type": "paragraph", "value": f"<p>Before picture {n}.</p>"},
            {
                "type": "image",
                "value": {"image": image.pk, "alt": f"Picture {n}", "caption": ""},
            },
        ]
    return LessonPageFactory(parent=tree.modules[1], body=body)


def figures(content):
    return re.findall(r"<figure .*?</figure>", content, re.S)


def test_images_are_pictures_in_avif_and_webp_with_a_jpeg_fallback(client, lesson):
    content = client.get(lesson.url).content.decode()

    first, second = figures(content)
    assert '<source sizes="(min-width: 42rem) 40rem, 100vw"' in first
    avif, webp = re.findall(r'<source [^>]*srcset="([^"]+)"[^>]*type="([^"]+)"', first)
    assert avif[1] == "image/avif" and webp[1] == "image/webp"
    assert re.fullmatch(r"\S+\.avif 360w, \S+\.avif 720w", avif[0])
    img = re.search(r"<img [^>]*>", first).group(0)
    assert re.search(r'srcset="\S+\.jpg 360w, \S+\.jpg 720w"', img)
    assert ' width="360"' in img and ' height="240"' in img
    assert 'alt="Picture 0"' in img
    assert "/original_images/" not in content


def test_only_the_first_image_loads_at_once(client, lesson):
    content = client.get(lesson.url).content.decode()

    first, second = (re.search(r"<img [^>]*>", f).group(0) for f in figures(content))
    assert 'loading="eager"' in first
    assert 'loading="lazy"' in second


def test_lessons_vary_on_save_data(client, lesson):
    response = client.get(lesson.url)

    assert "Save-Data" in response["Vary"]


def test_with_save_data_each_image_is_a_link_naming_its_size(client, lesson):
    response = client.get(lesson.url, headers={"Save-Data": "on"})
    content = response.content.decode()

    rendition = lesson.body[1].value["image"].get_rendition(images.PLACEHOLDER_SPEC)
    size = images.kib(rendition.file.size)
    first = figures(content)[0]
    link = re.search(r"<a class=\"image-placeholder\"[^>]*>.*?</a>", first).group(0)
    assert f'href="{rendition.url}"' in link  # opens the image without JavaScript
    assert f"Show image ({size} KiB)" in link
    assert "Picture 0" in link
    # The picture waits, inert, in a <template>: only its small width.
    before_template = first.split("<template>")[0]
    assert "<img" not in before_template
    assert ".width-720." not in first
    assert "To save data, images load only when you tap them." in content
    assert 'js/show-image.js" defer></script>' in content


def test_the_profile_setting_shows_placeholders_too(client, lesson, learner):
    learner.is_data_saver_on = True
    learner.save()
    client.force_login(learner)

    content = client.get(lesson.url).content.decode()

    assert content.count('class="image-placeholder"') == 2
    assert 'href="/en/accounts/profile/"' in content


def test_without_images_there_is_no_script_and_no_note(client, tree):
    content = client.get(tree.lessons[0].url, headers={"Save-Data": "on"}).content

    assert b"<script" not in content
    assert b"images load only when you tap" not in content


def test_save_data_off_or_missing_shows_images():
    class Request:
        def __init__(self, headers):
            self.headers = headers
            self.user = None

    assert images.is_saving_data(Request({"Save-Data": "on"}))
    assert images.is_saving_data(Request({"Save-Data": " ON "}))
    assert not images.is_saving_data(Request({"Save-Data": "off"}))
    assert not images.is_saving_data(Request({}))
    assert not images.is_saving_data(None)


def test_the_specs_prefetched_are_the_ones_the_template_asks_for():
    assert images.RENDITION_SPECS == (
        "format-avif|width-360",
        "format-avif|width-720",
        "format-webp|width-360",
        "format-webp|width-720",
        "format-jpeg|width-360",
        "format-jpeg|width-720",
    )
    assert images.PLACEHOLDER_SPEC in images.RENDITION_SPECS
