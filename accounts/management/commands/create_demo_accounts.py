import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.api import ensure_demo_accounts
from accounts.models import User
from certificates.demo import ensure_graduate
from courses import api as courses_api
from courses.models import CoursePage


class Command(BaseCommand):
    help = (
        "Create the demo admin, trainer, reviewer, learner and partner accounts "
        "(once) and print their log-ins. Refuses to run with DEBUG off."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off."
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo accounts are for local trials; use --force to create them "
                "with DEBUG off."
            )
        credentials = Path(settings.PAMOJA_DEMO_CREDENTIALS_FILE)
        issued = {}
        if credentials.exists():
            issued = json.loads(credentials.read_text())
        accounts = ensure_demo_accounts(passwords=issued)
        self._grant_demo_course(accounts)
        credentials.parent.mkdir(parents=True, exist_ok=True)
        credentials.touch(mode=0o600)
        credentials.write_text(json.dumps({a.role: a.password for a in accounts}))
        self.stdout.write(
            self.style.SUCCESS("Demo accounts (log in at /accounts/login/):")
        )
        for a in accounts:
            login = a.username + (f" or {a.email}" if a.email else "")
            self.stdout.write(f"  {a.role:<9} {login:<45} password: {a.password}")
        certificate = self._graduate(accounts)
        if certificate is not None:
            self.stdout.write(
                self.style.SUCCESS("Demo certificate (try verifying it):")
            )
            self.stdout.write(f"  code {certificate.code}  {certificate.verify_url}")

    def _graduate(self, accounts):
        """The graduate completes the demo course and holds its certificate."""
        course = CoursePage.objects.filter(
            slug="ai-literacy-for-everyone", locale__language_code="en"
        ).first()
        graduate = next((a for a in accounts if a.role == "graduate"), None)
        if course is None or graduate is None:
            return None
        user = User.objects.get(username=graduate.username)
        if not user.preferred_language:
            user.preferred_language = "ar"
            user.save(update_fields=["preferred_language"])
        return ensure_graduate(user=user, course=course)

    def _grant_demo_course(self, accounts):
        """The demo trainer may edit the demo course, and only that one."""
        course = CoursePage.objects.filter(slug="ai-literacy-for-everyone").first()
        if course is None:
            return
        users = {a.role: User.objects.get(username=a.username) for a in accounts}
        courses_api.grant_course(user=users["trainer"], course=course)
        courses_api.make_reviewer(user=users["reviewer"])
