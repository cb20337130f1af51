from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses import api
from courses.content_schema import CONTENT_DIR, ContentError


class Command(BaseCommand):
    help = (
        "Create or update the demo courses from courses/content/ and publish them. "
        "Idempotent: pages whose file did not change are left as they are."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--content-dir",
            type=Path,
            default=CONTENT_DIR,
            help="Read the course folders from here (default: courses/content/).",
        )

    def handle(self, *args, content_dir, **options):
        try:
            report = api.seed_courses(stdout=self.stdout, root=content_dir)
        except (ContentError, OSError) as exc:
            raise CommandError(f"Course content is invalid: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Courses seeded: {len(report.created)} pages created, "
                f"{len(report.updated)} updated, {len(report.unchanged)} unchanged."
            )
        )
