import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates import codes

SHAPE = re.compile(
    r"^PMJ-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z*~$=U]$"
)
SYMBOLS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_new_codes_have_the_printed_shape_and_are_random():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(SHAPE.match(code) for code in made)
    assert codes.RANDOM_BITS >= 60


@given(st.integers(min_value=0, max_value=10_000))
def test_a_code_typed_loosely_reads_back_as_itself(_seed):
    code = codes.new_code()
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert codes.normalise(typed) == code
    assert codes.normalise(code.replace("-", "")[3:]) == code


@given(st.data())
def test_any_single_mistyped_symbol_is_caught_by_the_check(data):
    code = codes.new_code()
    compact = code.replace("-", "")[3:]
    position = data.draw(st.integers(0, len(compact) - 2))
    wrong = data.draw(st.sampled_from([s for s in SYMBOLS if s != compact[position]]))
    typed = compact[:position] + wrong + compact[position + 1 :]
    with pytest.raises(codes.CodeError):
        codes.normalise(typed)


@given(st.data())
def test_two_swapped_neighbours_are_caught_by_the_check(data):
    code = codes.new_code()
    compact = code.replace("-", "")[3:]
    position = data.draw(st.integers(0, len(compact) - 3))
    a, b = compact[position], compact[position + 1]
    if a == b:
        return
    typed = compact[:position] + b + a + compact[position + 2 :]
    with pytest.raises(codes.CodeError):
        codes.normalise(typed)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "PMJ",
        "PMJ-1234",
        "hello world",
        "PMJ-7K3Q-9M2X-PV4D-8-9",
        "ÄÖÜ" * 5,
        "PMJ-UUUU-UUUU-UUUU-U",
        "PMJ-7K3Q-9M2X-PV4🙂-8",
    ],
)
def test_text_that_cannot_be_a_code_is_refused(text):
    with pytest.raises(codes.CodeError):
        codes.normalise(text)
