"""Hostile names and CSV cells: refused with a message, or shown as text.

A name is the one piece of free text a learner writes that other people see:
trainers in reports and CSV files, employers on a certificate and its verify
page. Markup in it is escaped wherever it appears; invisible controls that
would make it read differently (bidi overrides) are refused at every door;
a spreadsheet never runs it as a formula.
"""

import csv
import html
import io
import uuid

import pytest
from django.core.exceptions import ValidationError

from accounts import names
from accounts.models import User
from certificates import api as certificates_api
from certificates import partners, rendering
from certificates.models import Certificate
from progress import api as progress_api
from progress.models import CohortMembership, Enrolment

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-Pass-phrase-42"
MARKUP = "<script>alert('x')</script><b onmouseover=\"go()\">Amina</b> & Co"
FORMULA = '=HYPERLINK("http://evil.example","x")'
RLO = "\u202e"  # right-to-left override: "Amina\u202enimdA" reads "AminaAdmin"


# --- accounts.names ----------------------------------------------------------


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("  Amina   Juma  ", "Amina Juma"),
        ("Amina\u00a0\u2003Juma", "Amina Juma"),  # no-break and em spaces
        ("Jose\u0301 Nu\u0301n\u0303ez", "José Núñez"),  # decomposed → NFC
        ("\u0646\u0631\u06af\u0633\u200c\u0647\u0627", "نرگس\u200cها"),  # ZWNJ
        ("\u0dc1\u0dca\u200d\u0dbb\u0dd3 \u0dbd\u0d82\u0d9a\u0dcf", "ශ්\u200dරී ලංකා"),
        ("\u0915\u094d\u200d\u0937", "क्\u200dष"),  # Devanagari with ZWJ
        ("<b>Amina</b>", "<b>Amina</b>"),  # markup is text: escaped when shown
    ],
)
def test_names_are_normalised_and_joiners_kept(typed, kept):
    assert names.clean_name(typed) == kept


@pytest.mark.parametrize(
    "char",
    [
        "\u202a",
        "\u202b",
        "\u202c",
        "\u202d",
        "\u202e",
        "\u2066",
        "\u2067",
        "\u2068",
        "\u2069",
        "\u200b",  # zero-width space: invisible, joins nothing
        "\ufeff",
        "\x00",
        "\x07",
        "\x1b",
        "\t",
        "\n",
        "\x85",
        "\ud800",  # a lone surrogate (possible through JSON)
    ],
)
def test_control_and_bidi_characters_are_refused_with_their_code_point(char):
    with pytest.raises(ValidationError) as raised:
        names.clean_name(f"Amina{char}Juma")

    [message] = raised.value.messages
    assert "invisible control characters" in message
    assert f"U+{ord(char):04X}" in message


def test_a_name_longer_than_150_characters_is_refused_saying_how_long():
    assert names.clean_name("a" * 150) == "a" * 150
    with pytest.raises(ValidationError) as raised:
        names.clean_name("a" * 151)
    assert raised.value.messages == [
        "The name is too long: at most 150 characters (it has 151)."
    ]


# --- Every door: sign-up, profile, class list, certificate -------------------


def signup(client, name, username="amina"):
    return client.post(
        "/en/accounts/signup/",
        {
            "username": username,
            "name": name,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_sign_up_refuses_a_bidi_override_and_creates_nobody(client):
    response = signup(client, f"Amina{RLO}nimdA")

    assert response.status_code == 200
    assert "invisible control characters (U+202E)" in response.content.decode()
    assert not User.objects.filter(username="amina").exists()


def test_sign_up_keeps_a_persian_name_with_its_zero_width_non_joiner(client):
    name = "\u0645\u062d\u0645\u062f\u200c\u0631\u0636\u0627"

    response = signup(client, f"  {name}  ")

    assert response.status_code == 302
    assert User.objects.get(username="amina").name == name


def test_sign_up_refuses_an_overlong_name_with_a_message(client):
    response = signup(client, "x" * 151)

    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()
    assert not User.objects.filter(username="amina").exists()


def test_the_profile_refuses_a_control_character_and_keeps_the_old_name(
    client, learner
):
    client.force_login(learner)

    response = client.post(
        "/en/accounts/profile/",
        {"name": "Asha\u2066Patel", "preferred_language": "en"},
    )

    assert response.status_code == 200
    assert "U+2066" in response.content.decode()
    learner.refresh_from_db()
    assert learner.name == "Asha Patel"


def test_the_profile_stores_the_name_normalised(client, learner):
    client.force_login(learner)

    client.post(
        "/en/accounts/profile/",
        {"name": "  Asha \u00a0 Pate\u0301l ", "preferred_language": "en"},
    )

    learner.refresh_from_db()
    assert learner.name == "Asha Patél"


def test_a_class_list_with_one_bad_name_creates_nobody_and_names_the_row(
    client, cohort, trainer
):
    client.force_login(trainer)
    users = User.objects.count()
    class_list = f"name,email\nAmina Okafor,a@example.org\nBen{RLO}Kim,\nCarla\u2066,\n"

    response = client.post(
        f"/en/trainer/cohorts/{cohort.pk}/learners/",
        {"csv_text": class_list, "batch": str(uuid.uuid4())},
    )

    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "No account was created" in page
    assert "Row 3: The name contains invisible control characters (U+202E)" in page
    assert "Row 4: The name contains invisible control characters (U+2066)" in page
    assert User.objects.count() == users
    assert not CohortMembership.objects.filter(cohort=cohort).exists()


def test_a_class_list_stores_names_normalised(cohort):
    [(user, _password)] = progress_api.bulk_create_learners(
        cohort=cohort, csv_text="name\n  Jose\u0301   Nu\u0301n\u0303ez \n"
    )
    assert user.name == "José Núñez"


def test_a_certificate_is_not_issued_for_a_name_with_a_bidi_override(
    learner, trainer, tiny_course
):
    enrolment = Enrolment.objects.create(
        user=learner, course_key=tiny_course.translation_key
    )

    with pytest.raises(certificates_api.IssueError) as raised:
        certificates_api.issue_certificate(
            enrolment=enrolment, issued_by=trainer, name=f"Asha{RLO}Patel"
        )

    assert "U+202E" in str(raised.value)
    assert not Certificate.objects.exists()


# --- Markup in a name is text wherever it is shown ---------------------------


@pytest.fixture
def marked_up(learner, cohort, trainer, django_capture_on_commit_callbacks):
    """The learner renamed to markup, in the trainer's cohort, certified."""
    learner.name = MARKUP
    learner.save()
    progress_api.join_cohort(user=learner, code=cohort.join_code)
    enrolment = Enrolment.objects.get(user=learner)
    with django_capture_on_commit_callbacks(execute=False):
        return certificates_api.issue_certificate(
            enrolment=enrolment, issued_by=trainer
        )


def assert_escaped(body: str):
    assert "<script>" not in body
    assert "<b onmouseover" not in body
    assert html.escape(MARKUP) in body or html.escape(MARKUP, quote=False) in body


def test_markup_in_a_name_is_escaped_on_the_dashboard(client, learner, marked_up):
    client.force_login(learner)
    assert_escaped(client.get("/en/dashboard/").content.decode())


def test_markup_in_a_name_is_escaped_in_the_trainer_report(
    client, trainer, cohort, marked_up
):
    client.force_login(trainer)
    response = client.get(f"/en/trainer/cohorts/{cohort.pk}/")
    assert response.status_code == 200
    assert_escaped(response.content.decode())


def test_markup_in_a_name_is_escaped_on_the_verify_page(client, marked_up):
    response = client.get(f"/verify/{marked_up.code}/")
    assert response.status_code == 200
    assert_escaped(response.content.decode())


def test_markup_in_a_name_is_escaped_in_the_certificate_pdf_source(marked_up):
    source = rendering.certificate_html(certificates_api.printed_certificate(marked_up))
    assert_escaped(source)


# --- CSV: formulas are neutralised, numbers and codes read back intact --------


def read(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_trainer_csv_neutralises_a_formula_name_and_keeps_numbers(
    client, learner, trainer, cohort
):
    learner.name = FORMULA
    learner.save()
    progress_api.join_cohort(user=learner, code=cohort.join_code)
    client.force_login(trainer)

    response = client.get(f"/en/trainer/cohorts/{cohort.pk}/learners.csv")

    header, row = read(response.content.decode())
    cells = dict(zip(header, row, strict=True))
    assert cells["Name"] == "'" + FORMULA
    assert cells["Name"][1:] == FORMULA  # one quote: the name reads back whole
    assert cells["Username"] == "asha"
    assert int(cells["Lessons in the course"]) == 3
    assert int(cells["Percent complete"]) == 0


@pytest.mark.parametrize(
    "cell, written",
    [
        (FORMULA, "'" + FORMULA),
        ("+254700000000", "'+254700000000"),
        ("-2", "'-2"),  # text that a spreadsheet would compute
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (-3, "-3"),  # a number is not a formula: it reads back as -3
        (0, "0"),
        ("PMJ-7K3Q-9M2X-PV4D", "PMJ-7K3Q-9M2X-PV4D"),  # codes untouched
        ("2026-11-26", "2026-11-26"),
        (None, ""),
    ],
)
def test_partner_results_csv_neutralises_text_formulas_only(cell, written):
    text = "".join(partners.write_results_csv([["row", "cell"], [7, cell]]))

    assert read(text) == [["row", "cell"], ["7", written]]


def test_partner_results_csv_round_trips_codes_and_negative_numbers():
    rows = [[1, "PMJ-7K3Q-9M2X-PV4D", -12, FORMULA, "Asha, Patel\n2nd line"]]

    [back] = read("".join(partners.write_results_csv(rows)))

    assert back[0] == "1" and back[1] == "PMJ-7K3Q-9M2X-PV4D"
    assert int(back[2]) == -12
    assert back[3] == "'" + FORMULA
    assert back[4] == "Asha, Patel\n2nd line"
