"""Check translated demo content against its English source.

A translation lives beside its source, in a folder named after the language:
``content/<course>/<lang>/course.toml`` and ``content/<course>/<lang>/<stem>.toml``.
It has the same structure with the text translated: the same blocks in the same
order, the same paragraphs and list items inside each rich-text block (so the
seed can pair them segment by segment with wagtail-localize), and the same
question and option ids and answer keys. A lesson file may be missing (not yet
translated); a course.toml may carry only the title, summary and module titles.

Run ``python3 -m courses.content_translations`` from the repository root.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from .content_schema import CONTENT_DIR, ContentError, load_course, load_lesson

LANGUAGES = ["ar", "zh-hans", "hi", "bn", "sw", "fr", "am", "es", "pt"]
SEGMENT_RE = re.compile(r"<(p|li)[ >]")
FIXED = ("id", "kind", "is_correct", "type", "slug", "minutes")


def _segments(html: str) -> int:
    return len(SEGMENT_RE.findall(html))


def _compare(src, dst, where: str) -> None:
    """The translated value has the source's shape and its fixed keys."""
    if isinstance(src, dict):
        if not isinstance(dst, dict):
            raise ContentError(f"{where}: expected a table")
        for key, value in src.items():
            if key not in dst:
                raise ContentError(f"{where}: missing '{key}'")
            if key in FIXED and dst[key] != value:
                raise ContentError(f"{where}: '{key}' must stay {value!r}")
            _compare(value, dst[key], f"{where}.{key}")
    elif isinstance(src, list):
        if not isinstance(dst, list) or len(dst) != len(src):
            raise ContentError(f"{where}: expected {len(src)} items")
        for i, (a, b) in enumerate(zip(src, dst, strict=True)):
            _compare(a, b, f"{where}[{i}]")
    elif isinstance(src, str) and "<" in src:
        if _segments(src) != _segments(dst):
            raise ContentError(
                f"{where}: {_segments(src)} paragraphs/list items in the source, "
                f"{_segments(dst)} in the translation"
            )


def check_course_translation(directory: Path, language: str) -> list[str]:
    """Return the translated lesson stems; raise ContentError on a mismatch."""
    course = load_course(directory)
    folder = directory / language
    data = tomllib.loads((folder / "course.toml").read_text(encoding="utf-8"))
    where = f"{directory.name}/{language}/course.toml"
    for key in ("title", "summary", "modules"):
        if key not in data:
            raise ContentError(f"{where}: missing '{key}'")
    if [m["slug"] for m in data["modules"]] != [
        m["slug"] for m in course.data["modules"]
    ]:
        raise ContentError(f"{where}: modules must match the source, in order")
    translated = []
    for stem, source in course.lessons.items():
        path = folder / f"{stem}.toml"
        if path.exists():
            _compare(source.data, load_lesson(path).data, f"{language}/{path.name}")
            translated.append(stem)
    return translated


def main() -> int:
    status = 0
    for directory in sorted(p for p in CONTENT_DIR.iterdir() if p.is_dir()):
        for language in LANGUAGES:
            if not (directory / language / "course.toml").exists():
                continue
            try:
                done = check_course_translation(directory, language)
            except (ContentError, tomllib.TOMLDecodeError, OSError) as exc:
                print(f"FAIL {directory.name}/{language}: {exc}")
                status = 1
                continue
            print(f"ok   {directory.name}/{language}: {len(done)} lessons translated")
    return status


if __name__ == "__main__":
    sys.exit(main())
