import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def credentials(settings, tmp_path):
    settings.DEBUG = True
    settings.PAMOJA_DEMO_CREDENTIALS_FILE = tmp_path / "var" / "demo.json"
    return settings.PAMOJA_DEMO_CREDENTIALS_FILE


def run() -> dict[str, str]:
    out = StringIO()
    call_command("create_demo_accounts", stdout=out)
    return dict(re.findall(r"^\s+(\w+)\s.*password: (\S+)$", out.getvalue(), re.M))


def test_demo_accounts_are_created_once_and_their_printed_passwords_work(
    client, credentials
):
    first = run()
    second = run()

    assert set(first) == {
        "admin",
        "trainer",
        "reviewer",
        "learner",
        "graduate",
        "partner",
    }
    assert second == first
    assert User.objects.count() == 6
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="learner").email == ""
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"
    assert json.loads(credentials.read_text()) == first
    response = client.post(
        "/en/accounts/login/",
        {"login": "registrar@university.example", "password": first["partner"]},
    )
    assert response.status_code == 302


def test_a_lost_credentials_file_gives_new_passwords_that_work(client, credentials):
    first = run()
    credentials.unlink()
    second = run()

    assert second["learner"] != first["learner"]
    assert User.objects.count() == 6
    assert client.login(username="learner", password=second["learner"])


def test_demo_accounts_are_refused_with_debug_off(settings, credentials):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        call_command("create_demo_accounts", stdout=StringIO())
    assert not User.objects.exists()


def test_the_graduate_holds_a_rendered_arabic_certificate_whose_code_is_printed(
    credentials, settings, tmp_path
):
    from courses import api as courses_api

    settings.MEDIA_ROOT = tmp_path / "media"
    courses_api.seed_courses()
    out = StringIO()
    call_command("create_demo_accounts", stdout=out)
    call_command("create_demo_accounts", stdout=StringIO())

    graduate = User.objects.get(username="graduate")
    certificate = graduate.certificates.get()
    assert certificate.language == "ar"
    assert certificate.is_rendered
    assert certificate.name == graduate.name
    assert f"code {certificate.code}  {certificate.verify_url}" in out.getvalue()
