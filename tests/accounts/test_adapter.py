import pytest

from progress.models import TemporaryPassword

pytestmark = pytest.mark.django_db


def test_a_one_time_password_leads_straight_to_choosing_a_new_one(client, learner):
    TemporaryPassword.objects.create(user=learner)

    response = client.post(
        "/en/accounts/login/", {"login": "asha", "password": "a-long-Pass-phrase-42"}
    )

    assert response["Location"] == "/en/accounts/password/change/"


def test_an_ordinary_log_in_goes_to_the_dashboard(client, learner):
    response = client.post(
        "/en/accounts/login/", {"login": "asha", "password": "a-long-Pass-phrase-42"}
    )

    assert response["Location"] == "/en/dashboard/"


def test_choosing_a_new_password_clears_the_flag_and_goes_to_the_dashboard(
    client, learner
):
    TemporaryPassword.objects.create(user=learner)
    client.force_login(learner)

    response = client.post(
        "/en/accounts/password/change/",
        {
            "oldpassword": "a-long-Pass-phrase-42",
            "password1": "my-own-pass-2026",
            "password2": "my-own-pass-2026",
        },
    )

    assert response["Location"] == "/en/dashboard/"
    assert not TemporaryPassword.objects.filter(user=learner).exists()
