"""Issue 9's authorization matrix: for every URL pattern, what each role gets.

``MATRIX`` has a row per URL (a pattern may have several: the caller's own
object and someone else's); each row names its pattern as the resolver does
(the namespaced name, or the route of an unnamed pattern), the method and
the expected answer for each role, in the columns of ``ROLES``. The scene
(conftest.py) has learner A in trainer X's cohort, learner B in trainer Y's,
and K, an account trainer X made for cohort X.

Every cell is a test: the role asks, the status must match, and the body may
show no learner's data except those the role may see (``SEES``) and those the
row shows to anyone on purpose (``shows``: a verification answer names the
holder). ``test_every_url_pattern_has_a_row`` walks the URL conf, so a new
view without a row fails until someone decides who may use it.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import LocalePrefixPattern
from django.utils import timezone

pytestmark = pytest.mark.django_db

LOGIN = "login"  # 302 to a log-in page (the site's, Wagtail's or Django's)
DENIED = "denied"  # Wagtail admin's refusal: 302 back to /admin/ with a message

ROLES = (
    "anonymous",
    "learner_a",
    "learner_b",
    "trainer_x",
    "trainer_y",
    "partner_key",
    "revoked_key",
    "reviewer",
    "admin",
)
# Roles a row may add after the nine: a learner's device token (the API), and
# an account in the "Partner institution" group (the partner portal).
EXTRA_ROLES = ("device_a", "partner_user")

# Whose data each role may see; any other learner's marks (scene.marks) in a
# body fail the cell.
SEES = {
    "anonymous": set(),
    "learner_a": {"a"},
    "learner_b": {"b"},
    "trainer_x": {"a", "k"},
    "trainer_y": {"b"},
    "partner_key": set(),
    "revoked_key": set(),
    "reviewer": set(),
    "admin": {"a", "b", "k"},
    "device_a": {"a"},
    "partner_user": set(),
}


@dataclass(frozen=True)
class Row:
    pattern: str
    url: str  # formatted with the scene's ids: {cohort_x}, {cert_a}, …
    method: str
    expect: tuple  # one answer per role in ROLES
    extra: dict = field(default_factory=dict)  # answers of EXTRA_ROLES
    data: dict | None = None  # form fields (formatted), or the JSON body
    is_json: bool = False
    shows: tuple = ()  # learners whose data this URL shows anyone, on purpose


def get(pattern, url, *expect, **kwargs):
    return Row(pattern, url, "GET", expect, **kwargs)


def post(pattern, url, *expect, **kwargs):
    return Row(pattern, url, "POST", expect, **kwargs)


L, D = LOGIN, DENIED
COHORT_X = "/en/trainer/cohorts/{cohort_x}/"
COHORT_Y = "/en/trainer/cohorts/{cohort_y}/"
EVENT = {
    "events": [
        {
            "id": "{event_id}",
            "type": "lesson_viewed",
            "object": "{lesson_key}",
            "occurred_at": "{now}",
        }
    ]
}

# fmt: off
MATRIX = [
    # pattern, URL, then the answer of each role in ROLES:
    #   anon A    B    tX   tY   key  rvk  rev  admin
    # --- Infrastructure and public documents --------------------------------
    get("healthz", "/healthz",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("service_worker", "/sw.js",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("credentials:did", "/.well-known/did.json",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("credentials:status_list", "/credentials/status/{status_list}",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("credentials:status_list", "/credentials/status/99",
        404, 404, 404, 404, 404, 404, 404, 404, 404),
    # The signed credential is public to whoever holds its unguessable id.
    get("credentials:credential", "/credentials/{cert_a}",
        200, 200, 200, 200, 200, 200, 200, 200, 200,
        shows=("a",)),
    get("wagtaildocs_serve", "/documents/{document}/handout.txt",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("wagtaildocs_authenticate_with_password",
        "/documents/authenticate_with_password/999999/",
        404, 404, 404, 404, 404, 404, 404, 404, 404),
    # --- Verification: pages ---------------------------------------------------
    get("verify:form", "/verify/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("verify:trust_bundle", "/verify/trust-bundle.json",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    # A verification answer names the holder: that is what it is for.
    get("verify:code", "/verify/{code_a}/",
        200, 200, 200, 200, 200, 200, 200, 200, 200,
        shows=("a",)),
    get("verify:bulk", "/verify/bulk/",
        L,   403, 403, 403, 403, L,   L,   403, 200,
        extra={"partner_user": 200}),
    # --- API -----------------------------------------------------------------
    get("api:api-root", "/api/v1/",
        404, 404, 404, 404, 404, 404, 404, 404, 404),
    get("api:openapi-json", "/api/v1/openapi.json",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    # A session is ignored here (anyone may verify); a bad key is refused.
    post("api:verify_one", "/api/v1/verify",
        200, 200, 200, 200, 200, 200, 401, 200, 200,
        extra={"device_a": 401}, data={"code": "{code_a}"}, is_json=True,
        shows=("a",)),
    post("api:verify_bulk", "/api/v1/verify/bulk",
        401, 401, 401, 401, 401, 200, 401, 401, 401,
        extra={"device_a": 401}, data={"codes": ["{code_a}", "{code_b}"]}, is_json=True,
        shows=("a", "b")),
    # Progress is recorded for whoever the token or session belongs to.
    post("api:post_events", "/api/v1/progress/events",
        401, 200, 200, 200, 200, 401, 401, 200, 200,
        extra={"device_a": 200}, data=EVENT, is_json=True),
    post("api:post_token", "/api/v1/progress/tokens",
        401, 201, 201, 201, 201, 401, 401, 201, 201,
        extra={"device_a": 401}, data={"label": "phone"}, is_json=True),
    get("api:get_statements", "/api/v1/xapi/statements",
        401, 200, 200, 200, 200, 401, 401, 200, 200,
        extra={"device_a": 200}),
    get("api:get_statements", "/api/v1/xapi/statements?cohort={cohort_x}",
        401, 403, 403, 200, 403, 401, 401, 403, 200,
        extra={"device_a": 403}),
    get("api:get_statements", "/api/v1/xapi/statements?cohort={cohort_y}",
        401, 403, 403, 403, 200, 401, 401, 403, 200,
        extra={"device_a": 403}),
    # --- Accounts (allauth) -------------------------------------------------------
    get("account_profile", "/en/accounts/profile/",
        L,   200, 200, 200, 200, L,   L,   200, 200),
    # What Pamoja holds about the caller, and deleting the caller's account.
    get("account_data", "/en/accounts/data/",
        L,   200, 200, 200, 200, L,   L,   200, 200),
    post("account_data", "/en/accounts/data/",
        L,   405, 405, 405, 405, L,   L,   405, 405),
    get("account_delete", "/en/accounts/delete/",
        L,   200, 200, 200, 200, L,   L,   200, 200),
    post("account_delete", "/en/accounts/delete/",
        L,   200, 200, 200, 200, L,   L,   200, 200,
        data={"password": "not-the-password"}),
    get("account_login", "/en/accounts/login/",
        200, 302, 302, 302, 302, 200, 200, 302, 302),
    get("account_logout", "/en/accounts/logout/",
        302, 200, 200, 200, 200, 302, 302, 200, 200),
    get("account_inactive", "/en/accounts/inactive/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("account_signup", "/en/accounts/signup/",
        200, 302, 302, 302, 302, 200, 200, 302, 302),
    get("account_reauthenticate", "/en/accounts/reauthenticate/",
        L,   200, 200, 200, 200, L,   L,   200, 200),
    get("account_email", "/en/accounts/email/",
        L,   200, 200, 200, 200, L,   L,   200, 200),
    get("account_email_verification_sent", "/en/accounts/confirm-email/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("account_change_password", "/en/accounts/password/change/",
        L,   200, 200, 200, 200, L,   L,   200, 200),
    get("account_set_password", "/en/accounts/password/set/",
        L,   302, 302, 302, 302, L,   L,   302, 302),
    get("account_reset_password", "/en/accounts/password/reset/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("account_reset_password_done", "/en/accounts/password/reset/done/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("account_reset_password_from_key", "/en/accounts/password/reset/key/1-bogus/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("account_reset_password_from_key_done", "/en/accounts/password/reset/key/done/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("account_confirm_email", "/en/accounts/confirm-email/bogus-key/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("account_confirm_login_code", "/en/accounts/login/code/confirm/",
        302, 302, 302, 302, 302, 302, 302, 302, 302),
    # --- Learner pages ------------------------------------------------------------
    # A device token is for the API only: on a page it is nobody.
    get("progress:dashboard", "/en/dashboard/",
        L,   200, 200, 200, 200, L,   L,   200, 200,
        extra={"device_a": L}),
    get("progress:join", "/en/join/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    post("progress:complete", "/en/progress/lessons/{lesson}/complete/",
        L,   302, 302, 302, 302, L,   L,   302, 302),
    post("progress:complete", "/en/progress/lessons/{draft}/complete/",
        L,   404, 404, 404, 404, L,   L,   404, 404),
    post("progress:enrol", "/en/progress/courses/{course}/enrol/",
        L,   302, 302, 302, 302, L,   L,   302, 302),
    post("progress:enrol", "/en/progress/courses/{lesson}/enrol/",
        L,   404, 404, 404, 404, L,   L,   404, 404),
    get("progress:enrol", "/en/progress/courses/{course}/enrol/",
        L,   405, 405, 405, 405, L,   L,   405, 405),
    get("certificates:pdf", "/en/certificates/{cert_a}/pdf/",
        L,   200, 404, 200, 404, L,   L,   404, 200,
        extra={"device_a": L}),
    get("certificates:pdf", "/en/certificates/{cert_b}/pdf/",
        L,   404, 200, 404, 200, L,   L,   404, 200),
    post("certificates:claim", "/en/certificates/claim/{enrol_a}/",
        L,   302, 404, 404, 404, L,   L,   404, 404),
    post("certificates:claim", "/en/certificates/claim/{enrol_b}/",
        L,   404, 302, 404, 404, L,   L,   404, 404),
    # --- Wagtail pages: public content; a learner's own progress only ------------
    get("wagtail_serve", "/en/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("wagtail_serve", "{course_url}",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("wagtail_serve", "{lesson_url}",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("wagtail_serve", "{module_url}quiz/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    # A graded attempt is recorded for the caller; an empty one is refused.
    post("wagtail_serve", "{module_url}quiz/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("wagtail_serve", "{course_url}download/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("wagtail_serve", "{course_url}offline/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("wagtail_serve", "{draft_url}",
        404, 404, 404, 404, 404, 404, 404, 404, 404),
    get("wagtailcore_login", "/en/_util/login/",
        200, 200, 200, 200, 200, 200, 200, 200, 200),
    get("wagtailcore_authenticate_with_password",
        "/en/_util/authenticate_with_password/999999/{lesson}/",
        404, 404, 404, 404, 404, 404, 404, 404, 404),
    # --- Trainer pages: own cohorts only, 404 for any other ----------------------
    get("progress:cohorts", "/en/trainer/cohorts/",
        L,   404, 404, 200, 200, L,   L,   404, 200),
    get("progress:cohort_create", "/en/trainer/cohorts/new/",
        L,   404, 404, 200, 200, L,   L,   404, 200),
    get("progress:cohort", COHORT_X,
        L,   404, 404, 200, 404, L,   L,   404, 200),
    get("progress:cohort", COHORT_Y,
        L,   404, 404, 404, 200, L,   L,   404, 200),
    post("progress:cohort_open", COHORT_X + "open/",
        L,   404, 404, 302, 404, L,   L,   404, 302,
        data={"is_open": "1"}),
    post("progress:cohort_open", COHORT_Y + "open/",
        L,   404, 404, 404, 302, L,   L,   404, 302,
        data={"is_open": "1"}),
    get("progress:cohort_learners", COHORT_X + "learners/",
        L,   404, 404, 200, 404, L,   L,   404, 200),
    get("progress:cohort_learners", COHORT_Y + "learners/",
        L,   404, 404, 404, 200, L,   L,   404, 200),
    # A new one-time password for K: only through K's cohort, only by its trainer.
    post("progress:cohort_password", COHORT_X + "password/",
        L,   404, 404, 200, 404, L,   L,   404, 200,
        data={"user": "{user_k}"}),
    post("progress:cohort_password", COHORT_Y + "password/",
        L,   404, 404, 404, 404, L,   L,   404, 404,
        data={"user": "{user_k}"}),
    post("progress:cohort_password", COHORT_X + "password/",  # A made her own account
        L,   404, 404, 404, 404, L,   L,   404, 404,
        data={"user": "{user_a}"}),
    get("progress:cohort_csv", COHORT_X + "learners.csv",
        L,   404, 404, 200, 404, L,   L,   404, 200),
    get("progress:cohort_csv", COHORT_X + "funnel.csv",
        L,   404, 404, 200, 404, L,   L,   404, 200),
    get("progress:cohort_csv", COHORT_X + "items.csv",
        L,   404, 404, 200, 404, L,   L,   404, 200),
    get("progress:cohort_csv", COHORT_Y + "learners.csv",
        L,   404, 404, 404, 200, L,   L,   404, 200),
    get("certificates:cohort", COHORT_X + "certificates/",
        L,   404, 404, 200, 404, L,   L,   404, 200),
    get("certificates:cohort", COHORT_Y + "certificates/",
        L,   404, 404, 404, 200, L,   L,   404, 200),
    post("certificates:issue", COHORT_X + "certificates/issue/",
        L,   404, 404, 302, 404, L,   L,   404, 302,
        data={"user": "{user_a}", "course": "{course_key}"}),
    post("certificates:issue", COHORT_Y + "certificates/issue/",
        L,   404, 404, 404, 302, L,   L,   404, 302,
        data={"user": "{user_b}", "course": "{course_key}"}),
    post("certificates:revoke", "/en/certificates/{cert_a}/revoke/",
        L,   404, 404, 302, 404, L,   L,   404, 302,
        data={"reason": "Matrix", "cohort": "{cohort_x}"}),
    post("certificates:revoke", "/en/certificates/{cert_b}/revoke/",
        L,   404, 404, 404, 302, L,   L,   404, 302,
        data={"reason": "Matrix", "cohort": "{cohort_y}"}),
    post("certificates:reissue", "/en/certificates/{cert_a}/reissue/",
        L,   404, 404, 302, 404, L,   L,   404, 302,
        data={"name": "Renamed A", "cohort": "{cohort_x}"}),
    post("certificates:reissue", "/en/certificates/{cert_b}/reissue/",
        L,   404, 404, 404, 302, L,   L,   404, 302,
        data={"name": "Renamed B", "cohort": "{cohort_y}"}),
    # --- Admin: entry points (the rest of the trees: EXCLUDED) --------------------
    get("wagtailadmin_home", "/admin/",
        L,   L,   L,   200, 200, L,   L,   200, 200),
    # Trainer X may edit the course; trainer Y may use the admin but not it.
    get("wagtailadmin_pages:edit", "/admin/pages/{course}/edit/",
        L,   L,   L,   200, D,   L,   L,   200, 200),
    # Learners' names and emails: the superuser's only.
    get("wagtailusers_users:index", "/admin/users/",
        L,   L,   L,   D,   D,   L,   L,   D,   200),
    get("wagtailadmin_reports:site_history", "/admin/reports/site-history/",
        L,   L,   L,   200, 200, L,   L,   200, 200),
    get("admin:index", "/django-admin/",
        L,   L,   L,   200, 200, L,   L,   200, 200),
    get("admin:accounts_user_change", "/django-admin/accounts/user/{user_a}/change/",
        L,   L,   L,   403, 403, L,   L,   403, 200),
]
# fmt: on

# Patterns without a row, each with the reason.
EXCLUDED_PREFIXES = {
    "admin/": "Wagtail admin: every view requires the access_admin permission "
    "(and page permissions for pages), checked by the wagtailadmin_* rows",
    "django-admin/": "Django admin: every view requires is_staff and model "
    "permissions, checked by the admin:* rows",
}
# Single patterns (namespaced name or route) left out: none so far. (With
# DEBUG on, config/urls.py also serves media/ from disk, never certificate
# PDFs: tests/config/test_dev_media.py.)
EXCLUDED: dict[str, str] = {}

# Integer ids in URLs that name public things, not anyone's own object.
PUBLIC_INT_IDS = {
    "credentials:status_list": "a status list is public by design (W3C "
    "Bitstring Status List): every verifier fetches it; it names no learner",
    "progress:complete": "a published lesson's page id: public content; the "
    "progress recorded is always the caller's own",
    "progress:enrol": "a published course's page id: public content; the "
    "enrolment made is always the caller's own",
    "wagtaildocs_serve": "a Wagtail document: lesson handouts, public content "
    "(certificate PDFs are not documents: certificates:pdf)",
    "wagtaildocs_authenticate_with_password": "a view restriction's id: the "
    "form asks for its password; nothing of anyone's is shown",
    "wagtailcore_authenticate_with_password": "a view restriction's and a "
    "page's id: the form asks for the password; nothing of anyone's is shown",
    "wagtailadmin_pages:edit": "a page id in the admin: the page permission "
    "is checked (trainer Y is refused the course trainer X edits)",
}


# --- Walking the URL conf ------------------------------------------------------


def url_patterns():
    """(key, route) of every pattern: the key is the namespaced name, or the
    route for an unnamed pattern; the language prefix is written <lang>/."""
    found = []

    def walk(patterns, prefix, namespace):
        for entry in patterns:
            if isinstance(entry.pattern, LocalePrefixPattern):
                route = prefix + "<lang>/"
            else:
                route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = ":".join(filter(None, [namespace, entry.namespace]))
                walk(entry.url_patterns, route, inner or None)
            elif isinstance(entry, URLPattern):
                name = entry.name and (
                    f"{namespace}:{entry.name}" if namespace else entry.name
                )
                found.append((name or route, route))

    walk(get_resolver().url_patterns, "", None)
    return found


def test_every_url_pattern_has_a_row():
    covered = {row.pattern for row in MATRIX}
    missing = [
        f"{key}  ({route})"
        for key, route in url_patterns()
        if key not in covered
        and key not in EXCLUDED
        and not route.startswith(tuple(EXCLUDED_PREFIXES))
    ]
    assert not missing, "URL patterns with no row in MATRIX:\n" + "\n".join(missing)
    # …and nothing is excluded that no longer exists.
    patterns = url_patterns()
    assert set(EXCLUDED) <= {key for key, _route in patterns}
    for prefix in EXCLUDED_PREFIXES:
        assert any(route.startswith(prefix) for _key, route in patterns), prefix


def test_every_row_names_a_real_pattern_and_every_role():
    keys = {key for key, _route in url_patterns()}
    for row in MATRIX:
        assert row.pattern in keys, row
        assert len(row.expect) == len(ROLES), row
        assert set(row.extra) <= set(EXTRA_ROLES), row


INT_ID = re.compile(r"<int:|\(\\d\+\)")
REFUSED = {403, 404, LOGIN, DENIED}


def test_integer_ids_in_urls_are_public_or_refused_to_others():
    """Object ids in URLs are UUIDs; an integer id is either a public thing
    (with the reason) or has a row where some logged-in role is refused."""
    problems = []
    for key, route in url_patterns():
        if not INT_ID.search(route) or key in PUBLIC_INT_IDS:
            continue
        if route.startswith(tuple(EXCLUDED_PREFIXES)):
            continue  # behind the admin's own permission checks
        rows = [row for row in MATRIX if row.pattern == key]
        refused = any(
            answer in REFUSED
            for row in rows
            for role, answer in zip(ROLES, row.expect, strict=True)
            if role not in ("anonymous", "partner_key", "revoked_key")
        )
        if not refused:
            problems.append(f"{key} ({route})")
    assert not problems, "Integer ids neither public nor checked:\n" + "\n".join(
        problems
    )
    for key in PUBLIC_INT_IDS:
        assert any(row.pattern == key for row in MATRIX), key


# --- Every cell ----------------------------------------------------------------


def cells():
    for number, row in enumerate(MATRIX):
        answers = [*zip(ROLES, row.expect, strict=True), *row.extra.items()]
        for role, answer in answers:
            yield pytest.param(
                row, role, answer, id=f"{number:02d}-{row.method}-{row.pattern}-{role}"
            )


def client_for(scene, role) -> Client:
    if role == "partner_key":
        return Client(HTTP_AUTHORIZATION=f"Bearer {scene.partner_token}")
    if role == "revoked_key":
        return Client(HTTP_AUTHORIZATION=f"Bearer {scene.revoked_token}")
    if role == "device_a":
        return Client(HTTP_AUTHORIZATION=f"Bearer {scene.device_token}")
    client = Client()
    if role != "anonymous":
        client.force_login(scene.users[role])
    return client


def fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


def request(client, row, ids):
    url = fill(row.url, ids)
    data = fill(row.data, ids)
    if row.method == "GET":
        return url, data, client.get(url, data)
    if row.is_json:
        body = json.dumps(data)
        return url, body, client.post(url, body, content_type="application/json")
    return url, data, client.post(url, data or {})


def body_of(response) -> str:
    if response.streaming:
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def assert_answer(response, answer):
    location = response.headers.get("Location", "")
    if answer == LOGIN:
        assert response.status_code == 302, response.status_code
        assert "login" in location, location
    elif answer == DENIED:
        assert response.status_code == 302, response.status_code
        assert location == "/admin/", location
    else:
        assert response.status_code == answer, (response.status_code, location)


@pytest.mark.parametrize(("row", "role", "answer"), list(cells()))
def test_cell(scene, row, role, answer):
    ids = {
        **scene.ids,
        "event_id": uuid.uuid4(),
        "now": timezone.now().isoformat(),
    }
    url, sent, response = request(client_for(scene, role), row, ids)
    assert_answer(response, answer)
    body = body_of(response)
    allowed = SEES[role] | set(row.shows)
    asked = f"{url} {sent}"
    for learner, marks in scene.marks.items():
        if learner in allowed:
            continue
        for mark in marks:
            # A refusal may echo the URL it refuses; that reveals nothing.
            if mark not in asked:
                assert mark not in body, f"{role} got learner {learner}'s {mark!r}"


# --- What the cells cannot see ------------------------------------------------


def test_the_body_check_finds_learners_where_they_are_shown(scene):
    """The marks are what the pages print: trainer X's report names A and K,
    the admin's pages name B. (Else every body check would pass.)"""
    report = client_for(scene, "trainer_x").get(fill(COHORT_X, scene.ids))
    users = client_for(scene, "admin").get("/admin/users/")
    user_b = client_for(scene, "admin").get(
        f"/django-admin/accounts/user/{scene.ids['user_b']}/change/"
    )

    assert scene.marks["a"][0] in body_of(report)
    assert scene.marks["k"][0] in body_of(report)
    assert scene.marks["b"][0] in body_of(users)
    assert scene.marks["b"][1] in body_of(user_b)  # her email


def test_pages_a_learner_saw_are_not_kept_for_anyone_else(scene):
    """The anonymous page cache keeps what anonymous readers get, never what
    a logged-in learner got (their progress, their name)."""
    urls = [
        fill(url, scene.ids)
        for url in ("/en/", "{course_url}", "{lesson_url}", "{module_url}quiz/")
    ]
    learner_a = client_for(scene, "learner_a")
    seen = "".join(body_of(learner_a.get(url)) for url in urls)
    assert scene.marks["a"][0] in seen  # her pages do show her

    hits = 0
    for role in ("anonymous", "learner_b", "partner_key", "anonymous"):
        for url in urls:
            response = client_for(scene, role).get(url)
            hits += response.get("X-Page-Cache") == "hit"
            body = body_of(response)
            assert not [mark for mark in scene.marks["a"] if mark in body], url
    assert hits  # the cache did answer


def test_a_trainer_cannot_issue_to_a_learner_of_another_cohort(scene):
    from certificates.models import Certificate

    before = Certificate.objects.filter(user=scene.users["learner_b"]).count()
    response = client_for(scene, "trainer_x").post(
        fill(COHORT_X + "certificates/issue/", scene.ids),
        {"user": scene.ids["user_b"], "course": scene.ids["course_key"]},
        follow=True,
    )

    assert "Choose a learner and a course of this cohort." in body_of(response)
    assert Certificate.objects.filter(user=scene.users["learner_b"]).count() == before
    assert not Certificate.objects.filter(issued_by=scene.users["trainer_x"]).exists()


def test_the_api_wants_the_csrf_token_with_a_session(scene):
    """The cells' test client skips CSRF checks; a browser session on the API
    must still send the token, or another site could post as the learner."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(scene.users["learner_a"])
    ids = {**scene.ids, "event_id": uuid.uuid4(), "now": timezone.now().isoformat()}

    for url, data in [
        ("/api/v1/progress/events", fill(EVENT, ids)),
        ("/api/v1/progress/tokens", {"label": "phone"}),
    ]:
        response = client.post(url, json.dumps(data), content_type="application/json")
        assert response.status_code == 403, (url, response.status_code)
