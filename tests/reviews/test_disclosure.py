"""Disclosure control: no small count is published, and none can be worked out."""

from hypothesis import given
from hypothesis import strategies as st

from reviews.disclosure import protect


def test_small_counts_are_hidden_zero_is_shown() -> None:
    published = protect({"crime": 12, "bail": 3, "advice": 0, "property": 9})
    assert published.cells["crime"].value == 12
    assert published.cells["advice"].value == 0
    assert published.cells["bail"].suppressed
    # Hiding "bail" alone would let 24 - 12 - 9 = 3 be worked out: "property" goes too.
    assert published.cells["property"].suppressed
    assert published.total.value == 24


def test_a_small_total_hides_everything() -> None:
    published = protect({"crime": 2, "bail": 1, "advice": 0})
    assert published.total.suppressed
    assert all(c.suppressed for k, c in published.cells.items() if k != "advice")


counts = st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 40), max_size=12)


@given(counts, st.integers(2, 10))
def test_no_published_count_is_small_or_recoverable(data: dict[str, int], k: int) -> None:
    published = protect(data, k)
    for key, cell in published.cells.items():
        if not cell.suppressed:
            assert cell.value == data[key]
            assert cell.value == 0 or cell.value >= k
    hidden = [key for key, cell in published.cells.items() if cell.suppressed]
    if not published.total.suppressed:
        assert published.total.value == sum(data.values())
        # What subtraction reveals is only the sum of the hidden cells: never a small one.
        hidden_sum = sum(data[key] for key in hidden)
        assert hidden_sum == 0 or hidden_sum >= k
        assert len(hidden) != 1
    else:
        assert sum(data.values()) < k
