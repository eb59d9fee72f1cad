"""Lazy, block-cached access to the filtered headline order.

Rows are fetched in blocks of `BLOCK` around what is on screen: a block next to a cached one is
read with a keyset cursor, a far jump (G, dragging the scrollbar) with an offset. Only a bounded
number of blocks stays in memory, so 50,000 cached entries cost a few hundred rows of RAM.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Literal

from newsreader.core.models import Cursor, EntryFilter, EntrySummary
from newsreader.core.store.store import Store

# A screenful, about: the first frame's rows come with one block, and each row of it is
# checked for the watch words (a block of 100 cost the first frame 12 M instructions more).
BLOCK = 50
MAX_BLOCKS = 128  # 6,400 rows kept, as with 64 blocks of 100
Flag = Literal["read", "starred"]


@dataclass(slots=True)
class HeldFlags:
    """An entry's flags shown before they are stored, and how many writes of each are out."""

    read: bool | None = None
    read_writes: int = 0
    starred: bool | None = None
    starred_writes: int = 0


class HeadlineSource:
    def __init__(self, store: Store, filt: EntryFilter | None = None) -> None:
        self.store = store
        self.filter = filt or EntryFilter()
        self._blocks: OrderedDict[int, list[EntrySummary]] = OrderedDict()
        self._count: int | None = None
        # Flags the list shows before the writer thread stored them, by entry id. Rows read
        # again meanwhile (a refresh's end reloads the list) show these, not the store's:
        # they showed the old flag, and the next `m` on that row wrote the flag the user had
        # just left.
        self._held: dict[int, HeldFlags] = {}

    @property
    def count(self) -> int:
        if self._count is None:
            self._count = self.store.count_rows(self.filter)
        return self._count

    def set_filter(self, filt: EntryFilter) -> None:
        self.filter = filt
        self.reset()

    def reset(self) -> None:
        """Forget everything: the store changed underneath (refresh, mark all read)."""
        self._blocks.clear()
        self._count = None

    def row(self, index: int) -> EntrySummary | None:
        if index < 0 or index >= self.count:
            return None
        rows = self._block(index // BLOCK)
        offset = index % BLOCK
        return rows[offset] if offset < len(rows) else None

    def position(self, entry_id: int) -> int | None:
        return self.store.entry_position(entry_id, self.filter)

    def update_flags(
        self, entry_id: int, *, read: bool | None = None, starred: bool | None = None
    ) -> EntrySummary | None:
        for rows in self._blocks.values():
            for i, row in enumerate(rows):
                if row.id == entry_id:
                    new = replace(
                        row,
                        read=row.read if read is None else read,
                        starred=row.starred if starred is None else starred,
                    )
                    rows[i] = new
                    return new
        return None

    def hold_flags(
        self, entry_id: int, *, read: bool | None = None, starred: bool | None = None
    ) -> None:
        """Flags shown now and written on the writer thread, one write for each."""
        held = self._held.setdefault(entry_id, HeldFlags())
        if read is not None:
            held.read, held.read_writes = read, held.read_writes + 1
        if starred is not None:
            held.starred, held.starred_writes = starred, held.starred_writes + 1

    def release_flags(self, entry_id: int, flag: Flag) -> None:
        """One write of the entry's `flag` ("read" or "starred") came back, stored or failed.
        The flag is held until its last write is back: that one leaves the store as the
        list shows it, or failed, and the list is read again from the store."""
        held = self._held.get(entry_id)
        if held is None:
            return
        if flag == "read" and held.read_writes:
            held.read_writes -= 1
            held.read = held.read if held.read_writes else None
        elif flag == "starred" and held.starred_writes:
            held.starred_writes -= 1
            held.starred = held.starred if held.starred_writes else None
        if held.read is None and held.starred is None:
            del self._held[entry_id]

    def _with_held(self, row: EntrySummary) -> EntrySummary:
        held = self._held.get(row.id)
        if held is None:
            return row
        return replace(
            row,
            read=row.read if held.read is None else held.read,
            starred=row.starred if held.starred is None else held.starred,
        )

    def _block(self, number: int) -> list[EntrySummary]:
        rows = self._blocks.get(number)
        if rows is not None:
            self._blocks.move_to_end(number)
            return rows
        previous = self._blocks.get(number - 1)
        following = self._blocks.get(number + 1)
        if previous and len(previous) == BLOCK:
            last = previous[-1]
            rows = self.store.entries(
                self.filter, after=Cursor(last.published, last.id), limit=BLOCK
            )
        elif following:
            first = following[0]
            rows = self.store.entries(
                self.filter, before=Cursor(first.published, first.id), limit=BLOCK
            )
            if len(rows) != BLOCK:  # the order shifted under us: fall back to offsets
                rows = self.store.entries_at(self.filter, offset=number * BLOCK, limit=BLOCK)
        elif number == 0:
            rows = self.store.entries(self.filter, limit=BLOCK)
        else:
            rows = self.store.entries_at(self.filter, offset=number * BLOCK, limit=BLOCK)
        if self._held:
            rows = [self._with_held(row) for row in rows]
        self._blocks[number] = rows
        while len(self._blocks) > MAX_BLOCKS:
            self._blocks.popitem(last=False)
        return rows
