"""How a lesson shows its images: in full, as tap-to-load placeholders, or as text.

Images are Wagtail renditions only, never the uploaded original: AVIF and WebP
with a JPEG fallback, at two widths the browser chooses between. A learner who
saves data (the browser's ``Save-Data: on`` header, or the setting in their
profile) gets a placeholder per image instead, naming its size; the single-file
course download has neither, only the alternative text.
"""

from __future__ import annotations

import enum
import math

from wagtail.images.models import Filter

# The {% picture %} tag's filter specs, and the same renditions spelled out
# for prefetching (Filter.expand_spec makes "format-avif|width-360", …).
PICTURE_SPECS = ("format-{avif,webp,jpeg}", "width-{360,720}")
RENDITION_SPECS = tuple(Filter.expand_spec(list(PICTURE_SPECS)))
# What a placeholder link opens without JavaScript, and whose size it names:
# the small JPEG, which every browser shows and which is the largest of the
# small renditions, so the figure is never an understatement.
PLACEHOLDER_SPEC = "format-jpeg|width-360"
SIZES = "(min-width: 42rem) 40rem, 100vw"


class Mode(enum.StrEnum):
    FULL = "full"
    PLACEHOLDER = "placeholder"
    TEXT = "text"


def is_saving_data(request) -> bool:
    """Whether ``request`` asks for placeholders instead of images."""
    if request is None:
        return False
    if request.headers.get("Save-Data", "").strip().lower() == "on":
        return True
    user = getattr(request, "user", None)
    return bool(getattr(user, "is_data_saver_on", False))


class LessonImages:
    """The images of one rendered page: their mode, and which one comes first.

    The first image of a lesson is usually in the first screen, so it loads at
    once; later ones load lazily, when the learner scrolls near them.
    """

    def __init__(self, mode: Mode = Mode.FULL):
        self.mode = mode
        self.count = 0

    @classmethod
    def for_request(cls, request) -> LessonImages:
        return cls(Mode.PLACEHOLDER if is_saving_data(request) else Mode.FULL)

    def next_loading(self) -> str:
        self.count += 1
        return "eager" if self.count == 1 else "lazy"


def kib(size: int) -> int:
    """Bytes as whole KiB, rounded up: a size shown to learners is never less."""
    return max(1, math.ceil(size / 1024))


def file_size(rendition) -> int | None:
    try:
        return rendition.file.size
    except (OSError, ValueError):  # the file is missing from storage
        return None
