"""What an uploaded file is, by its first bytes, never by its name or the
Content-Type the browser sent.

The Wagtail admin's document form (WAGTAILDOCS_DOCUMENT_FORM_BASE) refuses a
file whose content does not match its extension: a page of HTML renamed
``handout.pdf`` would otherwise be stored and served as a PDF. Images need
no help: Wagtail opens every upload with Willow and refuses one whose format
does not match its extension (WAGTAILIMAGES_EXTENSIONS).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm

HEAD_BYTES = 8192
_ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # a zip archive, or an empty one
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml")
_CONTROL = bytes(set(range(32)) - {9, 10, 12, 13})


def looks_like_spreadsheet_workbook(head: bytes) -> bool:
    """An .xlsx/.ods (zip) or a legacy .xls (OLE2) file."""
    return head.startswith((*_ZIP, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"))


def _is_pdf(head: bytes) -> bool:
    return head.lstrip(b"\r\n\t ").startswith(b"%PDF-")


def _is_zip(head: bytes) -> bool:
    return head.startswith(_ZIP)


def _is_plain_text(head: bytes) -> bool:
    """Text, and not a web page: a browser must never be handed markup."""
    if any(byte in _CONTROL for byte in head):
        return False
    start = head.lstrip(b"\xef\xbb\xbf\r\n\t ").lower()
    return not start.startswith(_MARKUP)


# Each document extension (WAGTAILDOCS_EXTENSIONS) and what its file holds.
DOCUMENT_CONTENT = {
    "pdf": _is_pdf,
    "docx": _is_zip,
    "pptx": _is_zip,
    "xlsx": _is_zip,
    "odt": _is_zip,
    "zip": _is_zip,
    "csv": _is_plain_text,
    "txt": _is_plain_text,
}


def content_matches_extension(upload, extension: str) -> bool:
    """Whether the upload's first bytes are what ``extension`` promises. An
    extension without a check here is refused: a new one needs a check."""
    check = DOCUMENT_CONTENT.get(extension.lower())
    if check is None:
        return False
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return check(head)


class DocumentForm(BaseDocumentForm):
    """Wagtail's document form, with the file's content checked."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data:
            extension = (
                upload.name.rpartition(".")[2].lower() if "." in upload.name else ""
            )
            allowed = settings.WAGTAILDOCS_EXTENSIONS
            if extension not in allowed:
                return upload  # Wagtail's own check names the allowed ones
            if not content_matches_extension(upload, extension):
                raise forms.ValidationError(
                    _(
                        "The content of this file is not a .%(extension)s "
                        "document. Upload the file itself, saved in that format."
                    )
                    % {"extension": extension}
                )
        return upload
