import pytest
from hypothesis import given
from hypothesis import strategies as st

from places.postcodes import (
    InvalidPostcode,
    is_full_postcode,
    is_outward_code,
    normalise,
    outward_code,
)


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" SW1A  1AA ", "SW1A 1AA"),
        ("wc2n 4jp", "WC2N 4JP"),
        ("W2 1XJ", "W2 1XJ"),
        ("w21xj", "W2 1XJ"),
        ("NW8\t6PD", "NW8 6PD"),
        ("e1 0aa", "E1 0AA"),
        ("gir 0aa", "GIR 0AA"),
    ],
)
def test_normalises_what_people_type(typed: str, canonical: str) -> None:
    assert normalise(typed) == canonical


@pytest.mark.parametrize("typed", ["", "hello", "SW1A", "12345", "SW1A 1A", "SW1A 1AAA", "W2 1X1"])
def test_rejects_what_is_not_a_postcode_with_a_helpful_message(typed: str) -> None:
    with pytest.raises(InvalidPostcode, match="Enter it like SW1A 1AA"):
        normalise(typed)


def test_outward_codes() -> None:
    assert is_outward_code("w2")
    assert is_outward_code("SW1A")
    assert not is_outward_code("SW1A 1AA")
    assert not is_full_postcode("W2")
    assert outward_code("sw1a1aa") == "SW1A"


outward = st.from_regex(r"[A-Z]{1,2}[0-9][0-9A-Z]?", fullmatch=True)
inward = st.from_regex(r"[0-9][A-Z]{2}", fullmatch=True)


@given(outward, inward, st.sampled_from(["", " ", "  ", "\t"]), st.booleans())
def test_any_spacing_and_case_gives_one_canonical_form(
    out: str, inw: str, gap: str, lower: bool
) -> None:
    typed = f"{out}{gap}{inw}"
    if lower:
        typed = typed.lower()
    result = normalise(typed)
    assert result == f"{out} {inw}"
    assert normalise(result) == result
