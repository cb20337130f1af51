"""Abuse limits: log-in, sign-up, password reset and change (allauth's
ACCOUNT_RATE_LIMITS), join-code guessing, and the progress and xAPI API.

Each limit is hit and answered (a 429, or the log-in form's error, with a
message saying how long to wait), use below the limit passes, and the window
passes on a clock the test moves, never by sleeping. The project cache is
LocMem here and emptied around every test (tests/conftest.py).

This module is also the URLconf of the tests of allauth's 429 page with our
handler (``handler429``, as config/urls.py is meant to name it).
"""

import json
import time
from types import SimpleNamespace
from unittest import mock

import pytest

from config.urls import urlpatterns  # noqa: F401 - this module is a URLconf too
from progress import tokens
from progress.models import CohortMembership

handler429 = "accounts.views.too_many_requests"
PASSWORD = "a-long-Pass-phrase-42"
LOGIN = "/en/accounts/login/"
THIS_URLCONF = __name__

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    """One clock for django-ratelimit and allauth; ``clock.advance(s)``."""
    import allauth.core.internal.ratelimit as allauth_ratelimit
    import django_ratelimit.core

    state = SimpleNamespace(now=1_750_000_000.0)
    state.advance = lambda seconds: setattr(state, "now", state.now + seconds)
    fake = SimpleNamespace(
        time=lambda: state.now, monotonic=time.monotonic, sleep=time.sleep
    )
    monkeypatch.setattr(django_ratelimit.core, "time", fake)
    monkeypatch.setattr(allauth_ratelimit, "time", fake)
    return state


def _log_in(client, login, password):
    return client.post(LOGIN, {"login": login, "password": password})


def _is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Log-in ------------------------------------------------------------------


def test_failed_log_ins_by_username_lock_the_account_for_a_while(
    client, learner, clock
):
    for _ in range(5):
        assert _log_in(client, "asha", "wrong-password").status_code == 200

    response = _log_in(client, "asha", PASSWORD)

    assert "Too many failed log-ins. Wait 5 minutes and try again." in (
        response.content.decode()
    )
    assert not _is_logged_in(client)
    clock.advance(5 * 60 + 1)
    assert _log_in(client, "asha", PASSWORD).status_code == 302
    assert _is_logged_in(client)


def test_the_username_and_the_email_address_share_one_budget(client, learner, clock):
    learner.email = "asha@example.org"
    learner.save()
    for login in ["asha", "ASHA@example.org", "asha", "asha@example.org", "Asha"]:
        _log_in(client, login, "wrong-password")

    for login in ["asha", "asha@example.org"]:
        response = _log_in(client, login, PASSWORD)
        assert "Too many failed log-ins" in response.content.decode()
    assert not _is_logged_in(client)


def test_four_wrong_passwords_then_the_right_one_logs_in(client, learner, clock):
    for _ in range(4):
        _log_in(client, "asha", "wrong-password")

    assert _log_in(client, "asha", PASSWORD).status_code == 302


def test_another_accounts_lockout_does_not_lock_this_one(
    client, learner, django_user_model, clock
):
    django_user_model.objects.create_user("baraka", password=PASSWORD, name="B")
    for _ in range(5):
        _log_in(client, "asha", "wrong-password")

    assert _log_in(client, "baraka", PASSWORD).status_code == 302


def test_the_lockout_message_is_marked_for_translation(client, learner, clock):
    for _ in range(5):
        _log_in(client, "asha", "wrong-password")
    with mock.patch(
        "accounts.adapter.ngettext", side_effect=lambda one, many, n: "«translated»"
    ):
        response = _log_in(client, "asha", PASSWORD)

    assert "«translated»" in response.content.decode()


# --- Sign-up and allauth's 429 page ---------------------------------------------


def _sign_up(client, number):
    return client.post(
        "/en/accounts/signup/",
        {
            "username": f"learner{number}",
            "name": f"Learner {number}",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


@pytest.fixture
def signup_limit(settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/m/ip"}


def test_sign_ups_beyond_the_limit_get_our_429_page(client, signup_limit, clock):
    assert _sign_up(client, 1).status_code == 302
    client.logout()
    assert _sign_up(client, 2).status_code == 302
    client.logout()

    response = _sign_up(client, 3)

    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page
    assert "Wait a few minutes, then try again." in page
    assert '<html lang="en"' in page  # our base template, not allauth's bare page
    clock.advance(61)
    assert _sign_up(client, 3).status_code == 302


def test_with_our_handler_the_429_page_says_how_long_to_wait(
    client, settings, signup_limit
):
    settings.ROOT_URLCONF = THIS_URLCONF
    _sign_up(client, 1)
    client.logout()
    _sign_up(client, 2)
    client.logout()

    response = _sign_up(client, 3)

    assert response.status_code == 429
    assert "Wait 1 minute, then try again." in response.content.decode()
    assert 1 <= int(response["Retry-After"]) <= 60


def test_the_429_page_is_translated(client, settings, signup_limit):
    settings.ROOT_URLCONF = THIS_URLCONF
    for number in (1, 2):
        _sign_up(client, number)
        client.logout()

    response = client.post(
        "/fr/accounts/signup/",
        {"username": "x", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 429
    assert '<html lang="fr"' in response.content.decode()


# --- Password reset and change -------------------------------------------------


def test_reset_emails_to_one_address_are_limited_per_address(
    client, learner, settings, clock
):
    learner.email = "asha@example.org"
    learner.save()
    url = "/en/accounts/password/reset/"
    for _ in range(3):
        assert client.post(url, {"email": "asha@example.org"}).status_code == 302

    refused = client.post(url, {"email": "Asha@Example.org"})
    other = client.post(url, {"email": "someone@example.org"})

    assert refused.status_code == 429
    assert other.status_code == 302  # the per-address limit has room
    clock.advance(3600)
    assert client.post(url, {"email": "asha@example.org"}).status_code == 302


def test_password_changes_are_limited_per_account(client, learner, clock):
    client.force_login(learner)
    url = "/en/accounts/password/change/"
    form = {"oldpassword": "wrong", "password1": "x", "password2": "x"}
    for _ in range(5):
        assert client.post(url, form).status_code == 200

    response = client.post(url, form)

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


# --- Join codes -----------------------------------------------------------------


def _join(client, code):
    return client.post("/en/join/", {"code": code})


def test_ten_wrong_codes_refuse_even_the_right_one_until_the_window_passes(
    client, cohort, learner, clock
):
    client.force_login(learner)
    for _ in range(10):
        assert _join(client, "ZZZZ-ZZZZ").status_code == 200

    response = _join(client, cohort.display_code)

    assert response.status_code == 429
    assert "Too many codes that did not work. Try again in" in (
        response.content.decode()
    )
    assert int(response["Retry-After"]) >= 1
    assert not CohortMembership.objects.filter(user=learner).exists()
    clock.advance(3600)
    assert _join(client, cohort.display_code).status_code == 302
    assert CohortMembership.objects.filter(user=learner, cohort=cohort).exists()


def test_right_codes_and_typos_cost_nothing(client, cohort, learner, settings, clock):
    settings.PAMOJA_JOIN_FAILURES_PER_USER = "2/h"
    client.force_login(learner)
    for _ in range(5):
        assert _join(client, cohort.display_code).status_code == 302
    for typo in ["K7Q3", "", "K7Q3-9M2X-EXTRA", "!!!!-????"]:
        _join(client, typo)

    assert _join(client, "ZZZZ-ZZZZ").status_code == 200  # one wrong: room for one
    assert _join(client, cohort.display_code).status_code == 302


def test_a_fresh_account_from_the_same_address_does_not_reset_the_budget(
    client, cohort, learner, django_user_model, settings, clock
):
    settings.PAMOJA_JOIN_FAILURES_PER_IP = "3/h"
    for _ in range(3):  # a visitor, not logged in
        _join(client, "ZZZZ-ZZZZ")
    other = django_user_model.objects.create_user("mosi", password=PASSWORD, name="M")
    client.force_login(other)

    response = _join(client, cohort.display_code)

    assert response.status_code == 429
    assert not CohortMembership.objects.exists()


def test_another_address_has_its_own_budget(client, cohort, learner, settings, clock):
    settings.PAMOJA_JOIN_FAILURES_PER_IP = "3/h"
    for _ in range(3):
        client.post("/en/join/", {"code": "ZZZZ-ZZZZ"}, REMOTE_ADDR="203.0.113.9")
    client.force_login(learner)

    response = client.post(
        "/en/join/", {"code": cohort.display_code}, REMOTE_ADDR="198.51.100.7"
    )

    assert response.status_code == 302


def test_ipv6_addresses_of_one_network_share_a_budget(client, cohort, settings, clock):
    settings.PAMOJA_JOIN_FAILURES_PER_IP = "2/h"
    for host in ("1", "2"):
        client.post("/en/join/", {"code": "ZZZZ-ZZZZ"}, REMOTE_ADDR=f"2001:db8::{host}")

    response = client.post(
        "/en/join/", {"code": cohort.display_code}, REMOTE_ADDR="2001:db8::ffff"
    )

    assert response.status_code == 429


def test_a_join_link_is_a_lookup_and_counts_alike(client, cohort, settings, clock):
    settings.PAMOJA_JOIN_FAILURES_PER_IP = "2/h"
    for _ in range(2):
        page = client.get("/en/join/?code=ZZZZ-ZZZZ")
        assert page.status_code == 200

    response = client.get(f"/en/join/?code={cohort.join_code}")

    assert response.status_code == 429
    page = response.content.decode()
    assert cohort.name not in page
    assert "Too many codes that did not work" in page


def test_the_join_lockout_message_is_marked_for_translation(
    client, cohort, learner, settings, clock
):
    settings.PAMOJA_JOIN_FAILURES_PER_USER = "1/h"
    client.force_login(learner)
    _join(client, "ZZZZ-ZZZZ")
    with mock.patch(
        "progress.trainer_views.ngettext",
        side_effect=lambda one, many, n: "«translated»",
    ):
        response = _join(client, "ZZZZ-ZZZZ")

    assert response.status_code == 429
    assert "«translated»" in response.content.decode()


# --- The progress and xAPI API ----------------------------------------------------


def _events_body(count=1):
    return json.dumps({"events": [{"id": "not-a-uuid"}] * count})


@pytest.fixture
def api_limit(settings):
    settings.PAMOJA_API_RATE_USER = "3/m"


def _post_events(client, token):
    return client.post(
        "/api/v1/progress/events",
        _events_body(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_events_endpoint_is_limited_per_learner(
    client, learner, django_user_model, api_limit, clock
):
    token = tokens.issue_token(user=learner)
    other = django_user_model.objects.create_user("mosi", password=PASSWORD, name="M")
    for _ in range(3):
        assert _post_events(client, token).status_code == 200

    response = _post_events(client, token)

    assert response.status_code == 429
    assert response.json()["detail"].startswith("Too many requests in a short time.")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert _post_events(client, tokens.issue_token(user=other)).status_code == 200
    clock.advance(60)
    assert _post_events(client, token).status_code == 200


def test_a_second_token_or_the_session_shares_the_learners_budget(
    client, learner, api_limit, clock
):
    # The test client is exempt from CSRF checks: the session suffices here.
    client.force_login(learner)
    by_session = client.post(
        "/api/v1/progress/events", _events_body(), content_type="application/json"
    )
    assert by_session.status_code == 200
    for _ in range(2):
        assert _post_events(client, tokens.issue_token(user=learner)).status_code == 200

    response = _post_events(client, tokens.issue_token(user=learner))

    assert response.status_code == 429


def test_a_weeks_offline_sync_is_well_below_the_default_limit(
    client, learner, settings, clock
):
    """The offline client keeps at most 500 events and sends 100 a batch:
    five requests, against 120 a minute."""
    token = tokens.issue_token(user=learner)
    for _ in range(5):
        response = client.post(
            "/api/v1/progress/events",
            _events_body(100),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert response.status_code == 200
    assert settings.PAMOJA_API_RATE_USER == "120/m"


def test_the_xapi_export_is_limited_per_user(client, learner, api_limit, clock):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens.issue_token(user=learner)}"}
    for _ in range(3):
        assert client.get("/api/v1/xapi/statements", **auth).status_code == 200

    response = client.get("/api/v1/xapi/statements", **auth)

    assert response.status_code == 429
    assert "Retry-After" in response


def test_new_device_tokens_are_limited_per_learner(client, learner, settings, clock):
    settings.PAMOJA_API_TOKEN_RATE = "2/h"
    client.force_login(learner)

    def issue():
        return client.post(
            "/api/v1/progress/tokens",
            {"label": "phone"},
            content_type="application/json",
        )

    assert [issue().status_code for _ in range(3)] == [201, 201, 429]


def test_with_the_cache_unreachable_progress_is_still_recorded(
    client, learner, api_limit, monkeypatch
):
    """A cache that stores nothing (config.cache's answer while Redis is
    down): the limit is not applied rather than every request refused."""
    import django_ratelimit.core

    class Unreachable:
        def add(self, *args, **kwargs):
            return False

        def incr(self, *args, **kwargs):
            raise ValueError("unreachable")

        def get(self, key, default=None):
            return default

    monkeypatch.setattr(django_ratelimit.core, "caches", {"default": Unreachable()})
    token = tokens.issue_token(user=learner)

    assert [_post_events(client, token).status_code for _ in range(5)] == [200] * 5


def test_the_429_is_documented_with_its_retry_after_header(client):
    schema = client.get("/api/v1/openapi.json").json()

    for path, method in [
        ("/api/v1/progress/events", "post"),
        ("/api/v1/progress/tokens", "post"),
        ("/api/v1/xapi/statements", "get"),
    ]:
        refusal = schema["paths"][path][method]["responses"]["429"]
        assert "Retry-After" in refusal["headers"], path
