"""Back/forward history of what the article pane showed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Location:
    """One thing the article pane can show: an entry, or a teaser page opened from it."""

    entry_id: int
    url: str | None = None  # None: the entry itself; else a teaser page


class History(Generic[T]):
    """Bounded browser-style history: a new visit after going back drops the forward entries
    (the bug frogmouth has and we must not)."""

    def __init__(self, size: int = 50) -> None:
        self._size = max(1, size)
        self._items: list[T] = []
        self._index = -1

    @property
    def current(self) -> T | None:
        return self._items[self._index] if self._items else None

    @property
    def can_back(self) -> bool:
        return self._index > 0

    @property
    def can_forward(self) -> bool:
        return self._index < len(self._items) - 1

    def __len__(self) -> int:
        return len(self._items)

    def visit(self, item: T) -> None:
        if self.current == item:
            return
        del self._items[self._index + 1 :]
        self._items.append(item)
        if len(self._items) > self._size:
            del self._items[: len(self._items) - self._size]
        self._index = len(self._items) - 1

    def back(self) -> T | None:
        if not self.can_back:
            return None
        self._index -= 1
        return self.current

    def forward(self) -> T | None:
        if not self.can_forward:
            return None
        self._index += 1
        return self.current

    def clear(self) -> None:
        self._items.clear()
        self._index = -1
