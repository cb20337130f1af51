import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.api import ensure_demo_accounts

CREDENTIALS_FILE = Path(settings.BASE_DIR) / "var" / "demo-accounts.json"


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
        issued = {}
        if CREDENTIALS_FILE.exists():
            issued = json.loads(CREDENTIALS_FILE.read_text())
        accounts = ensure_demo_accounts(passwords=issued)
        self._grant_demo_course(accounts)
        CREDENTIALS_FILE.parent.mkdir(exist_ok=True)
        CREDENTIALS_FILE.write_text(
            json.dumps({a.role: a.password for a in accounts}, indent=2)
        )
        CREDENTIALS_FILE.chmod(0o600)
        self.stdout.write(
            self.style.SUCCESS("Demo accounts (log in at /accounts/login/):")
        )
        for a in accounts:
            login = a.username + (f" or {a.email}" if a.email else "")
            self.stdout.write(f"  {a.role:<9} {login:<45} password: {a.password}")

    def _grant_demo_course(self, accounts):
        """The demo trainer may edit the demo course, and only that one."""
        from courses.models import CoursePage

        from courses import api as courses_api

        by_role = {a.role: a for a in accounts}
        course = CoursePage.objects.filter(slug="ai-literacy-for-everyone").first()
        if course is None:
            return
        from accounts.models import User

        courses_api.setup_authoring()
        trainer = User.objects.get(username=by_role["trainer"].username)
        courses_api.grant_course(user=trainer, course=course)
        reviewer = User.objects.get(username=by_role["reviewer"].username)
        courses_api.make_reviewer(user=reviewer)
