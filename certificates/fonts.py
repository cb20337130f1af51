"""Which scripts a certificate can print.

A certificate prints the learner's name in whatever script they typed it. The
stylesheet names every font family below, in this order; Pango takes each
character from the first family that has it. A name with a character none of
them covers would come out as an empty box, so issuing refuses it up front
(:func:`check_printable`) rather than mailing a certificate with a hole in it.

Coverage is read from the installed fonts' cmaps once per process.
"""

import functools
import logging
import shutil
import subprocess
import unicodedata

from django.utils.translation import ngettext

logger = logging.getLogger(__name__)

# Keep in step with the font-family stack in certificates/print/certificate.css
# (a test compares them). Noto Sans comes first for Latin, Greek and Cyrillic;
# Noto Sans CJK SC last because it also carries Latin and Cyrillic glyphs that
# should not win over Noto Sans. Debian: fonts-noto-core, fonts-noto-cjk.
FONT_FAMILIES = [
    "Noto Sans",
    "Noto Sans Arabic",
    "Noto Naskh Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Syriac",
    "Noto Sans Thaana",
    "Noto Sans NKo",
    "Noto Sans Adlam",
    "Noto Sans Ethiopic",
    "Noto Sans Tifinagh",
    "Noto Sans Vai",
    "Noto Sans Armenian",
    "Noto Sans Georgian",
    "Noto Sans Devanagari",
    "Noto Sans Bengali",
    "Noto Sans Gurmukhi",
    "Noto Sans Gujarati",
    "Noto Sans Oriya",
    "Noto Sans Tamil",
    "Noto Sans Telugu",
    "Noto Sans Kannada",
    "Noto Sans Malayalam",
    "Noto Sans Sinhala",
    "Noto Sans Thai",
    "Noto Sans Lao",
    "Noto Sans Khmer",
    "Noto Sans Myanmar",
    "Noto Sans CJK SC",
]

# Characters that need no glyph of their own: HarfBuzz drops default-ignorable
# format characters (ZWJ, ZWNJ, direction marks, soft hyphen) and variation
# selectors when a font has no use for them.
_IGNORED_CATEGORIES = {"Cf"}
_VARIATION_SELECTORS = {*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}
# Controls, surrogates, private-use and unassigned code points mean nothing
# printable, even where a font happens to map them (Noto Sans maps U+0000).
_NEVER_PRINTABLE = {"Cc", "Cs", "Co", "Cn"}


class UnprintableName(ValueError):
    """A name holds characters that no certificate font can draw."""

    def __init__(self, characters: list[str]):
        self.characters = characters
        listed = ", ".join(_describe(char) for char in characters)
        message = ngettext(
            "No font can print %(characters)s",
            "No font can print these characters: %(characters)s",
            len(characters),
        ) % {"characters": listed}
        super().__init__(message)


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if unicodedata.category(char) in _NEVER_PRINTABLE:
        return code  # nothing visible to quote
    return f'"{char}" ({code})'


def missing_characters(text: str) -> list[str]:
    """The characters of ``text`` no certificate font covers, each once, in
    order. Whitespace and default-ignorable characters never count; a combining
    mark counts as covered when any font has it (HarfBuzz usually composes it
    with its base into a precomposed glyph anyway)."""
    covered = _coverage()
    missing = []
    for char in dict.fromkeys(unicodedata.normalize("NFC", text)):
        if _needs_no_glyph(char):
            continue
        if ord(char) not in covered or unicodedata.category(char) in _NEVER_PRINTABLE:
            missing.append(char)
    return missing


def check_printable(text: str) -> None:
    """Raise :class:`UnprintableName` unless every character of ``text`` can be
    printed on a certificate."""
    missing = missing_characters(text)
    if missing:
        raise UnprintableName(missing)


def _needs_no_glyph(char: str) -> bool:
    return (
        char.isspace()
        or unicodedata.category(char) in _IGNORED_CATEGORIES
        or ord(char) in _VARIATION_SELECTORS
    )


@functools.cache
def _coverage() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    covered = set()
    for path, index in font_faces().values():
        with TTFont(path, fontNumber=index, lazy=True) as font:
            covered.update(font.getBestCmap())
    return frozenset(covered)


@functools.cache
def font_faces() -> dict[str, tuple[str, int]]:
    """The regular face of each installed family of :data:`FONT_FAMILIES`, as
    ``{family: (file, index in the collection)}``, found through fontconfig
    as WeasyPrint finds them."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        logger.error("fc-list not found: certificates can print no name")
        return {}
    listing = subprocess.run(  # noqa: S603 - fixed arguments
        [fc_list, "--format", "%{family}|%{file}|%{index}\n", ":style=Regular"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    faces = {}
    for line in listing.splitlines():
        families, path, index = line.rsplit("|", 2)
        for family in families.split(","):
            faces.setdefault(family, (path, int(index)))
    found = {family: faces[family] for family in FONT_FAMILIES if family in faces}
    if missing := [family for family in FONT_FAMILIES if family not in found]:
        logger.warning("Certificate fonts not installed: %s", ", ".join(missing))
    return found
