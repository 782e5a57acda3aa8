"""The bounded map behind what public outputs keep between requests (registry/kept.py)."""

from registry.kept import Kept


def test_the_least_recently_used_goes_first_and_falsy_values_are_kept():
    kept: Kept[int] = Kept(2)
    made = []

    def make(value):
        made.append(value)
        return value

    assert kept.build("a", lambda: make(0)) == 0
    assert kept.build("b", lambda: make(2)) == 2
    assert kept.build("a", lambda: make(99)) == 0  # kept, though 0, and now the newest
    kept.put("c", 3)  # "b" is the least recently used
    assert kept.get("b") is None and kept.get("a") == 0 and kept.get("c") == 3
    assert made == [0, 2] and len(kept) == 2
    kept.clear()
    assert kept.get("a") is None
