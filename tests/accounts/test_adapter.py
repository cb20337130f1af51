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
