"""Disclosure control (docs/usage-figures.md): no small count is published, none can be
worked out, an empty category looks like a small one, and a small group's shared answer is
never shown."""

from hypothesis import given
from hypothesis import strategies as st

from publishing.disclosure import Figure, protect, protect_month


def test_small_counts_are_hidden_and_so_are_the_zeros_beside_them() -> None:
    published = protect({"crime": 12, "bail": 3, "advice": 0, "property": 9})
    assert published.cells["crime"].value == 12
    assert published.cells["bail"].suppressed
    # An empty category beside a hidden one is hidden too: "0" would tell "bail" is not.
    assert published.cells["advice"].suppressed
    # Hiding "bail" alone would let 24 - 12 - 9 = 3 be worked out: "property" goes too.
    assert published.cells["property"].suppressed
    assert published.total.value == 24


def test_zeros_are_shown_when_nothing_is_hidden() -> None:
    published = protect({"crime": 12, "bail": 7, "advice": 0})
    assert [c.value for c in published.cells.values()] == [12, 7, 0]


def test_a_small_total_hides_everything_zeros_included() -> None:
    published = protect({"crime": 2, "bail": 1, "advice": 0})
    assert published.total.suppressed
    assert all(c.suppressed for c in published.cells.values())
    nobody = protect({"crime": 0, "bail": 0})
    assert nobody.total.suppressed
    assert all(c.suppressed for c in nobody.cells.values())


def test_when_fewer_than_k_differ_from_the_rest_the_table_is_hidden() -> None:
    """Attribute disclosure: all eight came to report a crime — a neighbour who knows
    someone came would learn why. Seven of eight as well."""
    for counts in ({"crime": 8, "bail": 0}, {"crime": 7, "bail": 1}, {"crime": 30, "bail": 4}):
        published = protect(counts)
        assert published.total.value == sum(counts.values())
        assert all(c.suppressed for c in published.cells.values()), counts
    assert not protect({"crime": 30, "bail": 5}).any_suppressed


counts = st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 40), max_size=12)


@given(counts, st.integers(2, 10))
def test_no_published_count_is_small_or_recoverable(data: dict[str, int], k: int) -> None:
    published = protect(data, k)
    total = sum(data.values())
    shown = {key: cell.value for key, cell in published.cells.items() if not cell.suppressed}
    hidden = [key for key, cell in published.cells.items() if cell.suppressed]
    for key, value in shown.items():
        assert value == data[key]
        assert value >= k or (value == 0 and not hidden)
    if published.total.suppressed:
        assert total < k
        assert not shown
        return
    assert published.total.value == total
    if hidden:
        # Subtraction gives only the hidden cells' sum: at least k, over two cells or more,
        # each of which could hold all of it or none.
        assert total - sum(shown.values()) >= k
        assert len(hidden) >= 2 or len(data) == 1  # a table of one cell is its total
    # No category holds all but fewer than k of the visitors, shown as such.
    if shown and len(shown) == len(data):
        assert total - max(data.values()) >= k


@given(st.integers(0, 12), st.dictionaries(st.sampled_from("abc"), st.integers(0, 6)))
def test_a_month_names_every_cell(visits: int, singles: dict[str, int]) -> None:
    purposes = {"purpose_a": visits, "purpose_b": 0}
    published = protect_month(visits, {"purpose": purposes}, singles, 5)
    assert set(published) == {"visits", *purposes, *singles}
    assert published["visits"] == (visits if visits >= 5 else None)


def test_figures_read_a_hidden_cell_as_anything_from_none() -> None:
    assert str(Figure(0, 1, 4)) == "[c]"
    assert str(Figure(12, 2, 4)) == "12–20"
    assert str(Figure(12, 3)) == "at least 12"
    assert str(Figure(0, 3)) == "[c]"
    # Reviews frozen under the earlier rules read as they were published.
    assert str(Figure(12, 2, 4, least=1)) == "14–20"
