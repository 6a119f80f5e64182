"""Small counts never leave the organisation."""

from panah.core.disclosure import suppress, suppressed_total


def test_counts_below_the_threshold_are_hidden(settings):
    settings.DISCLOSURE_THRESHOLD = 5
    cells = suppress({"Tehran": 12, "Zahedan": 3, "Karaj": 0})
    assert [str(cells[k]) for k in ("Tehran", "Zahedan", "Karaj")] == ["12", "< 5", "0"]
    assert cells["Zahedan"].value is None


def test_one_hidden_cell_beside_a_total_hides_a_second(settings):
    settings.DISCLOSURE_THRESHOLD = 5
    cells = suppress({"a": 20, "b": 2, "c": 7}, with_total=True)
    assert {k: c.suppressed for k, c in cells.items()} == {"a": False, "b": True, "c": True}


def test_a_small_total_is_hidden_too(settings):
    settings.DISCLOSURE_THRESHOLD = 5
    assert str(suppressed_total({"a": 1, "b": 2})) == "< 5"
    assert str(suppressed_total({"a": 10, "b": 2})) == "12"
