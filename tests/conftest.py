import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _signing_keys(django_db_setup, django_db_blocker):
    """The run's signing keys, made once up front: making them asks the
    database whether certificates exist (certificates.keys), which a test
    without database access may not."""
    from certificates import keys

    with django_db_blocker.unblock():
        keys.get_keyset()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and cached fragments must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _interface_language_reset():
    """A request to /fr/… leaves French active in the thread: the next test
    must start in the default language."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _mail_through_celery(settings):
    """pytest-django swaps in the locmem backend; put ours back so tests take
    the real path (enqueue on commit, the task delivers). Delivery itself
    stays locmem in tests (PAMOJA_EMAIL_DELIVERY_BACKEND)."""
    settings.EMAIL_BACKEND = "config.mail.CeleryEmailBackend"


FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
FIXTURE_TRANSLATIONS = Path(__file__).parent / "fixtures" / "translations"


@pytest.fixture
def tiny_course(db):
    """tests/fixtures/content/tiny-course seeded and published: two modules,
    three lessons, a three-question quiz in the first module only."""
    from courses import api as courses_api
    from courses.models import CoursePage

    courses_api.seed_courses(root=FIXTURE_CONTENT)
    return CoursePage.objects.get(slug="tiny-course")


@pytest.fixture
def translated_content(tmp_path):
    """tests/fixtures/content plus its French files (tests/fixtures/translations):
    the course, both modules and lesson one are translated, lessons two and
    three are not."""
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    shutil.copytree(
        FIXTURE_TRANSLATIONS,
        root,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("README.md"),
    )
    return root


@pytest.fixture
def french_tiny_course(db, translated_content):
    """``translated_content`` seeded: the French course page."""
    from courses import api as courses_api
    from courses.models import CoursePage

    courses_api.seed_courses(root=translated_content)
    return CoursePage.objects.get(slug="tiny-course", locale__language_code="fr")


@pytest.fixture
def learner(django_user_model):
    user = django_user_model(username="asha", name="Asha Patel")
    user.set_password("a-long-Pass-phrase-42")
    user.save()
    return user


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """A request leaves its language active in the thread; tests that call
    api functions directly expect the default language, whatever ran before."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def trainer(django_user_model):
    """A member of the Trainer group (password as the `learner` fixture's)."""
    user = django_user_model.objects.create_user(
        "tess", password="a-long-Pass-phrase-42", name="Tess Trainer"
    )
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get_or_create(name="Trainer")[0])
    return user


@pytest.fixture
def cohort(tiny_course, trainer):
    """The trainer's cohort on the tiny course."""
    from progress import api as progress_api
    from progress.models import Organisation

    organisation = Organisation.objects.create(name="Uni", slug="uni")
    return progress_api.create_cohort(
        organisation=organisation,
        name="Evening class",
        courses=[tiny_course],
        trainer=trainer,
    )
