"""Short certificate codes a person can type: ``PMJ-7K3Q-9M2X-PV4D-8``.

Twelve random Crockford base32 symbols (60 bits, never derived from an id)
and Crockford's modulo-37 check symbol, so a mistyped code is answered
"check the code" without a database lookup. Reading is forgiving the way
Crockford intends: case, spaces and dashes do not matter, O reads as 0 and
I or L as 1.
"""

import re
import secrets

import base32_crockford

PREFIX = "PMJ"
RANDOM_SYMBOLS = 12
RANDOM_BITS = RANDOM_SYMBOLS * 5
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.]+")


class CodeError(ValueError):
    """The text is not a certificate code, or its check symbol is wrong."""


def new_code() -> str:
    number = secrets.randbits(RANDOM_BITS)
    body = base32_crockford.encode(number).rjust(RANDOM_SYMBOLS, "0")
    check = base32_crockford.encode(number, checksum=True)[-1]
    return format_code(body + check)


def format_code(symbols: str) -> str:
    groups = [symbols[i : i + 4] for i in range(0, RANDOM_SYMBOLS, 4)]
    return "-".join([PREFIX, *groups, symbols[RANDOM_SYMBOLS:]])


def normalise(text: str) -> str:
    """The canonical form of a typed code; raises CodeError if it cannot be one.

    Checks shape and check symbol only: whether the code was ever issued is
    for the database to say.
    """
    compact = _SEPARATORS.sub("", str(text)).upper()
    if compact.startswith(PREFIX):
        compact = compact[len(PREFIX) :]
    if len(compact) != RANDOM_SYMBOLS + 1:
        raise CodeError("length")
    try:
        compact = base32_crockford.normalize(compact[:-1]) + compact[-1].translate(
            str.maketrans("ILO", "110")
        )
    except ValueError as error:
        raise CodeError("symbols") from error
    try:
        base32_crockford.decode(compact, checksum=True, strict=True)
    except (ValueError, KeyError) as error:
        raise CodeError("check") from error
    return format_code(compact)
