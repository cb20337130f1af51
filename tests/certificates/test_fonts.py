import pytest
import tinycss2

from certificates import fonts, rendering
from tests.certificates import pdftools

# One name per script a certificate must print (DESIGN §5).
NAMES = {
    "Arabic": "أمينة الحسن",
    "Devanagari": "अनीता शर्मा",
    "Bengali": "রাহেলা খাতুন",
    "Tamil": "தமிழ்செல்வி",
    "Ethiopic": "ሰላማዊት ተስፋዬ",
    "Han": "王小明",
    "Cyrillic": "Наталья Иванова",
    "Vietnamese": "Nguyễn Thị Ánh Dương",
    "Latin": "Zoë Ñúñez",
}


def stylesheet_font_families() -> list[str]:
    rules = tinycss2.parse_stylesheet(
        rendering.STYLESHEET.read_text(), skip_comments=True, skip_whitespace=True
    )
    html = next(
        rule
        for rule in rules
        if rule.type == "qualified-rule" and tinycss2.serialize(rule.prelude) == "html "
    )
    declarations = tinycss2.parse_blocks_contents(
        html.content, skip_comments=True, skip_whitespace=True
    )
    family = next(d for d in declarations if d.lower_name == "font-family")
    return [token.value for token in family.value if token.type == "string"]


def test_stylesheet_names_exactly_the_font_families_in_order():
    assert stylesheet_font_families() == fonts.FONT_FAMILIES


@pytest.mark.parametrize("family", fonts.FONT_FAMILIES)
def test_every_font_family_is_installed(family):
    listed = pdftools.run("fc-list", f":family={family}", "family")
    assert family in listed


@pytest.mark.parametrize("name", NAMES.values(), ids=NAMES.keys())
def test_names_in_every_script_are_printable(name):
    assert fonts.missing_characters(name) == []
    fonts.check_printable(name)


def test_egyptian_hieroglyph_is_refused_with_the_character_named():
    # A font for it is installed, but it is not one the certificate names.
    with pytest.raises(fonts.UnprintableName) as raised:
        fonts.check_printable("Ahmose 𓀀")

    assert '"𓀀" (U+13000)' in str(raised.value)
    assert raised.value.characters == ["𓀀"]


def test_private_use_and_control_characters_are_refused():
    # Noto Sans maps U+0000, yet it prints nothing.
    assert fonts.missing_characters("Ann\ue000 Lee\x00") == ["\ue000", "\x00"]
    with pytest.raises(fonts.UnprintableName, match="U\\+E000"):
        fonts.check_printable("Ann\ue000")


def test_each_missing_character_is_listed_once_in_order():
    assert fonts.missing_characters("𓀀a\ue000𓀀b\ue000") == ["𓀀", "\ue000"]


def test_whitespace_joiners_and_variation_selectors_need_no_glyph():
    text = "क्\u200dष\u00a0श्\u200cरी\tMaría\u2009José\ufe0f\u200f"
    assert fonts.missing_characters(text) == []


def test_combining_marks_count_when_some_font_has_them():
    assert fonts.missing_characters("Zoe\u0308 Nu\u0301n\u0303ez") == []
    # U+1DFA COMBINING DOT BELOW LEFT is in none of the certificate fonts.
    assert fonts.missing_characters("a\u1dfa") == ["\u1dfa"]


def test_coverage_is_read_from_the_fonts_once_per_process(monkeypatch):
    fonts.missing_characters("warm")

    def no_more_font_reading(*args, **kwargs):
        raise AssertionError("font files read again")

    monkeypatch.setattr("fontTools.ttLib.TTFont", no_more_font_reading)
    monkeypatch.setattr("subprocess.run", no_more_font_reading)
    for name in NAMES.values():
        fonts.check_printable(name)
    with pytest.raises(fonts.UnprintableName):
        fonts.check_printable("𓀀")
