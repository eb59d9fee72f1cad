from __future__ import annotations

from newsreader.ui.history import History, Location


def test_back_and_forward_walk_the_visits() -> None:
    h: History[str] = History(10)
    for page in "abc":
        h.visit(page)
    assert h.current == "c"
    assert h.back() == "b"
    assert h.back() == "a"
    assert h.back() is None
    assert h.forward() == "b"
    assert h.current == "b"


def test_new_visit_after_back_drops_forward_entries() -> None:
    h: History[str] = History(10)
    for page in "abc":
        h.visit(page)
    h.back()
    h.back()
    h.visit("x")
    assert not h.can_forward
    assert h.forward() is None
    assert h.back() == "a"
    assert h.forward() == "x"
    assert len(h) == 2


def test_history_is_bounded_and_keeps_the_newest() -> None:
    h: History[int] = History(3)
    for n in range(10):
        h.visit(n)
    assert len(h) == 3
    assert h.back() == 8
    assert h.back() == 7
    assert h.back() is None


def test_revisiting_the_current_location_adds_nothing() -> None:
    h: History[Location] = History(5)
    h.visit(Location(1))
    h.visit(Location(1))
    h.visit(Location(1, "https://example.org/t"))
    assert len(h) == 2
    assert h.back() == Location(1)
