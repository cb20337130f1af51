"""Cohorts: join codes, bulk-created learner accounts, one-time passwords.

A trainer runs a cohort of learners through one or more courses. Learners
join with a short code typed on a phone, or the trainer creates their
accounts from a CSV of names and hands out a printed class list (usernames
and one-time passwords) to learners who have no email address.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from allauth.account.signals import (
    password_changed,
    password_reset,
    password_set,
    user_logged_in,
)
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.dispatch import receiver
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import names
from courses.api import TRAINER_GROUP
from courses.models import CoursePage

from . import structure
from .models import (
    JOIN_CODE_ALPHABET,
    JOIN_CODE_LENGTH,
    Cohort,
    CohortMembership,
    Enrolment,
    Organisation,
    TemporaryPassword,
)

MAX_LEARNERS_PER_UPLOAD = 500
# Lower-case letters and digits a learner cannot misread (no 0/o, 1/l/i, u/v).
READABLE = "abcdefghjkmnpqrstwxyz23456789"
# Typed codes: Crockford's reading of look-alike letters.
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_ASCII_USERNAME = re.compile(r"^[\w.@+-]+\Z", re.ASCII)
# Latin letters that Unicode does not decompose into a base letter.
_NO_DECOMPOSITION = str.maketrans(
    {"ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "þ": "th"}
    | {"ð": "d", "ı": "i", "ħ": "h"}
)


class JoinError(Exception):
    """A join code that cannot be used; ``message`` says why, for the learner."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ClassListError(Exception):
    """A CSV of learners that was refused whole; one message per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


# --- Join codes -------------------------------------------------------------


def new_join_code() -> str:
    """Eight random characters of Crockford's base 32: 40 bits."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(typed: str) -> str:
    """A code as typed ("k7q3 9m2x", "K7Q3-9M2X") as stored ("K7Q39M2X").

    Case, spaces and dashes do not matter, and I, L and O are read as 1, 1
    and 0, so a code copied from a blurred print-out still works.
    """
    kept = re.sub(r"[\s\-_.]", "", typed or "").upper()
    return kept.translate(_LOOK_ALIKES)


def is_well_formed(code: str) -> bool:
    return len(code) == JOIN_CODE_LENGTH and all(c in JOIN_CODE_ALPHABET for c in code)


def create_cohort(
    *,
    organisation: Organisation,
    name: str,
    courses: Iterable[CoursePage],
    trainer,
) -> Cohort:
    """Create a cohort taking ``courses`` (any translation of each), run by
    ``trainer``, with a fresh join code; it is open to join."""
    keys = list(dict.fromkeys(str(course.translation_key) for course in courses))
    if not keys:
        raise ValueError("a cohort needs at least one course")
    for _attempt in range(10):
        code = new_join_code()
        if Cohort.objects.filter(join_code=code).exists():
            continue
        try:
            with transaction.atomic():
                cohort = Cohort.objects.create(
                    organisation=organisation,
                    name=name,
                    course_keys=keys,
                    join_code=code,
                )
                cohort.trainers.add(trainer)
                return cohort
        except IntegrityError:  # another cohort took the code meanwhile
            continue
    raise RuntimeError("no free join code after 10 tries")


def organisation_named(name: str) -> Organisation:
    """The organisation called ``name`` (case aside), created if it is new."""
    name = name.strip()
    found = Organisation.objects.filter(name__iexact=name).first()
    if found:
        return found
    base = slugify(name, allow_unicode=True)[:90] or "organisation"
    slug = base
    while Organisation.objects.filter(slug=slug).exists():
        slug = f"{base}-{_random(READABLE, 4)}"
    return Organisation.objects.create(name=name, slug=slug)


def may_run_cohorts(*, user) -> bool:
    """Whether ``user`` may create cohorts and see the trainer pages: members
    of the Trainer group, superusers, and anyone already training a cohort."""
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        user.is_superuser
        or user.groups.filter(name=TRAINER_GROUP).exists()
        or user.trained_cohorts.exists()
    )


def set_cohort_open(*, cohort: Cohort, is_open: bool) -> None:
    """Open or close ``cohort`` to learners joining with its code."""
    Cohort.objects.filter(pk=cohort.pk).update(is_open=is_open)
    cohort.is_open = is_open


@transaction.atomic
def join_cohort(*, user, code: str) -> CohortMembership:
    """Add ``user`` to the cohort whose join code is ``code`` (as typed) and
    enrol them in its courses. Joining twice changes nothing.

    Raises JoinError for a mistyped, unknown or closed code.
    """
    from . import api  # api re-exports this module

    normalised = normalise_join_code(code)
    if not is_well_formed(normalised):
        raise JoinError(
            _(
                "A join code has 8 letters and digits, like K7Q3-9M2X. "
                "Check the code and try again."
            )
        )
    cohort = Cohort.objects.filter(join_code=normalised).first()
    if cohort is None:
        raise JoinError(
            _("There is no cohort with this code. Check it with your trainer.")
        )
    membership = CohortMembership.objects.filter(cohort=cohort, user=user).first()
    if membership is None:
        if not cohort.is_open:
            raise JoinError(
                _("This cohort is closed to new learners. Ask your trainer.")
            )
        membership, _created = CohortMembership.objects.get_or_create(
            cohort=cohort, user=user
        )
    for course_key in cohort.course_uuids:
        course = structure.source_course(course_key)
        if course is not None:
            api.enrol(user=user, course=course)
    return membership


# --- Class lists: accounts made by the trainer -------------------------------


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet numbers it: the header is row 1
    name: str
    username: str
    email: str
    preferred_language: str


def bulk_create_learners(*, cohort: Cohort, csv_text: str) -> list[tuple[object, str]]:
    """Create a learner account for each row of ``csv_text`` in ``cohort``.

    The CSV needs a ``name`` column (as printed on a certificate) and may
    have ``username``, ``email`` and ``preferred_language``. A missing
    username is made from the name: ASCII letters where the name has them,
    else "learner", with a short random suffix when needed. Each account
    gets a random one-time password that the learner is asked to change.

    All or nothing: any bad row refuses the whole file with ClassListError,
    naming each bad row. Returns (user, one-time password) pairs in file
    order; the passwords cannot be read again.
    """
    rows = _parse_class_list(csv_text)
    usernames = _usernames_for(rows)
    passwords = [new_password() for _row in rows]
    with ThreadPoolExecutor(max_workers=4) as pool:
        hashes = list(pool.map(make_password, passwords))
    try:
        with transaction.atomic():
            users = _create_accounts(cohort, rows, usernames, hashes)
    except IntegrityError as exc:  # someone took a username meanwhile
        raise ClassListError(
            [_("Another account was created with one of these usernames. Try again.")]
        ) from exc
    return list(zip(users, passwords, strict=True))


def reissue_password(*, cohort: Cohort, user) -> str:
    """Give a learner whose account the trainer made a new one-time password.

    Only for accounts made from a class list of ``cohort``, so a trainer never
    takes over an account a learner made for themselves.
    """
    if not CohortMembership.objects.filter(
        cohort=cohort, user=user, is_bulk_created=True
    ).exists():
        raise PermissionError("not an account made for this cohort")
    password = new_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    TemporaryPassword.objects.update_or_create(user=user, defaults={"cohort": cohort})
    return password


def has_temporary_password(*, user) -> bool:
    """Whether ``user`` still logs in with a password a trainer handed out."""
    return TemporaryPassword.objects.filter(user=user).exists()


def new_password() -> str:
    """Twelve easy-to-read characters in three groups, "k7q3-9m2x-4hpw": 58 bits."""
    return "-".join(_random(READABLE, 4) for _ in range(3))


def _random(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _create_accounts(cohort, rows, usernames, hashes) -> list:
    user_model = get_user_model()
    users = []
    for row, username, hashed in zip(rows, usernames, hashes, strict=True):
        user = user_model(
            username=username,
            name=row.name,
            email=row.email,
            preferred_language=row.preferred_language,
            password=hashed,
        )
        user.save()
        users.append(user)
    CohortMembership.objects.bulk_create(
        CohortMembership(cohort=cohort, user=u, is_bulk_created=True) for u in users
    )
    TemporaryPassword.objects.bulk_create(
        TemporaryPassword(user=u, cohort=cohort) for u in users
    )
    Enrolment.objects.bulk_create(
        Enrolment(user=u, course_key=key) for u in users for key in cohort.course_keys
    )
    return users


def _parse_class_list(csv_text: str) -> list[Row]:
    text = csv_text.lstrip("\ufeff")  # Excel's "CSV UTF-8" starts with a BOM
    lines = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    header = next(lines, None)
    columns = [c.strip().lower() for c in header or []]
    if "name" not in columns:
        raise ClassListError(
            [
                _(
                    "The first row must name the columns, and one of them must be "
                    '"name". Optional columns: username, email, preferred_language.'
                )
            ]
        )
    rows, problems = [], []
    for number, cells in enumerate(lines, start=2):
        if not any(cell.strip() for cell in cells):
            continue  # a blank line
        if len(cells) > len(columns):
            problems.append(
                _(
                    "Row %(row)s: more cells than columns. A name with a comma "
                    "must be in quotes."
                )
                % {"row": number}
            )
            continue
        values = {col: cell.strip() for col, cell in zip(columns, cells, strict=False)}
        row = Row(
            number=number,
            name=_kept_name(values.get("name", "")),
            username=values.get("username", "").lower(),
            email=values.get("email", "").lower(),
            preferred_language=values.get("preferred_language", "").lower(),
        )
        problems.extend(_row_problems(row))
        rows.append(row)
    if not rows and not problems:
        problems.append(_("The file has no learners: add one row per learner."))
    if len(rows) > MAX_LEARNERS_PER_UPLOAD:
        problems.append(
            _("At most %(max)s learners at a time: split the file.")
            % {"max": MAX_LEARNERS_PER_UPLOAD}
        )
    problems.extend(_clashes(rows))
    if problems:
        raise ClassListError(problems)
    return rows


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab that some spreadsheets write instead."""
    first = text.split("\n", 1)[0]
    return max([",", ";", "\t"], key=first.count) if first else ","


def _kept_name(cell: str) -> str:
    """The name as the account keeps it; as typed if refused (see below)."""
    try:
        return names.clean_name(cell)
    except ValidationError:
        return cell


def _row_problems(row: Row) -> list[str]:
    problems = []
    field = {"row": row.number}
    languages = [code for code, _name in settings.LANGUAGES]
    if not row.name:
        problems.append(_("Row %(row)s: the name is empty.") % field)
    elif problem := names.name_problem(row.name):
        problems.append(_("Row %(row)s: %(problem)s") % {**field, "problem": problem})
    if row.username and (
        len(row.username) > 150 or not _ASCII_USERNAME.match(row.username)
    ):
        problems.append(
            _("Row %(row)s: a username may only have letters a-z, digits and @ . + - _")
            % field
        )
    if row.email:
        try:
            validate_email(row.email)
        except ValidationError:
            problems.append(_("Row %(row)s: the email address is not valid.") % field)
    if row.preferred_language and row.preferred_language not in languages:
        problems.append(
            _("Row %(row)s: unknown language %(code)s; use one of %(codes)s.")
            % {**field, "code": row.preferred_language, "codes": ", ".join(languages)}
        )
    return problems


def _clashes(rows: list[Row]) -> list[str]:
    """Usernames and emails used twice in the file or by existing accounts."""
    problems = []
    for column, label in (("username", _("username")), ("email", _("email address"))):
        seen: dict[str, int] = {}
        for row in rows:
            value = getattr(row, column)
            if value and value in seen:
                problems.append(
                    _("Row %(row)s: the %(column)s %(value)s is also on row %(other)s.")
                    % {
                        "row": row.number,
                        "column": label,
                        "value": value,
                        "other": seen[value],
                    }
                )
            seen.setdefault(value, row.number)
        taken = _existing(column, [v for v in seen if v])
        problems.extend(
            _("Row %(row)s: the %(column)s %(value)s is already taken.")
            % {"row": row.number, "column": label, "value": getattr(row, column)}
            for row in rows
            if getattr(row, column) in taken
        )
    return problems


def _existing(column: str, values: list[str]) -> set[str]:
    """Which of ``values`` an account already has in ``column``, case aside."""
    if not values:
        return set()
    return set(
        get_user_model()
        .objects.annotate(value=Lower(column))
        .filter(value__in=values)
        .values_list("value", flat=True)
    )


def username_base(name: str) -> str:
    """ASCII letters of ``name`` as a username ("José Núñez" → "jose-nunez"),
    or "" when the name has too few (Arabic, Devanagari, Ge'ez…)."""
    decomposed = unicodedata.normalize(
        "NFKD", name.lower().translate(_NO_DECOMPOSITION)
    )
    ascii_name = decomposed.encode("ascii", "ignore").decode()
    slug = slugify(ascii_name)[:24].strip("-")
    return slug if len(slug.replace("-", "")) >= 3 else ""


def _usernames_for(rows: list[Row]) -> list[str]:
    """The given usernames, and new ones for the rows without, unique overall.

    Taken candidates are looked up in one query per round; a round with a
    clash (rare: the suffix has 24 bits) draws new suffixes for those rows.
    """
    chosen = {row.number: row.username for row in rows if row.username}
    wanted = {row.number: username_base(row.name) for row in rows if not row.username}
    candidates = {n: base or _with_suffix("learner") for n, base in wanted.items()}
    while candidates:
        used = set(chosen.values())
        taken = _existing("username", list(candidates.values())) | used
        clashes = {}
        for number, candidate in candidates.items():
            if candidate in taken or candidate in used:
                clashes[number] = _with_suffix(wanted[number] or "learner")
            else:
                chosen[number] = candidate
                used.add(candidate)
        candidates = clashes
    return [chosen[row.number] for row in rows]


def _with_suffix(base: str) -> str:
    return f"{base}-{_random(READABLE, 5)}"


# --- Keeping the one-time password flag honest -------------------------------


@receiver(user_logged_in, dispatch_uid="progress_ask_for_own_password")
def _ask_for_own_password(sender, request, user, **kwargs):
    # Django's messages keep a safe string safe, so the link renders.
    if request is not None and has_temporary_password(user=user):
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("You are using the one-time password from your trainer."),
                reverse("account_change_password"),
                _("Choose a password of your own now."),
            ),
        )


@receiver(password_changed, dispatch_uid="progress_password_changed")
@receiver(password_set, dispatch_uid="progress_password_set")
@receiver(password_reset, dispatch_uid="progress_password_reset")
def _forget_temporary_password(sender, request=None, user=None, **kwargs):
    if user is not None:
        TemporaryPassword.objects.filter(user=user).delete()
