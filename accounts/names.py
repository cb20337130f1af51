"""A person's name as typed: normalised, and refused when it hides characters.

The name is printed on certificates, shown to trainers and written to CSV
files, so it must read the same everywhere. Invisible control characters
(C0/C1 controls, bidi overrides and isolates such as U+202E, which make a
name read differently from how it is stored) are refused with a message,
never silently dropped: the learner should see what will be printed.

Zero-width joiner and non-joiner (U+200D, U+200C) are format characters too,
but Persian, Hindi, Bengali and Sinhala names need them to be spelled right,
so they are kept.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 150  # accounts.User.name
# Format characters (Cf) that spell words in some scripts: keep them.
JOINERS = frozenset({"\u200c", "\u200d"})
# Controls, format characters and lone surrogates (possible in JSON input).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})

MESSAGES = {
    "control": _(
        "The name contains invisible control characters (%(characters)s). "
        "Type it again without them."
    ),
    "too_long": _(
        "The name is too long: at most %(limit)s characters (it has %(length)s)."
    ),
    "empty": _("Enter the name as it should be printed on a certificate."),
}


def refused_characters(value: str) -> list[str]:
    """The characters of ``value`` a name may not hold, once each, in order."""
    found = []
    for char in value:
        if (
            unicodedata.category(char) in _REFUSED_CATEGORIES
            and char not in JOINERS
            and char not in found
        ):
            found.append(char)
    return found


def _collapse(value: str) -> str:
    # Spaces of every width (Zs) collapse; controls were refused before.
    return " ".join(value.split())


def clean_name(value: str) -> str:
    """The name as it is kept, or ValidationError with a message to show.

    Leading and trailing whitespace is dropped; controls elsewhere (tab and
    newline included) are refused rather than guessed at.
    """
    name = unicodedata.normalize("NFC", str(value)).strip()
    refused = refused_characters(name)
    if refused:
        raise ValidationError(
            MESSAGES["control"],
            code="control",
            params={"characters": ", ".join(f"U+{ord(c):04X}" for c in refused)},
        )
    name = _collapse(name)
    if not name:
        raise ValidationError(MESSAGES["empty"], code="empty")
    if len(name) > MAX_LENGTH:
        raise ValidationError(
            MESSAGES["too_long"],
            code="too_long",
            params={"limit": MAX_LENGTH, "length": len(name)},
        )
    return name


def name_problem(value: str) -> str | None:
    """The message ``clean_name`` would raise, or None: for batch checks."""
    try:
        clean_name(value)
    except ValidationError as error:
        return error.messages[0]
    return None
