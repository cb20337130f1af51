"""Fail when a language we call complete has an untranslated or fuzzy string."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import to_locale


class Command(BaseCommand):
    help = (
        "Check that locale/<lang>/LC_MESSAGES/django.po has no untranslated or "
        "fuzzy entries for every language in PAMOJA_COMPLETE_LANGUAGES."
    )

    def add_arguments(self, parser):
        parser.add_argument("--locale-dir", default=str(settings.LOCALE_PATHS[0]))

    def handle(self, *args, locale_dir, **options):
        problems = []
        for language in settings.PAMOJA_COMPLETE_LANGUAGES:
            path = Path(locale_dir) / to_locale(language) / "LC_MESSAGES" / "django.po"
            if not path.exists():
                problems.append(f"{language}: {path} is missing")
                continue
            catalogue = polib.pofile(str(path))
            for entry in catalogue.untranslated_entries():
                problems.append(f"{language}: untranslated: {entry.msgid!r}")
            for entry in catalogue.fuzzy_entries():
                problems.append(f"{language}: fuzzy: {entry.msgid!r}")
        if problems:
            raise CommandError(
                f"{len(problems)} translation problem(s):\n" + "\n".join(problems)
            )
        self.stdout.write(
            f"Translations complete: {', '.join(settings.PAMOJA_COMPLETE_LANGUAGES)}"
        )
