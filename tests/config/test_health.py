import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_every_component_ok_on_the_embedded_default(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {
        **body["checks"]["database"],
        "status": "ok",
        "detail": "sqlite",
    }
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["broker"]["detail"].startswith("in-process")
    assert response["Cache-Control"].startswith("max-age=0")


UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        # Port 1 on loopback: nothing listens there, the connection is refused.
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 1},
    }
}


@override_settings(CACHES=UNREACHABLE_REDIS)
def test_healthz_answers_503_and_names_the_component_that_is_down(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["cache"]["status"] == "down"
    assert "onnection" in body["checks"]["cache"]["detail"]
    assert body["checks"]["database"]["status"] == "ok"


def test_healthz_answers_get_only(client):
    assert client.post("/healthz").status_code == 405
