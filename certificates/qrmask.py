"""QR mask selection by the standard's penalty rules, on whole rows at once.

ISO/IEC 18004 asks an encoder to try all eight data masks and keep the one
with the lowest penalty (runs of one colour, 2×2 blocks, finder-like
patterns, dark/light balance), so that a printed code stays easy to scan.
segno does exactly that, module by module in Python: about 20 ms of a
certificate's 80. This module makes the same choice with each row held as an
integer (masks applied with one XOR, 2×2 blocks counted with bit operations)
and runs of a colour found in strings of 0s and 1s, and gives segno the
result through the function segno itself calls. It chooses the mask segno
would choose, for every input; tests/certificates/test_qrmask.py compares
both on many contents, and segno is pinned.

Micro QR codes (never printed on a certificate) keep segno's own selection.
"""

import re
from functools import lru_cache

from segno import encoder

_segno_selection = encoder.find_and_apply_best_mask
_RUN = re.compile(r"0{5,}|1{5,}")
_N3 = "1011101"
_TO_BITS = bytes.maketrans(b"01", b"\x00\x01")
_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")


@lru_cache(maxsize=64)
def _masks(width: int) -> tuple[tuple[int, ...], ...]:
    """For each of the eight masks, the bits it flips in each row (only in
    the encoding region), as segno computes them."""
    function = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(function, width, width)
    encoder.add_alignment_patterns(function, width, width)
    function[-8][8] = 0x1
    patterns = encoder.get_data_mask_functions(False)
    return tuple(
        tuple(
            int(
                "".join(
                    "1" if function[i][j] > 0x1 and pattern(i, j) else "0"
                    for j in range(width)
                ),
                2,
            )
            for i in range(width)
        )
        for pattern in patterns
    )


def _n3(text: str, size: int) -> int:
    """segno's count of 1:1:3:1:1 patterns with four light modules on one
    side, over lines of ``size`` modules joined by a separator."""
    count, stride = 0, size + 1
    idx = text.find(_N3)
    while idx != -1:
        line = idx - idx % stride
        at = idx - line
        offset = at + 7
        if (
            at in (0, size - 7)
            or "1" not in text[line + max(at - 4, 0) : line + min(at, size)]
            or "1" not in text[line + offset : line + min(offset + 4, size)]
        ):
            count += 40
        else:
            offset = at + 4
        idx = text.find(_N3, line + offset)
    return count


def penalty(rows: list[int], size: int) -> int:
    """The penalty score N1 + N2 + N3 + N4 of a masked symbol."""
    full = (1 << size) - 1
    lines = [format(row, f"0{size}b") for row in rows]
    columns = ["".join(column) for column in zip(*lines, strict=True)]
    # Rows and columns in one string; the separator ends every run and pattern.
    text = "2".join(lines + columns)
    runs = _RUN.findall(text)
    score = sum(map(len, runs)) - 2 * len(runs) + _n3(text, size)
    for above, row in zip(rows, rows[1:], strict=False):
        dark = above & row
        light = ~above & ~row & full
        score += 3 * (
            (dark & (dark >> 1)).bit_count() + (light & (light >> 1)).bit_count()
        )
    dark_modules = sum(row.bit_count() for row in rows)
    percent = float(dark_modules) / (size**2)
    return score + 10 * int(abs(percent * 100 - 50) / 5)


def find_and_apply_best_mask(matrix, width, height, proposed_mask=None):
    """segno's ``find_and_apply_best_mask``, same arguments and answer."""
    if proposed_mask is not None or width != height or width < 21:
        return _segno_selection(matrix, width, height, proposed_mask)
    rows = [int(bytes(row).translate(_TO_DIGITS), 2) for row in matrix]
    best_score, best_pattern, best_rows = None, None, None
    for number, flips in enumerate(_masks(width)):
        masked = [row ^ flip for row, flip in zip(rows, flips, strict=True)]
        score = penalty(masked, width)
        if best_score is None or score < best_score:
            best_score, best_pattern, best_rows = score, number, masked
    return best_pattern, tuple(
        bytearray(format(row, f"0{width}b").encode().translate(_TO_BITS))
        for row in best_rows
    )


def install() -> None:
    """Make segno select masks with this module (idempotent)."""
    encoder.find_and_apply_best_mask = find_and_apply_best_mask
