"""deploy/ as an operator runs it, on loopback: Debian's nginx (TLS) in front
of two gunicorn instances, two Celery workers and Celery beat, against
PostgreSQL and Redis.

The commands and environment come from the files in deploy/ themselves (the
systemd units' ExecStart= and Environment=, pamoja.env.example, the nginx
site file), with only paths and ports swapped for temporary ones.
"""

import gzip
import hashlib
import ipaddress
import os
import re
import shelve
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.datastructures import MultiValueDict

from certificates import api as certificates_api
from certificates import statuslist
from certificates.models import Certificate, StatusList, VerificationLog
from progress import api as progress_api
from progress.models import Enrolment, LessonProgress, QuizAttempt
from tests.browser.conftest import CHROMIUM_ARGS
from tests.integration.conftest import ROOT, wait_for
from tests.progress.helpers import answers, lessons, module

# Playwright's sync API runs an event loop in this thread (see tests/browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEPLOY = ROOT / "deploy"
KEY = "stack-" + "Hq3vT8mW1pZ6xR4yN9bC2kF7dJ5sL0gA" * 2
PASSWORD = "a-long-Pass-phrase-42"  # the learner fixture's


# --- Reading deploy/ ------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_unit(name: str, instance: str = "") -> tuple[list[str], dict]:
    """A systemd unit's ExecStart (as argv) and Environment=, %i filled in."""
    argv, environment = None, {}
    for line in (DEPLOY / "systemd" / name).read_text().splitlines():
        line = line.replace("%i", instance).replace("%H", socket.gethostname())
        if line.startswith("ExecStart="):
            argv = shlex.split(line.removeprefix("ExecStart="))
        elif line.startswith("Environment="):
            key, _, value = line.removeprefix("Environment=").partition("=")
            environment[key] = value
    assert argv, f"{name} has no ExecStart="
    return argv, environment


def read_env_file() -> dict:
    values = {}
    for line in (DEPLOY / "pamoja.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip('"')
    return values


def command(argv: list[str], env: dict) -> list[str]:
    """The unit's command with this checkout's Python and ${VAR}s expanded."""
    program = Path(argv[0]).name
    assert argv[0] == f"/srv/pamoja/app/.venv/bin/{program}", argv[0]
    rest = [re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], a) for a in argv[1:]]
    return [sys.executable, "-m", program, *rest]


def substitute(text: str, replacements: dict) -> str:
    for old, new in replacements.items():
        assert old in text, f"deploy/nginx/pamoja.conf no longer has {old!r}"
        text = text.replace(old, new)
    return text


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = timezone.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


# --- Processes ------------------------------------------------------------------


@dataclass
class Stack:
    base: str  # https://127.0.0.1:<port>, through nginx
    plain: str  # http://127.0.0.1:<port>, nginx's redirecting server
    web: list[str]  # http://127.0.0.1:<port> of each gunicorn instance
    env: dict
    tls: ssl.SSLContext
    tmp: Path
    static_root: Path
    logs: dict[str, Path] = field(default_factory=dict)
    workers: list[str] = field(default_factory=list)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace")


def start(argv, env, log: Path, processes: list) -> subprocess.Popen:
    out = open(log, "ab")  # noqa: SIM115 - closed by the OS when the process ends
    process = subprocess.Popen(  # noqa: S603 - our own deploy/ commands
        argv,
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: all of it is stopped
    )
    out.close()
    processes.append(process)
    return process


def stop(processes: list) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def wait_until_up(process, url, log: Path, context=None, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"{process.args[:4]} exited with {process.returncode}:\n"
                + log.read_text(errors="replace")[-3000:],
                pytrace=False,
            )
        try:
            request = urllib.request.Request(  # noqa: S310 - loopback
                url, headers={"X-Forwarded-Proto": "https"}
            )
            urllib.request.urlopen(request, timeout=2, context=context)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {timeout:.0f} s; see {log}")


def nginx_binary() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    if found is None:
        pytest.fail(
            "Debian's nginx is not installed: apt-get install nginx (make test "
            "installs it as root: scripts/system-packages.sh --with-browser)",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    nginx = nginx_binary()
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
    tmp = tmp_path_factory.mktemp("stack")
    static_root = tmp / "static"
    env = {
        **os.environ,
        **read_env_file(),
        "DJANGO_SECRET_KEY": KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database}",
        "REDIS_URL": settings.REDIS_URL,
        # Certificates issued by the tests and by the workers name one issuer.
        "DJANGO_BASE_URL": settings.PAMOJA_PUBLIC_URL,
        "DJANGO_STATIC_ROOT": str(static_root),
        "DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PAMOJA_KEY_DIR": str(settings.PAMOJA_KEY_DIR),
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        # Two cores here: fewer processes than a server would run.
        "GUNICORN_WORKERS": "2",
        "PAMOJA_WORKER_CONCURRENCY": "1",
    }
    assert env["DJANGO_TRUSTED_PROXY_COUNT"] == "1"
    assert env["PAMOJA_MEDIA_S3_BUCKET"] == ""
    processes: list[subprocess.Popen] = []
    try:
        subprocess.run(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.production"},
            check=True,
            timeout=600,
        )

        # Two gunicorn instances, as pamoja-web@<port>.service starts them.
        web, logs = [], {}
        for n in (1, 2):
            port = free_port()
            argv, unit_env = read_unit("pamoja-web@.service", str(port))
            unit_env["XDG_CACHE_HOME"] = str(tmp / "cache")
            process_env = {**env, **unit_env, **_only_overrides(env)}
            logs[f"web{n}"] = tmp / f"web{n}.log"
            process = start(
                command(argv, process_env), process_env, logs[f"web{n}"], processes
            )
            web.append(f"http://127.0.0.1:{port}")
            wait_until_up(process, web[-1] + "/healthz", logs[f"web{n}"])

        # Two Celery workers, as pamoja-worker@<name>.service starts them.
        from config.celery import app

        app.control.purge()
        workers = []
        for n in (1, 2):
            instance = f"stack{n}-{os.getpid()}"
            argv, unit_env = read_unit("pamoja-worker@.service", instance)
            unit_env["XDG_CACHE_HOME"] = str(tmp / "cache")
            process_env = {**env, **unit_env, **_only_overrides(env)}
            logs[f"worker{n}"] = tmp / f"worker{n}.log"
            start(
                command(argv, process_env), process_env, logs[f"worker{n}"], processes
            )
            workers.append(f"pamoja-{instance}@{socket.gethostname()}")
        answered = wait_for(
            lambda: len(app.control.ping(destination=workers, timeout=1)) == 2,
            timeout=120,
        )
        assert answered, "the two workers did not answer a ping within 120 s"

        # nginx with deploy/nginx/pamoja.conf, ports and paths swapped.
        prefix = tmp / "nginx"
        prefix.mkdir()
        cert, key = self_signed_certificate(prefix)
        https_port, http_port = free_port(), free_port()
        site = substitute(
            (DEPLOY / "nginx" / "pamoja.conf").read_text(),
            {
                "listen 80;": f"listen 127.0.0.1:{http_port};",
                "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
                "server 127.0.0.1:8001 ": f"server {web[0].split('//')[1]} ",
                "server 127.0.0.1:8002 ": f"server {web[1].split('//')[1]} ",
                "/etc/letsencrypt/live/learn.example.org/fullchain.pem": str(cert),
                "/etc/letsencrypt/live/learn.example.org/privkey.pem": str(key),
                "/var/log/nginx/pamoja.access.log": str(prefix / "access.log"),
                "/var/www/letsencrypt": str(prefix / "acme"),
                "/srv/pamoja/static/": f"{static_root}/",
                "/srv/pamoja/media/": f"{settings.MEDIA_ROOT}/",
            },
        )
        (prefix / "pamoja.conf").write_text(site)
        # What Debian's /etc/nginx/nginx.conf gives the site file, in the prefix.
        temp_paths = "".join(
            f"    {kind}_temp_path {prefix / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (prefix / "nginx.conf").write_text(
            # As root, the workers would be nobody, who cannot read pytest's
            # 0700 temporary directories.
            ("user root;\n" if os.geteuid() == 0 else "")
            + "worker_processes 1;\n"
            + "events { worker_connections 256; }\n"
            + "http {\n"
            + "    include /etc/nginx/mime.types;\n"
            + "    default_type application/octet-stream;\n"
            + "    sendfile on;\n"
            + f"    access_log {prefix / 'other.log'};\n"
            + temp_paths
            + f"    include {prefix / 'pamoja.conf'};\n"
            + "}\n"
        )
        nginx_argv = [
            nginx,
            "-p",
            f"{prefix}/",
            "-c",
            str(prefix / "nginx.conf"),
            "-g",
            f"daemon off; pid {prefix / 'nginx.pid'}; "
            f"error_log {prefix / 'error.log'} info;",
        ]
        checked = subprocess.run(  # noqa: S603
            [*nginx_argv, "-t"], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr
        logs["nginx"] = prefix / "access.log"
        process = start(nginx_argv, env, prefix / "nginx.out", processes)
        tls = ssl.create_default_context(cafile=str(cert))
        base = f"https://127.0.0.1:{https_port}"
        wait_until_up(process, base + "/robots.txt", prefix / "error.log", tls)

        yield Stack(
            base=base,
            plain=f"http://127.0.0.1:{http_port}",
            web=web,
            env=env,
            tls=tls,
            tmp=tmp,
            static_root=static_root,
            logs=logs,
            workers=workers,
        )
    finally:
        stop(processes)


def _only_overrides(env: dict) -> dict:
    """EnvironmentFile= overrides Environment= (systemd): the env file's keys."""
    return {key: env[key] for key in read_env_file()}


# --- A small HTTP client that keeps cookies ------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """Keeps cookies itself: the session cookie is Secure, and a direct
    request to gunicorn is plain HTTP that says it came through HTTPS."""

    def __init__(self, base: str, *, tls=None, cookies=None):
        self.base = base
        self.cookies = cookies if cookies is not None else {}
        self.opener = urllib.request.build_opener(
            NoRedirect, urllib.request.HTTPSHandler(context=tls)
        )

    def request(self, method, path, *, data=None, headers=None):
        headers = {"Accept-Encoding": "identity", **(headers or {})}
        if self.base.startswith("http://"):
            headers.setdefault("X-Forwarded-Proto", "https")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers.setdefault("Origin", "https://" + self.base.split("//", 1)[1])
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            body = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, body

    def get(self, path, **headers):
        return self.request("GET", path, headers=headers)

    def post_form(self, path, fields: dict, *, action=None):
        """Open ``path``, then post its form (to ``action``) with its CSRF token."""
        _, _, page = self.get(path)
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, page[:500]
        data = urllib.parse.urlencode(
            {**fields, "csrfmiddlewaretoken": token.group(1).decode()}
        ).encode()
        return self.request(
            "POST",
            action or path,
            data=data,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": self.base + path,
            },
        )


def log_in(client: Client, user) -> None:
    # The test settings hash with MD5, which production does not accept.
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "stacksalt", 1000)
    user.save(update_fields=["password"])
    status, headers, body = client.post_form(
        "/en/accounts/login/", {"login": user.username, "password": PASSWORD}
    )
    assert status == 302, body[:1000]
    assert headers["Location"].endswith("/en/dashboard/")


# --- (a) static files, media and limits through nginx ----------------------------


def test_static_files_come_from_nginx_compressed_and_cached_for_good(stack):
    client = Client(stack.base, tls=stack.tls)
    _, _, html = client.get("/en/accounts/login/")
    css = re.search(rb'href="(/static/css/pamoja\.[0-9a-f]{12}\.css)"', html)
    assert css, "the stylesheet is linked under its hashed name"
    css = css.group(1).decode()

    status, headers, body = client.get(css, **{"Accept-Encoding": "gzip"})

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in headers["Vary"]
    cache_control = ", ".join(headers.get_all("Cache-Control"))
    assert "immutable" in cache_control
    assert "max-age=315360000" in cache_control
    assert gzip.decompress(body) == (stack.static_root / css[8:]).read_bytes()
    # nginx answered: neither gunicorn instance saw the request.
    assert css not in stack.log("web1") + stack.log("web2")

    # A name without a hash is cached briefly; a missing file is a 404.
    status, headers, _ = client.get("/static/css/pamoja.css")
    assert status == 200
    assert "immutable" not in ", ".join(headers.get_all("Cache-Control"))
    assert client.get("/static/css/missing.0123456789ab.css")[0] == 404
    assert client.get("/static/")[0] in (403, 404)


def test_pages_come_from_django_through_tls_with_one_hsts_header(stack):
    client = Client(stack.base, tls=stack.tls)

    status, headers, _ = client.get(
        "/en/accounts/login/", **{"Accept-Encoding": "gzip"}
    )

    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert len(headers.get_all("Strict-Transport-Security")) == 1
    assert Client(stack.base, tls=stack.tls).get("/healthz")[0] == 200
    # Plain HTTP to nginx is sent to HTTPS.
    status, headers, _ = Client(stack.plain).get("/en/")
    assert status == 301
    assert headers["Location"].startswith("https://")


def test_no_log_keeps_a_query_string(stack):
    secret = "token-" + uuid.uuid4().hex
    client = Client(stack.base, tls=stack.tls)

    assert client.get(f"/en/accounts/login/?next=/{secret}")[0] == 200

    assert "/en/accounts/login/" in stack.log("nginx")
    for name in ("nginx", "web1", "web2"):
        assert secret not in stack.log(name)


def test_media_are_served_but_certificate_pdfs_only_by_django(stack):
    media = Path(settings.MEDIA_ROOT)
    image = media / "images" / "stack-probe.txt"
    pdf = media / "certificates" / "stack-probe" / "pamoja-PROBE.pdf"
    for path in (image, pdf):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.7 probe")
    client = Client(stack.base, tls=stack.tls)
    try:
        status, headers, body = client.get("/media/images/stack-probe.txt")
        assert (status, body) == (200, b"%PDF-1.7 probe")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in headers["Content-Security-Policy"]
        assert client.get("/media/certificates/stack-probe/pamoja-PROBE.pdf")[0] == 404
    finally:
        image.unlink()
        shutil.rmtree(pdf.parent)


def test_an_upload_over_the_limit_is_refused_by_nginx(stack):
    client = Client(stack.base, tls=stack.tls)
    limit = settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES
    headers = {"Content-Type": "application/pdf"}

    status, _, body = client.request(
        "POST", "/api/v1/verify", data=b"x" * (limit + 2 * 1024 * 1024), headers=headers
    )
    assert status == 413
    assert b"nginx" in body
    # Under the limit, the request reaches Django, which answers it.
    status, response_headers, _ = client.request(
        "POST", "/api/v1/verify", data=b"x" * 1024, headers=headers
    )
    assert status != 413
    assert "application/json" in response_headers["Content-Type"]


# --- (b) one session, two gunicorn instances -------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_session_started_on_one_instance_continues_on_the_other(stack, learner):
    first = Client(stack.web[0])
    log_in(first, learner)
    assert "sessionid" in first.cookies
    second = Client(stack.web[1], cookies=first.cookies)

    status, _, body = second.get("/en/dashboard/")

    assert status == 200
    assert b"Asha Patel" in body
    # Without the cookie, the dashboard asks for a log-in.
    assert Client(stack.web[1]).get("/en/dashboard/")[0] == 302

    # Through nginx, which sends requests to both instances in turn.
    proxied = Client(stack.base, tls=stack.tls, cookies=dict(first.cookies))
    for _ in range(6):
        status, _, body = proxied.get("/en/dashboard/")
        assert status == 200
        assert b"Asha Patel" in body
    upstreams = {
        line.rsplit(" ", 1)[1]
        for line in stack.log("nginx").splitlines()
        if '"GET /en/dashboard/ ' in line
    }
    assert upstreams == {url.split("//")[1] for url in stack.web}


# --- (c) a certificate with two workers running ---------------------------------


def _successes(stack, task: str) -> int:
    pattern = re.compile(rf"Task {re.escape(task)}\[[0-9a-f-]+\] succeeded")
    return sum(len(pattern.findall(stack.log(f"worker{n}"))) for n in (1, 2))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_certificate_issued_with_two_workers_running_is_rendered_once(
    stack, learner, tiny_course
):
    from certificates.tasks import render_certificate
    from config.celery import app

    assert len(app.control.ping(destination=stack.workers, timeout=2)) == 2
    issued_before = _successes(stack, "certificates.tasks.issue_certificate")
    renders_before = _successes(stack, "certificates.tasks.render_certificate")
    *first, last = lessons(tiny_course)
    for lesson in first:
        progress_api.record_lesson_completed(user=learner, lesson=lesson)
    quiz = module(tiny_course)
    progress_api.record_quiz_submission(
        user=learner, module=quiz, data=MultiValueDict(answers(quiz))
    )

    # The last lesson through the site: the completion queues the issue.
    client = Client(stack.base, tls=stack.tls)
    log_in(client, learner)
    with translation.override("en"):
        action = reverse("progress:complete", args=[last.pk])
    status, headers, body = client.post_form(
        last.url, {"event": str(uuid.uuid4()), "next": last.url}, action=action
    )
    assert status == 302, body[:1000]

    rendered = wait_for(
        lambda: Certificate.objects.filter(user=learner, pdf_sha256__gt="").first(),
        timeout=120,
    )
    assert rendered, stack.log("worker1")[-3000:] + stack.log("worker2")[-3000:]
    # As after a redelivery, to both workers at once: nothing is rendered again.
    render_certificate.delay(str(rendered.pk))
    render_certificate.delay(str(rendered.pk))
    done = wait_for(
        lambda: (
            _successes(stack, "certificates.tasks.render_certificate")
            == renders_before + 3
        ),
        timeout=120,
    )
    assert done, stack.log("worker1")[-3000:] + stack.log("worker2")[-3000:]

    assert Certificate.objects.filter(user=learner).count() == 1
    assert _successes(stack, "certificates.tasks.issue_certificate") == (
        issued_before + 1
    )
    certificate = Certificate.objects.get(user=learner)
    assert certificate.rendered_at == rendered.rendered_at
    folder = Path(settings.MEDIA_ROOT) / "certificates" / str(certificate.pk)
    [pdf] = folder.iterdir()
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() == certificate.pdf_sha256

    # The learner downloads it from Django; nginx never serves it directly.
    status, headers, body = client.get(f"/en/certificates/{certificate.pk}/pdf/")
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert hashlib.sha256(body).hexdigest() == certificate.pdf_sha256
    direct = f"/media/certificates/{certificate.pk}/{pdf.name}"
    assert Client(stack.base, tls=stack.tls).get(direct)[0] == 404
    assert client.get(direct)[0] == 404


# --- (e) Celery beat and the periodic jobs ---------------------------------------


def test_beat_starts_with_the_units_arguments_and_schedules_every_job(stack):
    argv, unit_env = read_unit("pamoja-beat.service")
    schedule = stack.tmp / "celerybeat-schedule"
    argv = [
        f"--schedule={schedule}" if a.startswith("--schedule=") else a for a in argv
    ]
    env = {**stack.env, **unit_env, **_only_overrides(stack.env)}
    log = stack.tmp / "beat.log"
    processes = []
    try:
        process = start(command(argv, env), env, log, processes)
        started = wait_for(
            lambda: (
                "beat: Starting..." in log.read_text() or process.poll() is not None
            ),
            timeout=60,
        )
        assert started and process.poll() is None, log.read_text()
        time.sleep(2)
    finally:
        stop(processes)
    with shelve.open(str(schedule), flag="r") as stored:  # noqa: S301 - beat's own file
        scheduled = set(stored["entries"])
    assert set(settings.CELERY_BEAT_SCHEDULE) <= scheduled


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_periodic_job_is_idempotent(
    stack, learner, tiny_course, django_user_model
):
    from config.celery import app

    # Something for each job to do: a revoked certificate (status lists), an
    # expired verification log row, a completion without its certificate,
    # and a learner with an email address who stopped part-way.
    graduate = django_user_model.objects.create_user(
        "grace", password=PASSWORD, name="Grace Hopper"
    )
    certificate = certificates_api.issue_certificate(
        enrolment=Enrolment.objects.create(
            user=graduate, course_key=tiny_course.translation_key
        ),
        issued_by=graduate,
    )
    certificates_api.revoke_certificate(
        certificate=certificate, reason="Issued by mistake", by=graduate
    )
    VerificationLog.objects.create(
        at=timezone.now()
        - timedelta(days=settings.PAMOJA_VERIFY_LOG_RETENTION_DAYS + 1),
        channel=VerificationLog.Channel.API,
        kind=VerificationLog.Kind.CODE,
        outcome="unknown",
    )
    finisher = django_user_model.objects.create_user(
        "fin", password=PASSWORD, name="Fin Okafor"
    )
    Enrolment.objects.create(
        user=finisher,
        course_key=tiny_course.translation_key,
        completed_at=timezone.now(),
    )
    learner.email = "asha@example.org"
    learner.save()
    progress_api.record_lesson_completed(user=learner, lesson=lessons(tiny_course)[0])
    Enrolment.objects.filter(user=learner).update(
        last_activity_at=timezone.now() - timedelta(days=20)
    )

    def state():
        return {
            "certificates": sorted(
                Certificate.objects.values_list("user__username", "status")
            ),
            "revoked bits": [
                statuslist.decode_bitstring(
                    row.credential["credentialSubject"]["encodedList"]
                )
                for row in StatusList.objects.order_by("number")
            ],
            "verification log": VerificationLog.objects.count(),
            "reminded": sorted(
                Enrolment.objects.filter(reminded_at__isnull=False).values_list(
                    "user__username", "reminded_at"
                )
            ),
        }

    app.loader.import_default_modules()  # as a worker does: every tasks.py
    jobs = {name: job["task"] for name, job in settings.CELERY_BEAT_SCHEDULE.items()}
    first = {name: app.tasks[task]() for name, task in jobs.items()}
    after_first = state()
    second = {name: app.tasks[task]() for name, task in jobs.items()}

    assert state() == after_first
    assert first["issue-missing-certificates"] == 1
    assert first["verification-log-retention"] == 1
    assert first["remind-stalled-learners"] == 1
    assert second["issue-missing-certificates"] == 0
    assert second["verification-log-retention"] == 0
    assert second["remind-stalled-learners"] == 0
    assert ("fin", Certificate.Status.VALID) in after_first["certificates"]
    assert after_first["verification log"] == 0
    # The workers render what was issued before the next test empties the
    # database under them. A certificate revoked before its turn gets no PDF
    # (certificates.api.render_pdf): only the valid ones are waited for.
    assert wait_for(
        lambda: (
            not Certificate.objects.filter(
                pdf_sha256="", status=Certificate.Status.VALID
            ).exists()
        ),
        timeout=120,
    )


# --- (d) the browser's main path through nginx ----------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_main_path_in_chromium_through_nginx(stack, tiny_course):
    from playwright.sync_api import expect, sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail(
            "Debian's chromium is not installed: apt-get install chromium",
            pytrace=False,
        )
    serialized = {
        alias: getattr(connections[alias], "_test_serialized_contents", None)
        for alias in connections
    }
    quiz = module(tiny_course)
    first, second = lessons(tiny_course)[:2]
    base = stack.base
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        # See tests/browser/conftest.py: the thread's new connections need
        # the copy serialized rollback restores from.
        for alias, contents in serialized.items():
            if contents is not None:
                connections[alias]._test_serialized_contents = contents
        context = browser.new_context(ignore_https_errors=True)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(error))
        try:
            page.goto(f"{base}/en/accounts/signup/")
            page.fill("input[name=name]", "Chiamaka Obi")
            page.fill("input[name=username]", "chiamaka")
            page.fill("input[name=password1]", PASSWORD)
            page.fill("input[name=password2]", PASSWORD)
            with page.expect_navigation():
                page.click("form[action$='/signup/'] button[type=submit]")
            expect(page.locator("header")).to_contain_text("Chiamaka Obi")

            response = page.goto(base + tiny_course.url)
            assert response.headers["server"].startswith("nginx")
            with page.expect_navigation():
                page.click("button:text('Enrol in this course')")

            page.goto(base + first.url)
            page.wait_for_function("() => window.pamojaOffline")
            with page.expect_navigation():
                page.click("button:text('Mark complete')")
            assert page.url == base + second.url
            expect(page.locator(".messages li")).to_have_text(
                ["Lesson marked complete."]
            )

            page.goto(f"{base}{quiz.url}quiz/")
            page.wait_for_function("() => window.pamojaOffline")
            for key, option_ids in answers(quiz).items():
                for option_id in option_ids:
                    page.check(f"input[name='{key}'][value='{option_id}']")
            with page.expect_navigation():
                page.click("button:text('Check my answers')")
            expect(page.locator(".score")).to_contain_text("3 of 3 correct")

            page.goto(f"{base}/en/dashboard/")
            expect(page.locator("main")).to_contain_text(tiny_course.title)
            expect(page.locator("main")).to_contain_text(second.title)
        finally:
            context.close()
            browser.close()
            # The connections Django opened for the event loop's context:
            # left open, PostgreSQL could not drop the test database.
            connections.close_all()
    assert errors == []

    from accounts.models import User

    user = User.objects.get(username="chiamaka")
    assert Enrolment.objects.filter(user=user).count() == 1
    assert LessonProgress.objects.filter(
        user=user, lesson_key=first.translation_key, completed_at__isnull=False
    ).exists()
    assert QuizAttempt.objects.filter(user=user, is_passed=True).count() == 1
