"""`make run` (DEBUG on) serves media from disk, as nginx does in production:
never a certificate PDF, which only its holder may download."""

import importlib

import pytest
from django.urls import clear_url_caches


@pytest.fixture
def dev_urls(settings, tmp_path):
    import config.urls

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    module = importlib.reload(config.urls)
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()
    yield tmp_path
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_dev_media_serves_images_but_never_certificate_pdfs(client, dev_urls):
    (dev_urls / "images").mkdir()
    (dev_urls / "images" / "leaf.txt").write_text("a leaf")
    (dev_urls / "certificates" / "abc").mkdir(parents=True)
    (dev_urls / "certificates" / "abc" / "pamoja-PMJ.pdf").write_bytes(b"%PDF-")

    assert client.get("/media/images/leaf.txt").status_code == 200
    assert client.get("/media/certificates/abc/pamoja-PMJ.pdf").status_code == 404
