"""The learner's settings page: name, language and data saver, no JavaScript."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_settings_page_needs_a_log_in(client):
    response = client.get("/en/accounts/profile/")

    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


def test_a_learner_turns_on_data_saver(client, learner):
    client.force_login(learner)
    page = client.get("/en/accounts/profile/").content.decode()
    assert 'name="is_data_saver_on"' in page
    assert "<script" not in page

    response = client.post(
        "/en/accounts/profile/",
        {"name": "Asha Patel", "preferred_language": "", "is_data_saver_on": "on"},
    )

    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.is_data_saver_on


def test_a_new_language_shows_the_settings_in_it(client, learner):
    client.force_login(learner)

    response = client.post(
        "/en/accounts/profile/", {"name": "Asha Patel", "preferred_language": "fr"}
    )

    assert response["Location"] == "/fr/accounts/profile/"
    learner.refresh_from_db()
    assert learner.preferred_language == "fr"
    assert not learner.is_data_saver_on


def test_the_name_cannot_be_emptied(client, learner):
    client.force_login(learner)

    response = client.post(
        "/en/accounts/profile/", {"name": "", "preferred_language": ""}
    )

    assert response.status_code == 200
    learner.refresh_from_db()
    assert learner.name == "Asha Patel"
