"""The trainer's class-list CSV: what an upload must be before it is parsed.

Neither the file's name nor its Content-Type is trusted: the bytes are
read. A class list is UTF-8 text (Excel's "CSV UTF-8" starts with a
byte-order mark, which is dropped), at most PAMOJA_CLASS_LIST_MAX_BYTES, with
at most MAX_LEARNERS_PER_UPLOAD rows besides the header. The columns and
rows themselves are checked by progress.cohorts.
"""

from __future__ import annotations

import csv
import io
import re

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from config.uploads import looks_like_spreadsheet_workbook

from .cohorts import MAX_LEARNERS_PER_UPLOAD

# What no text file has: NUL and the C0 controls other than tab, newline,
# carriage return (and form feed, which some exports leave in).
_BINARY = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
# A row holds a name, a username, an email address and a language code: far
# less. Longer lines are refused before the CSV parser meets them.
MAX_LINE = 2000


def _not_text_message() -> str:
    return _("This is not a CSV text file. Upload the class list saved as CSV.")


def class_list_text(upload) -> str:
    """The text of an uploaded class list; ValidationError saying what is wrong."""
    limit = settings.PAMOJA_CLASS_LIST_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            _("The file is larger than %(size)s. Split the class list.")
            % {"size": filesizeformat(limit)}
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    head = content[:8192]
    if looks_like_spreadsheet_workbook(head):
        raise forms.ValidationError(
            _(
                "This is a spreadsheet workbook, not a CSV file. In the "
                "spreadsheet, choose Save as, then “CSV UTF-8”, and upload that."
            )
        )
    if _BINARY.search(head.decode("latin-1")):
        raise forms.ValidationError(_not_text_message())
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise forms.ValidationError(
            _("Save the file as “CSV UTF-8” and upload it again.")
        ) from exc


def check_class_list_rows(text: str) -> None:
    """Refuse a list with too many rows before any row is checked (each is
    compared with every existing account)."""
    limit = settings.PAMOJA_CLASS_LIST_MAX_BYTES
    if len(text) > limit:  # pasted rather than uploaded: at most as long
        raise forms.ValidationError(
            _("The class list is longer than %(size)s. Split it.")
            % {"size": filesizeformat(limit)}
        )
    if _BINARY.search(text):
        raise forms.ValidationError(_not_text_message())
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE:
            raise forms.ValidationError(
                _(
                    "Row %(row)s is longer than %(max)s characters: "
                    "is this a class list?"
                )
                % {"row": number, "max": MAX_LINE}
            )
    # Quoted cells may hold line breaks: rows are counted as the parser will.
    filled = 0
    try:
        for cells in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
            if any(cell.strip() for cell in cells):
                filled += 1
    except csv.Error as exc:
        raise forms.ValidationError(
            _("The text could not be read as CSV: %(error)s") % {"error": exc}
        ) from exc
    if filled > MAX_LEARNERS_PER_UPLOAD + 1:  # with the header row
        raise forms.ValidationError(
            _("At most %(max)s learners at a time: split the file.")
            % {"max": MAX_LEARNERS_PER_UPLOAD}
        )
