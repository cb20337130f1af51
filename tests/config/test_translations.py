import shutil
from io import StringIO

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command


def test_every_complete_language_is_complete():
    out = StringIO()
    call_command("check_translations", stdout=out)

    assert "Translations complete" in out.getvalue()


def test_a_missing_string_fails_the_check(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(settings.LOCALE_PATHS[0], locale)
    path = locale / "sw" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path))
    catalogue.find("Mark complete").msgstr = ""
    catalogue.save(str(path))

    with pytest.raises(CommandError, match="sw: untranslated: 'Mark complete'"):
        call_command("check_translations", locale_dir=str(locale))


def test_a_fuzzy_string_fails_the_check(tmp_path):
    locale = tmp_path / "locale"
    shutil.copytree(settings.LOCALE_PATHS[0], locale)
    path = locale / "ar" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path))
    catalogue.find("Mark complete").flags.append("fuzzy")
    catalogue.save(str(path))

    with pytest.raises(CommandError, match="ar: fuzzy: 'Mark complete'"):
        call_command("check_translations", locale_dir=str(locale))
