import pytest


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached fragments must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _mail_through_celery(settings):
    """pytest-django swaps in the locmem backend; put ours back so tests take
    the real path (enqueue on commit, the task delivers). Delivery itself
    stays locmem in tests (PAMOJA_EMAIL_DELIVERY_BACKEND)."""
    settings.EMAIL_BACKEND = "config.mail.CeleryEmailBackend"
