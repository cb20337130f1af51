"""certificates/qrmask.py chooses the mask segno's own selection chooses."""

import random

import pytest
import segno
from segno import encoder

from certificates import qrmask


def both(content: str, error: str):
    encoder.find_and_apply_best_mask = qrmask._segno_selection
    try:
        theirs = segno.make(content, error=error, micro=False)
    finally:
        qrmask.install()
    ours = segno.make(content, error=error, micro=False)
    return theirs, ours


@pytest.mark.parametrize("seed", range(40))
def test_the_same_mask_and_symbol_as_segno_for_any_content(seed):
    rng = random.Random(seed)
    alphabet = "ABCDEFGHJKMNPQRSTVWXYZ0123456789-._~/:#abcdefghijkmnopqrstuvwxyz"
    length = rng.choice([5, 30, 80, 150, 250, 400, 600])
    content = "".join(rng.choice(alphabet) for _ in range(length))

    for error in ("l", "m", "q"):
        theirs, ours = both(content, error)
        assert (ours.version, ours.mask) == (theirs.version, theirs.mask)
        assert ours.matrix == theirs.matrix


def test_a_certificate_sized_url_picks_segnos_mask():
    url = "https://learn.example.org/verify/PMJ-7K3Q-9M2X-PV4D/#" + "e" * 300
    theirs, ours = both(url, "m")
    assert ours.mask == theirs.mask and ours.matrix == theirs.matrix


def test_the_penalty_of_an_all_light_symbol_follows_the_standard():
    # 21 x 21, all light: N1 = 42 lines x (21 - 2); N2 = 3 x 20 x 20;
    # N3: none (no dark modules); N4 = 10 x int(50 / 5) = 100.
    assert qrmask.penalty([0] * 21, 21) == 42 * 19 + 3 * 400 + 100


def test_micro_codes_keep_segnos_own_selection():
    assert segno.make("12345", micro=True).is_micro
