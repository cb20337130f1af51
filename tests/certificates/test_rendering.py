import base64
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
from dataclasses import replace

import polib
import pytest
from django.conf import settings as django_settings

from certificates import fonts, rendering
from tests.certificates import pdftools
from tests.certificates.test_fonts import NAMES

CODE = "PMJ-7K3Q-9M2X-PV4D"
VERIFY_URL = f"https://learn.pamoja.example.org/verify/{CODE}/"
CREDENTIAL = json.dumps(
    {"type": ["VerifiableCredential", "OpenBadgeCredential"], "name": "أمينة الحسن"},
    ensure_ascii=False,
).encode()
# The language each name is printed in. Tamil and Russian are not interface
# languages: those learners get an English certificate with their own name.
LANGUAGE_OF = {
    "Arabic": "ar",
    "Devanagari": "hi",
    "Bengali": "bn",
    "Tamil": "en",
    "Ethiopic": "am",
    "Han": "zh-hans",
    "Cyrillic": "en",
    "Vietnamese": "fr",
    "Latin": "es",
}
# pdftotext gives Indic text back in visual order (a pre-base vowel sign
# first, a reph last), so it cannot be compared with the name as typed.
EXACT_TEXT_LAYER = ["Arabic", "Ethiopic", "Han", "Cyrillic", "Vietnamese", "Latin"]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def qr_url(name: str, course_title: str) -> str:
    """The verify URL and a compact EdDSA JWS of the printed claims, shaped
    like certificates.jws makes them (random bytes for the signature)."""
    header = {"alg": "EdDSA", "kid": "k-3f9a1c2e"}
    claims = {"c": CODE, "n": name, "t": course_title, "d": "2025-05-15"}
    jws = ".".join(
        [
            b64url(json.dumps(header, separators=(",", ":")).encode()),
            b64url(
                json.dumps(claims, separators=(",", ":"), ensure_ascii=False).encode()
            ),
            b64url(secrets.token_bytes(64)),
        ]
    )
    return f"{VERIFY_URL}#{jws}"


QR_URL = qr_url("Nguyễn Thị Ánh Dương", "AI literacy for everyone")


def printed(**changes) -> rendering.PrintedCertificate:
    return replace(
        rendering.PrintedCertificate(
            name="Nguyễn Thị Ánh Dương",
            course_title="AI literacy for everyone",
            issued_on=dt.date(2025, 5, 15),
            issuer_name="Pamoja",
            code=CODE,
            verify_url=VERIFY_URL,
            qr_url=QR_URL,
            language="en",
        ),
        **changes,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One PDF per script, each rendered once for the module."""
    directory = tmp_path_factory.mktemp("rendered")
    return {
        script: pdftools.write(
            rendering.render_pdf(
                printed(name=name, language=LANGUAGE_OF[script]),
                credential_json=CREDENTIAL,
            ),
            directory / f"{script}.pdf",
        )
        for script, name in NAMES.items()
    }


def family_of(embedded: str) -> str | None:
    """The FONT_FAMILIES entry an embedded font name belongs to: WeasyPrint
    names it after Pango's description, "Noto-Sans-Arabic-Bold"."""
    name = embedded.replace("-", " ")
    for family in sorted(fonts.FONT_FAMILIES, key=len, reverse=True):
        style = name.removeprefix(family)
        if style != name and set(style.split()) <= {"Bold", "Italic", "Regular"}:
            return family
    return None


# Scripts and fonts -------------------------------------------------------------


@pytest.mark.parametrize("script", NAMES)
def test_every_glyph_of_the_name_is_drawn(rendered, script):
    drawn = pdftools.glyphs(rendered[script])
    assert drawn, "mutool traced no glyph at all"
    assert [glyph for glyph in drawn if glyph[2] == "0"] == []


@pytest.mark.parametrize("script", NAMES)
def test_only_the_named_font_families_are_embedded(rendered, script):
    embedded = pdftools.embedded_fonts(rendered[script])
    assert {name: family_of(name) for name in embedded if family_of(name) is None} == {}


def test_script_fonts_are_the_ones_that_drew_the_names(rendered):
    used = {
        script: {family_of(name) for name in pdftools.embedded_fonts(path)}
        for script, path in rendered.items()
    }
    assert "Noto Sans Arabic" in used["Arabic"]
    assert "Noto Sans Devanagari" in used["Devanagari"]
    assert "Noto Sans Bengali" in used["Bengali"]
    assert "Noto Sans Tamil" in used["Tamil"]
    assert "Noto Sans Ethiopic" in used["Ethiopic"]
    assert "Noto Sans CJK SC" in used["Han"]


def test_the_checks_above_catch_a_missing_glyph_and_a_foreign_font(tmp_path):
    # U+E000 has no glyph anywhere; the hieroglyph comes from a font the
    # stylesheet does not name, through fontconfig's fallback.
    path = pdftools.write(
        rendering.render_pdf(printed(name="Ann \ue000 𓀀"), credential_json=b"{}"),
        tmp_path / "bad.pdf",
    )
    assert any(glyph[2] == "0" for glyph in pdftools.glyphs(path))
    assert None in {family_of(name) for name in pdftools.embedded_fonts(path)}


@pytest.mark.parametrize("script", EXACT_TEXT_LAYER)
def test_name_is_in_the_text_layer(rendered, script):
    assert NAMES[script] in pdftools.text(rendered[script])


def test_arabic_certificate_is_right_to_left():
    html = rendering.certificate_html(printed(name=NAMES["Arabic"], language="ar"))
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<p class="name large" dir="rtl">{NAMES["Arabic"]}</p>' in html


def test_left_to_right_languages_say_so():
    for language in ("en", "zh-hans", "am", "hi"):
        html = rendering.certificate_html(printed(language=language))
        assert f'<html lang="{language}" dir="ltr">' in html


def test_name_keeps_its_own_direction_whatever_the_page():
    english = rendering.certificate_html(printed(name=NAMES["Arabic"]))
    arabic = rendering.certificate_html(printed(name="Zoë Ñúñez", language="ar"))
    assert 'class="name large" dir="rtl"' in english
    assert 'class="name large" dir="ltr"' in arabic


def test_arabic_layout_is_mirrored(rendered, tmp_path):
    # The page is 842 points wide: the QR code is in the right half in
    # English and in the left half in Arabic.
    english, arabic = rendered["Tamil"], rendered["Arabic"]
    assert pdftools.scan_qr(english, tmp_path, x=421, width=421) == [QR_URL]
    assert pdftools.scan_qr(english, tmp_path, x=0, width=421) == []
    assert pdftools.scan_qr(arabic, tmp_path, x=0, width=421) == [QR_URL]
    assert pdftools.scan_qr(arabic, tmp_path, x=421, width=421) == []


# Wording and dates -------------------------------------------------------------

FIXED_STRINGS = [
    "Certificate of completion",
    "This certifies that",
    "has completed",
    "Issued by",
    "Verify at",
    "Code",
]


@pytest.fixture
def marked_french(settings, tmp_path):
    """A French catalogue, ahead of the project's, that brackets each fixed
    string: what comes out bracketed went through gettext."""
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    for msgid in FIXED_STRINGS:
        catalogue.append(polib.POEntry(msgid=msgid, msgstr=f"«{msgid}»"))
    messages = tmp_path / "locale" / "fr" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    catalogue.save_as_mofile(str(messages / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale", *settings.LOCALE_PATHS]


def test_fixed_wording_is_translated_into_the_certificate_language(marked_french):
    html = rendering.certificate_html(printed(language="fr"))
    for msgid in FIXED_STRINGS:
        assert f"«{msgid}»" in html


def test_wording_follows_the_certificate_not_the_active_language(marked_french):
    from django.utils import translation

    with translation.override("fr"):
        html = rendering.certificate_html(printed(language="en"))
    assert "«" not in html
    assert "Certificate of completion" in html


def test_date_is_written_the_way_the_language_writes_it(rendered):
    assert "15 mai 2025" in pdftools.text(rendered["Vietnamese"])
    assert "2025年5月15日" in pdftools.text(rendered["Han"])
    assert "May 15, 2025" in pdftools.text(rendered["Tamil"])
    assert "مايو" in rendering.certificate_html(printed(language="ar"))


def test_code_issuer_and_verify_url_are_printed_as_text(rendered):
    text = pdftools.text(rendered["Cyrillic"])
    assert CODE in text
    assert VERIFY_URL in text
    assert "Pamoja" in text


# Untrusted names ---------------------------------------------------------------

MARKUP_NAME = '<img src="file:///etc/passwd">'


def test_markup_in_a_name_is_escaped():
    html = rendering.certificate_html(printed(name=MARKUP_NAME))
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
    assert MARKUP_NAME not in html


def test_markup_name_prints_literally_and_fetches_nothing(monkeypatch, tmp_path):
    asked = []
    real = rendering.read_own_file

    def spy(url):
        asked.append(url)
        return real(url)

    monkeypatch.setattr(rendering, "read_own_file", spy)
    path = pdftools.write(
        rendering.render_pdf(printed(name=MARKUP_NAME), credential_json=b"{}"),
        tmp_path / "markup.pdf",
    )

    assert MARKUP_NAME in pdftools.text(path)
    assert asked, "the spy saw nothing: is the fetcher in use?"
    assert all(url.endswith("/icons/favicon.svg") for url in asked), asked


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/logo.png",
        "data:image/svg+xml,%3Csvg/%3E",
        "ftp://example.org/x",
        "file://evil.example/etc/passwd",
        (
            rendering.PRINT_DIR / ".." / ".." / "config" / "settings" / "base.py"
        ).as_uri(),
    ],
)
def test_url_fetcher_refuses_anything_but_our_own_files(url):
    with pytest.raises(rendering.ForbiddenURL):
        rendering.read_own_file(url)
    with pytest.raises(rendering.ForbiddenURL):
        rendering.url_fetcher().fetch(url)


def test_url_fetcher_serves_the_stylesheet_and_static_files():
    css = rendering.url_fetcher().fetch(rendering.STYLESHEET.as_uri())
    assert css.read() == rendering.STYLESHEET.read_bytes()
    assert css.content_type == "text/css"
    logo = django_settings.STATICFILES_DIRS[0] / "icons" / "favicon.svg"
    assert rendering.read_own_file(logo.as_uri())[0] == logo.read_bytes()


# Page, QR code, attachment -----------------------------------------------------


@pytest.mark.parametrize("script", NAMES)
def test_exactly_one_a4_landscape_page(rendered, script):
    assert pdftools.info(rendered[script])["Pages"] == "1"
    width, height = pdftools.page_size(rendered[script])
    assert width == pytest.approx(841.89, abs=0.01)
    assert height == pytest.approx(595.28, abs=0.01)


def test_very_long_name_and_course_still_fit_one_page(tmp_path):
    long = printed(
        name=" ".join(["Mwanaisha Wanjiku Kamau-Otieno binti Abdallah"] * 4),
        course_title="Teaching AI literacy in your community " * 8,
        issuer_name="Universidade Pedagógica de Moçambique, Faculdade de Educação",
    )
    path = pdftools.write(
        rendering.render_pdf(long, credential_json=b"{}"), tmp_path / "long.pdf"
    )
    assert pdftools.info(path)["Pages"] == "1"
    assert pdftools.scan_qr(path, tmp_path) == [QR_URL]


def test_qr_code_scanned_at_72_dpi_gives_back_the_qr_url(rendered, tmp_path):
    assert 290 <= len(QR_URL) <= 350
    assert pdftools.scan_qr(rendered["Vietnamese"], tmp_path) == [QR_URL]
    assert pdftools.scan_qr(rendered["Han"], tmp_path) == [QR_URL]


def test_long_arabic_claims_still_scan_at_72_dpi(tmp_path):
    name = "أمينة بنت عبد الرحمن الحسن"
    course = "محو الأمية في الذكاء الاصطناعي للجميع: دورة للمدربين في مجتمعاتهم"
    long_url = qr_url(name, course)
    assert len(long_url) >= 480
    arabic = printed(name=name, course_title=course, qr_url=long_url, language="ar")
    path = pdftools.write(
        rendering.render_pdf(arabic, credential_json=b"{}"), tmp_path / "long.pdf"
    )
    assert pdftools.scan_qr(path, tmp_path) == [long_url]


def test_credential_is_attached_byte_for_byte(rendered, tmp_path):
    path = rendered["Latin"]
    assert pdftools.attachment_names(path) == ["credential.json"]
    assert pdftools.attachment(path, 1, tmp_path / "out.json") == CREDENTIAL
    embedded = pdftools.show(path, "trailer/Root/Names/EmbeddedFiles/Names/2/EF/F")
    assert "/Subtype /application#2Fjson" in embedded


# Process-wide state ------------------------------------------------------------


def test_importing_rendering_loads_neither_weasyprint_nor_pyhanko():
    code = (
        "import sys, certificates.rendering; "
        "sys.exit(bool({'weasyprint', 'pyhanko', 'segno'} & set(sys.modules)))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env, check=False
    )
    assert result.returncode == 0


def test_one_font_configuration_serves_every_render(monkeypatch):
    import weasyprint.text.fonts

    created = []
    real = weasyprint.text.fonts.FontConfiguration

    def counting():
        created.append(1)
        return real()

    monkeypatch.setattr(weasyprint.text.fonts, "FontConfiguration", counting)
    rendering._font_config.cache_clear()
    try:
        rendering.warm_up()
        rendering.render_pdf(printed(), credential_json=b"{}")
        rendering.render_pdf(printed(language="ar"), credential_json=b"{}")
    finally:
        rendering._font_config.cache_clear()
    assert created == [1]
