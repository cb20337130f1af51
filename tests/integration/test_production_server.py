"""gunicorn with the production settings, as an operator would run it."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
KEY = "integration-" + "Zq8vL2mX9pR4tW7yB3nC6kD1fG5hJ0sA" * 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        name = connection.settings_dict["NAME"]
    static_root = tmp_path_factory.mktemp("static")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}",
        "DJANGO_STATIC_ROOT": str(static_root),
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--forwarded-allow-ips",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(base + "/robots.txt", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=30)


def fetch(url, **headers):
    headers.setdefault("X-Forwarded-Proto", "https")
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_healthz_is_ok_behind_the_proxy(server):
    status, _, body = fetch(server + "/healthz")

    assert status == 200, body


def test_plain_http_is_redirected_to_https(server):
    request = urllib.request.Request(  # noqa: S310 - our own http:// server
        server + "/healthz", headers={"X-Forwarded-Proto": "http"}
    )
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as caught:
        opener.open(request, timeout=10)  # noqa: S310
    assert caught.value.code == 301
    assert caught.value.headers["Location"].startswith("https://")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_static_files_are_hashed_immutable_and_brotli_compressed(server):
    _, _, html = fetch(
        server + "/en/accounts/login/", **{"Accept-Encoding": "identity"}
    )
    css = next(
        part.split('"')[0]
        for part in html.decode().split('href="')[1:]
        if part.startswith("/static/css/pamoja.")
    )
    status, headers, body = fetch(server + css, **{"Accept-Encoding": "br"})

    assert status == 200
    assert css.count(".") == 2, "the stylesheet name carries a content hash"
    assert "immutable" in headers["Cache-Control"]
    assert headers["Content-Encoding"] == "br"
    assert len(body) < int(headers.get("X-Uncompressed-Length", 10**9))


def test_html_is_compressed_and_security_headers_are_set(server):
    status, headers, _ = fetch(
        server + "/en/accounts/login/", **{"Accept-Encoding": "gzip"}
    )

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_favicon_and_robots_are_served_from_the_root(server):
    assert fetch(server + "/favicon.ico")[0] == 200
    status, _, body = fetch(server + "/robots.txt")
    assert status == 200
    assert b"Disallow: /admin/" in body
