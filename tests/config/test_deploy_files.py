"""deploy/ stays in step with the settings and the README. (The files are
run for real by tests/integration/test_production_stack.py.)"""

import re
import runpy
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def env_example_names() -> set[str]:
    text = (DEPLOY / "pamoja.env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


def test_the_environment_template_names_every_variable_the_readme_lists():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", table, re.MULTILINE))
    listed |= set(re.findall(r", `([A-Z][A-Z0-9_]+)`", table))

    assert len(listed) > 20
    # The systemd units set the settings module themselves.
    assert listed - {"DJANGO_SETTINGS_MODULE"} <= env_example_names()


def test_the_environment_template_names_every_variable_production_reads():
    source = "".join(
        (ROOT / "config" / "settings" / name).read_text()
        for name in ("base.py", "production.py")
    )
    read = set(
        re.findall(r"""(?:environ\.get|required|env_list)\(\s*"([A-Z_]+)\"""", source)
    )

    assert read <= env_example_names()


def test_nginx_accepts_the_largest_verification_upload():
    conf = (DEPLOY / "nginx" / "pamoja.conf").read_text()
    [size] = re.findall(r"^    client_max_body_size (\d+)m;", conf, re.MULTILINE)

    assert int(size) * 1024 * 1024 > settings.PAMOJA_VERIFY_UPLOAD_MAX_BYTES


def test_gunicorn_logs_no_query_string_and_reloads_code_on_hup(monkeypatch):
    for name in ("GUNICORN_WORKERS", "GUNICORN_BIND", "GUNICORN_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))

    assert config["worker_class"] == "sync"
    assert config["workers"] >= 3
    assert config["max_requests_jitter"] > 0
    # %(r)s, %(q)s and %(f)s (request line, query, referer) may carry tokens.
    assert not re.search(r"%\((r|q|f)\)s", config["access_log_format"])
    assert config["preload_app"] is False
