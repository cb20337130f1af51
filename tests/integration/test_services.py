import re

import pytest

from tests.integration.conftest import wait_for


@pytest.mark.django_db
def test_healthz_reports_postgresql_redis_and_the_broker(client):
    response = client.get("/healthz")

    assert response.status_code == 200, response.content
    checks = response.json()["checks"]
    assert checks["database"]["detail"] == "postgresql"
    assert checks["cache"]["detail"] == "TolerantRedisCache"
    assert checks["broker"]["status"] == "ok"
    assert not checks["broker"]["detail"].startswith("in-process")


@pytest.mark.django_db(transaction=True)
def test_a_password_reset_email_is_delivered_by_the_live_worker(
    client, django_user_model, celery_worker, mail_dir
):
    user = django_user_model(username="neema", email="neema@example.org", name="Neema")
    user.set_password("first-password-1")
    user.save()

    response = client.post(
        "/en/accounts/password/reset/", {"email": "neema@example.org"}
    )

    assert response.status_code == 302
    files = wait_for(lambda: list(mail_dir.glob("*.log")), timeout=30)
    assert files, "the worker delivered no email within 30 s"
    text = files[0].read_text()
    assert "To: neema@example.org" in text
    path = re.search(r"https?://[^/\s]+(/en/accounts/password/reset/key/\S+)", text)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    assert 'name="password1"' in form.content.decode()
