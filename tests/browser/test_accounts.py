"""Signing up and logging in work in a real browser with JavaScript off."""

import pytest

from accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_sign_up_without_email_then_log_in_with_javascript_off(
    live_server, page_without_js, tiny_course
):
    page = page_without_js
    page.goto(f"{live_server.url}/en/accounts/signup/")
    page.fill("input[name=name]", "Chiamaka Obi")
    page.fill("input[name=username]", "chiamaka")
    page.fill("input[name=password1]", "a-long-Pass-phrase-42")
    page.fill("input[name=password2]", "a-long-Pass-phrase-42")
    page.click("form[action$='/signup/'] button[type=submit]")

    assert User.objects.get(username="chiamaka").name == "Chiamaka Obi"
    assert "Chiamaka Obi" in page.inner_text("header")

    page.goto(f"{live_server.url}/en/accounts/logout/")
    page.click("main form button[type=submit]")
    assert "Log in" in page.inner_text("header")

    page.goto(f"{live_server.url}/en/accounts/login/")
    page.fill("input[name=login]", "chiamaka")
    page.fill("input[name=password]", "a-long-Pass-phrase-42")
    page.click("main form button[type=submit]")
    assert "Chiamaka Obi" in page.inner_text("header")


def test_every_page_of_the_account_flow_has_lang_and_dir(live_server, page_without_js):
    page = page_without_js
    page.goto(f"{live_server.url}/ar/accounts/login/")

    assert page.get_attribute("html", "lang") == "ar"
    assert page.get_attribute("html", "dir") == "rtl"
    page.goto(f"{live_server.url}/fr/accounts/login/")
    assert page.get_attribute("html", "dir") == "ltr"
