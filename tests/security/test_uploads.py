"""Uploads: each is limited in size and checked by its content, never by its
name or Content-Type: the trainer's class list (CSV), Wagtail documents and
images, and the PDF uploaded for verification. For each: too large, the
wrong content under the right extension, empty, and a valid file."""

import io
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from wagtail.documents.models import Document
from wagtail.images.models import Image as WagtailImage
from wagtail.models import Collection

from progress.models import CohortMembership

pytestmark = pytest.mark.django_db

PNG = io.BytesIO()
Image.new("RGB", (4, 4), "teal").save(PNG, "PNG")
PNG_BYTES = PNG.getvalue()
XLSX_BYTES = b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 64  # a zip's first bytes
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer <<>>\n%%EOF\n"
HTML_BYTES = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"


# --- The trainer's class list --------------------------------------------------


@pytest.fixture
def class_list(client, cohort, trainer):
    client.force_login(trainer)
    url = f"/en/trainer/cohorts/{cohort.pk}/learners/"

    def upload(content: bytes, name="class.csv", content_type="text/csv"):
        return client.post(
            url,
            {
                "csv_file": SimpleUploadedFile(name, content, content_type),
                "batch": str(uuid.uuid4()),
            },
        )

    def paste(text: str):
        return client.post(url, {"csv_text": text, "batch": str(uuid.uuid4())})

    upload.paste = paste
    return upload


def _made_accounts() -> int:
    return CohortMembership.objects.filter(is_bulk_created=True).count()


def test_a_valid_class_list_with_a_bom_and_semicolons_makes_the_accounts(
    class_list,
):
    content = "\ufeffname;preferred_language\nAmina Okafor;en\nZoë Müller;fr\n"

    response = class_list(content.encode())

    assert response.status_code == 200
    assert "Zoë Müller" in response.content.decode()
    assert _made_accounts() == 2


def test_an_oversized_class_list_is_refused_saying_the_limit(class_list, settings):
    settings.PAMOJA_CLASS_LIST_MAX_BYTES = 1024

    response = class_list(b"name\n" + b"Amina Okafor\n" * 100)

    assert "The file is larger than 1.0\xa0KB. Split the class list." in (
        response.content.decode()
    )
    assert _made_accounts() == 0


def test_an_image_named_csv_is_refused(class_list):
    response = class_list(PNG_BYTES, content_type="text/csv")

    assert "This is not a CSV text file." in response.content.decode()
    assert _made_accounts() == 0


def test_a_workbook_named_csv_is_refused_saying_how_to_save_it(class_list):
    response = class_list(XLSX_BYTES)

    assert "This is a spreadsheet workbook, not a CSV file." in (
        response.content.decode()
    )
    assert _made_accounts() == 0


def test_a_class_list_in_another_encoding_is_refused(class_list):
    response = class_list("name\nZoë Müller\n".encode("latin-1"))

    assert "CSV UTF-8" in response.content.decode()
    assert _made_accounts() == 0


def test_an_empty_class_list_is_refused(class_list):
    response = class_list(b"")

    assert "The submitted file is empty." in response.content.decode()
    assert _made_accounts() == 0


def test_too_many_rows_are_refused_before_any_row_is_checked(class_list):
    rows = "".join(f"Learner {number}\n" for number in range(501))

    response = class_list(f"name\n{rows}".encode())

    page = response.content.decode()
    assert "At most 500 learners at a time: split the file." in page
    assert "Row " not in page  # refused whole, before the rows were read
    assert _made_accounts() == 0


def test_pasted_binary_or_overlong_lines_are_refused_not_a_server_error(class_list):
    nul = class_list.paste("name\nAmina\x00Okafor\n")
    binary = class_list.paste("name\nAmina\x01\x02Okafor\n")
    long_line = class_list.paste("name\n" + "A" * 5000 + "\n")

    assert nul.status_code == binary.status_code == 200
    assert "Null characters are not allowed." in nul.content.decode()
    assert "This is not a CSV text file." in binary.content.decode()
    assert "Row 2 is longer than 2000 characters" in long_line.content.decode()
    assert _made_accounts() == 0


# --- Wagtail documents ------------------------------------------------------------


@pytest.fixture
def admin_client(client):
    admin = get_user_model().objects.create_superuser(
        "ada", password="a-long-Pass-phrase-42", name="Ada Admin"
    )
    client.force_login(admin)
    return client


def _add_document(client, name, content):
    return client.post(
        "/admin/documents/add/",
        {
            "title": "Handout",
            "file": SimpleUploadedFile(name, content, "application/pdf"),
            "collection": Collection.get_first_root_node().pk,
        },
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_real_pdf_document_is_stored(admin_client, media):
    response = _add_document(admin_client, "handout.pdf", PDF_BYTES)

    assert response.status_code == 302
    assert Document.objects.get().title == "Handout"


def test_a_web_page_named_pdf_is_refused(admin_client, media):
    response = _add_document(admin_client, "handout.pdf", HTML_BYTES)

    assert response.status_code == 200
    assert "The content of this file is not a .pdf document." in (
        response.content.decode()
    )
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("notes.txt", HTML_BYTES),
        ("marks.csv", PNG_BYTES),
        ("slides.pptx", PDF_BYTES),
        ("notes.docx", b"just some text, not a Word file"),
    ],
)
def test_other_disguised_documents_are_refused(admin_client, media, name, content):
    response = _add_document(admin_client, name, content)

    assert "The content of this file is not a" in response.content.decode()
    assert not Document.objects.exists()


def test_an_oversized_or_empty_document_is_refused(admin_client, media, settings):
    settings.WAGTAILDOCS_MAX_UPLOAD_SIZE = 32
    oversized = _add_document(admin_client, "handout.pdf", PDF_BYTES)
    empty = _add_document(admin_client, "empty.pdf", b"")

    assert "This file is too big" in oversized.content.decode()
    assert "The submitted file is empty." in empty.content.decode()
    assert not Document.objects.exists()


def test_a_document_is_served_as_a_download_that_cannot_run(admin_client, media):
    _add_document(admin_client, "marks.csv", b"name,score\nAmina,9\n")
    document = Document.objects.get()

    response = admin_client.get(document.url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"


# --- Wagtail images ---------------------------------------------------------------


def _add_image(client, name, content):
    return client.post(
        "/admin/images/add/",
        {
            "title": "Picture",
            "file": SimpleUploadedFile(name, content, "image/png"),
            "collection": Collection.get_first_root_node().pk,
        },
    )


def test_a_real_image_is_stored(admin_client, media):
    response = _add_image(admin_client, "picture.png", PNG_BYTES)

    assert response.status_code == 302
    assert WagtailImage.objects.count() == 1


# Wagtail's and Django's refusals: not an image at all, or not the one named.
IMAGE_REFUSALS = (
    "Upload a valid image.",
    "Not a valid .png image.",
    "Not a valid .gif image.",
    "Not a supported image format.",
)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("picture.png", HTML_BYTES),
        ("picture.png", PDF_BYTES),
        ("picture.gif", PNG_BYTES),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
    ],
)
def test_what_is_not_an_allowed_image_is_refused(admin_client, media, name, content):
    response = _add_image(admin_client, name, content)

    assert response.status_code == 200
    page = response.content.decode()
    assert any(refusal in page for refusal in IMAGE_REFUSALS)
    assert not WagtailImage.objects.exists()


def test_an_oversized_or_empty_image_is_refused(admin_client, media, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 16
    oversized = _add_image(admin_client, "picture.png", PNG_BYTES)
    empty = _add_image(admin_client, "empty.png", b"")

    assert "This file is too big" in oversized.content.decode()
    assert "The submitted file is empty." in empty.content.decode()
    assert not WagtailImage.objects.exists()


# --- Verification PDFs (size, non-PDF and corrupt ones: tests/certificates) --------


def test_an_empty_pdf_for_verification_is_a_400_that_says_so(client):
    response = client.post(
        "/verify/", {"pdf": SimpleUploadedFile("c.pdf", b"", "application/pdf")}
    )

    assert response.status_code == 400
    assert "This file is not a PDF." in response.content.decode()
