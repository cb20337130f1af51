import re
import uuid
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from progress import api, cohorts
from progress.models import (
    JOIN_CODE_ALPHABET,
    Cohort,
    CohortMembership,
    Enrolment,
    TemporaryPassword,
)

pytestmark = pytest.mark.django_db
ASCII_USERNAME = re.compile(r"^[a-z0-9][a-z0-9.@+_-]*$")
PASSWORD = "a-long-Pass-phrase-42"
PASSWORD_CELL = re.compile(r'<td class="code" dir="ltr">(\w{4}-\w{4}-\w{4})</td>')


# --- Join codes -----------------------------------------------------------


def test_join_codes_are_eight_unambiguous_crockford_characters():
    codes = {cohorts.new_join_code() for _ in range(500)}

    assert len(codes) == 500
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(JOIN_CODE_ALPHABET)
        assert not set(code) & set("ILOU")
    assert len(JOIN_CODE_ALPHABET) == 32


def test_a_cohort_shows_its_code_in_two_groups_of_four(cohort):
    cohort.join_code = "K7Q39M2X"

    assert cohort.display_code == "K7Q3-9M2X"


@given(
    code=st.text(alphabet=JOIN_CODE_ALPHABET, min_size=8, max_size=8),
    lower=st.lists(st.booleans(), min_size=8, max_size=8),
    separators=st.lists(
        st.sampled_from(["", "", "-", " ", "  "]), min_size=9, max_size=9
    ),
)
def test_a_typed_code_is_read_whatever_its_case_dashes_and_spaces(
    code, lower, separators
):
    typed = (
        "".join(
            sep + (c.lower() if low else c)
            for sep, c, low in zip(separators, code, lower, strict=False)
        )
        + separators[-1]
    )

    assert cohorts.normalise_join_code(typed) == code


def test_look_alike_letters_are_read_as_the_digits_they_resemble():
    assert cohorts.normalise_join_code("o1il-ABCD") == "0111ABCD"


def test_a_new_cohort_draws_again_when_its_code_is_taken(
    tiny_course, trainer, cohort, monkeypatch
):
    draws = iter([cohort.join_code, cohort.join_code, "ABCD2345"])
    monkeypatch.setattr(cohorts, "new_join_code", lambda: next(draws))

    second = api.create_cohort(
        organisation=cohort.organisation,
        name="Second",
        courses=[tiny_course],
        trainer=trainer,
    )

    assert second.join_code == "ABCD2345"
    assert list(second.trainers.all()) == [trainer]
    assert second.course_keys == [str(tiny_course.translation_key)]


# --- Joining ----------------------------------------------------------------


def test_joining_enrols_in_the_cohorts_courses_and_twice_changes_nothing(
    cohort, learner, tiny_course
):
    typed = cohort.display_code.lower().replace("-", " ")

    first = api.join_cohort(user=learner, code=typed)
    again = api.join_cohort(user=learner, code=cohort.join_code)

    assert first == again
    assert CohortMembership.objects.filter(user=learner).count() == 1
    assert Enrolment.objects.get(user=learner).course_key == tiny_course.translation_key


@pytest.mark.parametrize(
    ("code", "message"),
    [("K7Q3", "8 letters"), ("ZZZZZZZZ", "no cohort with this code")],
)
def test_a_wrong_code_is_refused_with_a_reason(cohort, learner, code, message):
    with pytest.raises(api.JoinError, match=message):
        api.join_cohort(user=learner, code=code)

    assert not CohortMembership.objects.exists()


def test_a_closed_cohort_refuses_newcomers_but_not_its_members(
    cohort, learner, trainer
):
    api.join_cohort(user=learner, code=cohort.join_code)
    api.set_cohort_open(cohort=cohort, is_open=False)

    assert api.join_cohort(user=learner, code=cohort.join_code)
    with pytest.raises(api.JoinError, match="closed"):
        api.join_cohort(user=trainer, code=cohort.join_code)


def test_a_logged_in_learner_joins_with_the_plain_form(client, cohort, learner):
    client.force_login(learner)

    response = client.post(
        "/en/join/", {"code": cohort.display_code.lower()}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/en/dashboard/"
    assert "You joined Evening class" in response.content.decode()
    assert CohortMembership.objects.filter(cohort=cohort, user=learner).exists()


def test_a_wrong_code_in_the_form_says_why(client, cohort, learner):
    client.force_login(learner)

    response = client.post("/en/join/", {"code": "ZZZZ-ZZZZ"})

    assert response.status_code == 200
    assert "There is no cohort with this code" in response.content.decode()


def test_many_wrong_codes_lock_the_form_for_a_while(client, cohort, learner):
    client.force_login(learner)
    for _ in range(10):
        client.post("/en/join/", {"code": "ZZZZ-ZZZZ"})

    response = client.post("/en/join/", {"code": cohort.join_code})

    assert "Too many codes" in response.content.decode()
    assert not CohortMembership.objects.exists()


def test_a_visitor_signs_up_and_comes_back_to_join(client, cohort):
    response = client.post("/en/join/", {"code": cohort.display_code})

    assert response.status_code == 302
    signup = urlsplit(response["Location"])
    assert signup.path == "/en/accounts/signup/"
    back = parse_qs(signup.query)["next"][0]
    assert back == f"/en/join/?code={cohort.join_code}"
    signed_up = client.post(
        response["Location"],
        {
            "username": "amani",
            "name": "Amani Njeri",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "next": back,
        },
    )
    assert signed_up["Location"] == back
    page = client.get(back).content.decode()
    assert "Evening class" in page and cohort.join_code in page
    client.post("/en/join/", {"code": cohort.join_code})
    assert CohortMembership.objects.filter(user__username="amani").exists()


def test_a_visitor_can_log_in_instead_and_come_back(client, cohort, learner):
    page = client.get(f"/en/join/?code={cohort.join_code}").content.decode()

    login = f"/en/accounts/login/?next=/en/join/%3Fcode%3D{cohort.join_code}"
    assert login in page
    response = client.post(login, {"login": "asha", "password": PASSWORD})
    assert response["Location"] == f"/en/join/?code={cohort.join_code}"


def test_a_visitor_with_a_wrong_code_is_told_before_signing_up(client, cohort):
    response = client.post("/en/join/", {"code": "ZZZZ-ZZZZ"})

    assert response.status_code == 200
    assert "no open cohort" in response.content.decode()


# --- Class lists ------------------------------------------------------------

CLASS = (
    "name,username,email,preferred_language\n"
    "Amina Okafor,,,en\n"
    "أمينة حداد,,,ar\n"
    "आशा पटेल,,,hi\n"
    "አበበ በቀለ,,,am\n"
    "José Núñez,,jose@example.org,es\n"
    "Wanjiru Kamau,wanjiru,,\n"
)


def test_a_class_list_makes_ascii_usernames_and_working_passwords(cohort, tiny_course):
    accounts = api.bulk_create_learners(cohort=cohort, csv_text=CLASS)

    users = [user for user, _password in accounts]
    assert [u.name for u in users][:2] == ["Amina Okafor", "أمينة حداد"]
    usernames = [u.username for u in users]
    assert all(ASCII_USERNAME.match(name) for name in usernames), usernames
    assert usernames[0] == "amina-okafor"
    assert usernames[4] == "jose-nunez"
    assert usernames[5] == "wanjiru"
    for username in usernames[1:4]:  # Arabic, Devanagari, Ge'ez
        assert re.fullmatch(r"learner-[a-z0-9]{5}", username)
    assert len(set(usernames)) == 6
    assert users[1].preferred_language == "ar"
    assert users[4].email == "jose@example.org"
    for user, password in accounts:
        assert Client().login(username=user.username, password=password)
    assert (
        CohortMembership.objects.filter(cohort=cohort, is_bulk_created=True).count()
        == 6
    )
    assert TemporaryPassword.objects.count() == 6
    assert Enrolment.objects.filter(course_key=tiny_course.translation_key).count() == 6


def test_a_generated_username_that_is_taken_gets_a_suffix(cohort, learner):
    User.objects.create_user("amina-okafor", name="Another Amina")

    accounts = api.bulk_create_learners(
        cohort=cohort, csv_text="name\nAmina Okafor\nAmina Okafor\n"
    )

    first, second = (user.username for user, _pw in accounts)
    assert re.fullmatch(r"amina-okafor-[a-z0-9]{5}", first)
    assert re.fullmatch(r"amina-okafor-[a-z0-9]{5}", second)
    assert first != second


def test_a_learner_logs_in_with_the_one_time_password_and_is_asked_to_change_it(
    client, cohort
):
    [(user, password)] = api.bulk_create_learners(cohort=cohort, csv_text="name\nAsha")

    response = client.post(
        "/en/accounts/login/",
        {"login": user.username, "password": password},
        follow=True,
    )

    page = response.content.decode()
    assert "one-time password" in page
    assert '<a href="/en/accounts/password/change/">' in page
    client.post(
        "/en/accounts/password/change/",
        {"oldpassword": password, "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not api.has_temporary_password(user=user)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("csv_text", "expected"),
    [
        ("username,email\nasha,\n", ['must be "name"']),
        ("name,email\nAmina,\n\nBen,\n,b@example.org\n", ["Row 5: the name is empty."]),
        ("name,email\nAmina,\n,\n   \nBen,\n", None),  # blank lines are skipped
        (
            "name,username\nAmina,amina\nBen,\nAsha,amina\nKofi,asha\n",
            [
                "Row 4: the username amina is also on row 2.",
                "Row 5: the username asha is already taken.",
            ],
        ),
        ("name\nPatel, Asha\n", ["Row 2: more cells than columns."]),
        (
            "name,email\nAsha,not-an-address\n",
            ["Row 2: the email address is not valid."],
        ),
        ("name,preferred_language\nAsha,xx\n", ["Row 2: unknown language xx"]),
        ("name\n", ["The file has no learners"]),
    ],
)
def test_a_bad_class_list_creates_nobody_and_names_each_bad_row(
    cohort, learner, csv_text, expected
):
    before = User.objects.count()

    if expected is None:
        assert len(api.bulk_create_learners(cohort=cohort, csv_text=csv_text)) == 2
        return
    with pytest.raises(api.ClassListError) as raised:
        api.bulk_create_learners(cohort=cohort, csv_text=csv_text)

    assert User.objects.count() == before
    assert not CohortMembership.objects.exists()
    assert len(raised.value.problems) == len(expected)
    for problem, start in zip(raised.value.problems, expected, strict=True):
        assert start in problem


def test_an_empty_name_on_row_3_is_reported_as_row_3(cohort):
    with pytest.raises(api.ClassListError) as raised:
        api.bulk_create_learners(
            cohort=cohort, csv_text="name,username\nAmina,\n,ben\nBen,\n"
        )

    assert raised.value.problems == ["Row 3: the name is empty."]
    assert not User.objects.filter(name__in=["Amina", "Ben"]).exists()


def test_a_spreadsheets_semicolons_and_byte_order_mark_are_understood(cohort):
    accounts = api.bulk_create_learners(
        cohort=cohort, csv_text="\ufeffName;Username\nAsha Patel;asha.p\n"
    )

    assert [(u.name, u.username) for u, _pw in accounts] == [("Asha Patel", "asha.p")]


def test_the_class_list_page_shows_the_passwords_once(client, cohort, trainer):
    client.force_login(trainer)
    url = f"/en/trainer/cohorts/{cohort.pk}/learners/"
    batch = re.search(r'name="batch" value="([^"]+)"', client.get(url).content.decode())

    response = client.post(url, {"csv_text": CLASS, "batch": batch[1]})

    page = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "أمينة حداد" in page and "amina-okafor" in page
    assert cohort.display_code in page
    assert len(PASSWORD_CELL.findall(page)) == 6
    again = client.post(url, {"csv_text": CLASS, "batch": batch[1]})
    assert again.status_code == 302
    assert User.objects.filter(name="Amina Okafor").count() == 1


def test_the_class_list_form_lists_each_bad_row(client, cohort, trainer):
    client.force_login(trainer)

    response = client.post(
        f"/en/trainer/cohorts/{cohort.pk}/learners/",
        {
            "csv_text": "name,email\nAmina,\n,b@example.org\n",
            "batch": "2b0bd1f4-9f7c-4f3c-8f44-1d6f0a4a1b11",
        },
    )

    page = response.content.decode()
    assert "No account was created" in page
    assert "Row 3: the name is empty." in page


def test_a_class_list_can_be_uploaded_as_a_file(client, cohort, trainer):
    client.force_login(trainer)
    url = f"/en/trainer/cohorts/{cohort.pk}/learners/"
    upload = SimpleUploadedFile("class.csv", "\ufeffname\nआशा पटेल\n".encode())
    legacy = SimpleUploadedFile("old.csv", "name\nJosé\n".encode("cp1252"))

    made = client.post(url, {"csv_file": upload, "batch": uuid.uuid4()})
    refused = client.post(url, {"csv_file": legacy, "batch": uuid.uuid4()})

    assert "आशा पटेल" in made.content.decode()
    assert "CSV UTF-8" in refused.content.decode()
    assert list(User.objects.filter(name__in=["आशा पटेल", "José"])) == [
        User.objects.get(name="आशा पटेल")
    ]


def test_a_trainer_reissues_a_password_only_for_accounts_they_made(
    client, cohort, trainer, learner
):
    [(made, old)] = api.bulk_create_learners(cohort=cohort, csv_text="name\nAsha")
    api.join_cohort(user=learner, code=cohort.join_code)
    client.force_login(trainer)
    url = f"/en/trainer/cohorts/{cohort.pk}/password/"

    response = client.post(url, {"user": made.pk})
    refused = client.post(url, {"user": learner.pk})
    garbled = client.post(url, {"user": "1 OR 1=1"})

    new = PASSWORD_CELL.search(response.content.decode())[1]
    made.refresh_from_db()
    assert made.check_password(new) and not made.check_password(old)
    assert refused.status_code == garbled.status_code == 404
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)


def test_a_trainer_creates_a_cohort_with_a_new_organisation(
    client, trainer, tiny_course
):
    client.force_login(trainer)

    response = client.post(
        "/en/trainer/cohorts/new/",
        {
            "name": "Morning class",
            "courses": [str(tiny_course.translation_key)],
            "new_organisation": "جامعة المثال",
        },
    )

    cohort = Cohort.objects.get(name="Morning class")
    assert response["Location"] == f"/en/trainer/cohorts/{cohort.pk}/"
    assert cohort.organisation.name == "جامعة المثال"
    assert list(cohort.trainers.all()) == [trainer]


def test_the_cohort_form_needs_an_organisation_and_a_course(
    client, trainer, tiny_course
):
    client.force_login(trainer)

    response = client.post("/en/trainer/cohorts/new/", {"name": "No org"})

    page = response.content.decode()
    assert "Choose the organisation, or name a new one." in page
    assert "This field is required." in page
    assert not Cohort.objects.exists()
