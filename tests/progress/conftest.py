import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from progress import api
from progress.models import Organisation


@pytest.fixture
def trainer():
    """A member of the Trainer group (password as the `learner` fixture's)."""
    user = User.objects.create_user(
        "tess", password="a-long-Pass-phrase-42", name="Tess Trainer"
    )
    user.groups.add(Group.objects.get_or_create(name="Trainer")[0])
    return user


@pytest.fixture
def cohort(tiny_course, trainer):
    """The trainer's cohort on the tiny course."""
    organisation = Organisation.objects.create(name="Uni", slug="uni")
    return api.create_cohort(
        organisation=organisation,
        name="Evening class",
        courses=[tiny_course],
        trainer=trainer,
    )
