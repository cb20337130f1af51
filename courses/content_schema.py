"""Load and check the demo course files in ``courses/content/``.

Pure Python (no Django) so that writers and translators can check their files with
``python3 -m courses.content_schema`` before anything is seeded.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"
BLOCK_TYPES = {"heading", "paragraph", "callout", "glossary", "table"}
CALLOUT_KINDS = {"activity", "example", "tip", "warning"}
QUESTION_KINDS = {"single", "multiple", "true_false", "scenario"}
LEVELS = {"beginner", "intermediate", "advanced"}
ALLOWED_TAGS = {"p", "ul", "ol", "li", "b", "i", "a", "br"}
TAG_RE = re.compile(r"</?([a-zA-Z0-9]+)")


class ContentError(ValueError):
    """A content file breaks the schema; the message names the file and the field."""


@dataclass
class Lesson:
    path: Path
    data: dict

    @property
    def word_count(self) -> int:
        text = []
        for block in self.data.get("body", []):
            text += [str(v) for k, v in block.items() if k != "type"]
        return len(re.sub(r"<[^>]+>", " ", " ".join(text)).split())


@dataclass
class Course:
    path: Path
    data: dict
    lessons: dict[str, Lesson] = field(default_factory=dict)


def _require(data: dict, keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        if key not in data or data[key] in ("", None, []):
            raise ContentError(f"{where}: missing '{key}'")


def _check_html(html: str, where: str) -> None:
    bad = {t.lower() for t in TAG_RE.findall(html)} - ALLOWED_TAGS
    if bad:
        raise ContentError(f"{where}: tags not allowed: {', '.join(sorted(bad))}")


def _check_block(block: dict, where: str) -> None:
    kind = block.get("type")
    if kind not in BLOCK_TYPES:
        raise ContentError(f"{where}: unknown block type {kind!r}")
    required = {
        "heading": ("text",),
        "paragraph": ("html",),
        "callout": ("kind", "title", "html"),
        "glossary": ("term", "definition"),
        "table": ("caption", "header", "rows"),
    }[kind]
    _require(block, required, where)
    if "html" in block:
        _check_html(block["html"], where)
    if kind == "callout" and block["kind"] not in CALLOUT_KINDS:
        raise ContentError(f"{where}: callout kind must be one of {CALLOUT_KINDS}")
    if kind == "table" and any(len(r) != len(block["header"]) for r in block["rows"]):
        raise ContentError(
            f"{where}: every table row needs {len(block['header'])} cells"
        )


def _check_question(q: dict, where: str) -> None:
    _require(q, ("id", "kind", "prompt", "explanation", "options"), where)
    if q["kind"] not in QUESTION_KINDS:
        raise ContentError(f"{where}: kind must be one of {sorted(QUESTION_KINDS)}")
    if q["kind"] == "scenario":
        _require(q, ("scenario",), where)
    ids = [o.get("id") for o in q["options"]]
    if len(set(ids)) != len(ids) or not all(ids):
        raise ContentError(f"{where}: option ids must be present and unique")
    if q["kind"] == "true_false" and sorted(ids) != ["F", "T"]:
        raise ContentError(f"{where}: a true/false question has options T and F")
    for option in q["options"]:
        _require(option, ("id", "text", "feedback"), f"{where} option {option['id']}")
    correct = sum(bool(o.get("is_correct")) for o in q["options"])
    if correct == 0 or (q["kind"] != "multiple" and correct != 1):
        raise ContentError(f"{where}: wrong number of correct options ({correct})")


def load_lesson(path: Path) -> Lesson:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    where = path.name
    _require(data, ("title", "slug", "objective", "minutes", "body"), where)
    for i, block in enumerate(data["body"], 1):
        _check_block(block, f"{where} body[{i}]")
    qids = [q.get("id") for q in data.get("questions", [])]
    if len(set(qids)) != len(qids):
        raise ContentError(f"{where}: question ids must be unique")
    for q in data.get("questions", []):
        _check_question(q, f"{where} question {q.get('id')}")
    return Lesson(path, data)


def load_course(directory: Path) -> Course:
    path = directory / "course.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    where = f"{directory.name}/course.toml"
    _require(
        data,
        (
            "title",
            "slug",
            "summary",
            "level",
            "estimated_hours",
            "licence",
            "pass_mark",
            "outcomes",
            "modules",
        ),
        where,
    )
    if data["level"] not in LEVELS:
        raise ContentError(f"{where}: level must be one of {sorted(LEVELS)}")
    course = Course(path, data)
    for module in data["modules"]:
        _require(module, ("slug", "title", "lessons"), f"{where} module")
        for stem in module["lessons"]:
            course.lessons[stem] = load_lesson(directory / f"{stem}.toml")
    return course


def load_all(root: Path = CONTENT_DIR) -> list[Course]:
    return [
        load_course(d) for d in sorted(root.iterdir()) if (d / "course.toml").exists()
    ]


def main() -> int:
    status = 0
    for directory in sorted(p for p in CONTENT_DIR.iterdir() if p.is_dir()):
        try:
            course = load_course(directory)
        except (ContentError, tomllib.TOMLDecodeError, OSError) as exc:
            print(f"FAIL {directory.name}: {exc}")
            status = 1
            continue
        for stem, lesson in course.lessons.items():
            n = len(lesson.data.get("questions", []))
            words = lesson.word_count
            print(f"ok   {directory.name}/{stem}: {words} words, {n} questions")
    return status


if __name__ == "__main__":
    sys.exit(main())
