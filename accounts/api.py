"""What other apps and commands may call in accounts."""

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import transaction

from .models import User

PARTNER_GROUP = "Partner institution"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    email: str
    name: str
    password: str
    created: bool


# role, username, email, name as printed on a certificate
DEMO_PEOPLE = [
    ("admin", "admin", "admin@pamoja.example", "Pamoja Administrator"),
    ("trainer", "trainer", "trainer@pamoja.example", "Amina Okafor"),
    ("reviewer", "reviewer", "reviewer@pamoja.example", "Rahul Sen"),
    # A learner without an email address, as many are.
    ("learner", "learner", "", "Wanjiru Kamau"),
    # Holds a certificate for the demo course, printed in Arabic script.
    ("graduate", "graduate", "", "أمينة الحسن"),
    (
        "partner",
        "partner",
        "registrar@university.example",
        "Registrar, University of Example",
    ),
]


@transaction.atomic
def ensure_demo_accounts(*, passwords: dict[str, str]) -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet.

    ``passwords`` maps a role to the password already issued for it. A role
    without one gets a new random password, set on its account even if the
    account exists, so the password returned (and printed) always works.
    """
    accounts = []
    for role, username, email, name in DEMO_PEOPLE:
        user = User.objects.filter(username=username).first()
        password = passwords.get(role) or secrets.token_urlsafe(9)
        created = user is None
        if created:
            user = User(
                username=username,
                email=email,
                name=name,
                is_staff=role in {"admin", "trainer", "reviewer"},
                is_superuser=role == "admin",
            )
        if created or role not in passwords:
            user.set_password(password)
            user.save()
        if role == "partner":
            user.groups.add(Group.objects.get_or_create(name=PARTNER_GROUP)[0])
        accounts.append(DemoAccount(role, username, email, name, password, created))
    return accounts
