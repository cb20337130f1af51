import pytest
from django.core import mail

from accounts.models import User

pytestmark = pytest.mark.django_db


def signup(client, **fields):
    data = {"password1": "a-long-Pass-phrase-42", "password2": "a-long-Pass-phrase-42"}
    data.update(fields)
    return client.post("/en/accounts/signup/", data)


def test_a_learner_without_email_signs_up_with_a_username_and_is_logged_in(client):
    response = signup(client, username="amani", name="Amani Njeri", email="")

    assert response.status_code == 302
    user = User.objects.get(username="amani")
    assert user.name == "Amani Njeri"
    assert user.email == ""
    assert user.preferred_language == "en"
    assert client.get("/en/accounts/password/change/").status_code == 200


def test_signup_page_is_plain_django_not_the_wagtail_admin(client):
    html = client.get("/en/accounts/signup/").content.decode()

    assert 'name="name"' in html
    assert 'name="username"' in html
    assert "wagtailadmin" not in html
    assert "<script" not in html


def test_the_language_of_the_signup_page_becomes_the_preferred_language(client):
    response = client.post(
        "/fr/accounts/signup/",
        {
            "username": "awa",
            "name": "Awa Ndiaye",
            "password1": "a-long-Pass-phrase-42",
            "password2": "a-long-Pass-phrase-42",
        },
    )

    assert response.status_code == 302
    assert User.objects.get(username="awa").preferred_language == "fr"


def test_name_is_required_with_a_clear_message(client):
    response = signup(client, username="noname", name="", email="")

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not User.objects.filter(username="noname").exists()


def test_an_email_address_belongs_to_one_account_whatever_its_case(client):
    signup(client, username="one", name="One", email="Same@Example.org")
    client.logout()
    response = signup(client, username="two", name="Two", email="same@example.org")

    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    assert not User.objects.filter(username="two").exists()


@pytest.fixture
def learner(django_user_model):
    user = django_user_model(
        username="kofi", email="kofi@example.org", name="Kofi Mensah"
    )
    user.set_password("correct-horse-battery")
    user.save()
    return user


@pytest.mark.parametrize("login", ["kofi", "kofi@example.org", "KOFI@example.org"])
def test_log_in_by_username_or_by_email(client, learner, login):
    response = client.post(
        "/en/accounts/login/", {"login": login, "password": "correct-horse-battery"}
    )

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(learner.pk)


def test_a_wrong_password_is_refused_with_a_message(client, learner):
    response = client.post("/en/accounts/login/", {"login": "kofi", "password": "nope"})

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "not correct" in response.content.decode()


def test_password_reset_sends_a_working_link(
    client, learner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/accounts/password/reset/", {"email": "kofi@example.org"}
        )
        assert mail.outbox == [], "mail leaves only after the transaction commits"

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kofi@example.org"]
    link = next(w for w in message.body.split() if "/accounts/password/reset/key/" in w)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"password1": "a-brand-new-secret-9", "password2": "a-brand-new-secret-9"},
    )
    assert done.status_code == 302
    learner.refresh_from_db()
    assert learner.check_password("a-brand-new-secret-9")
