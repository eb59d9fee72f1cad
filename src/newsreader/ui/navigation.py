"""Where `n`/`N` and `J`/`K` lead when they leave the feed on screen: the neighbouring feed in
the feed pane's order."""

from __future__ import annotations

from newsreader.core.models import Feed


def neighbour_feed(
    feeds: list[Feed], current: int | None, delta: int, *, with_unread: bool = False
) -> Feed | None:
    """The next (`delta` 1) or previous (-1) feed after `current` in pane order, skipping
    feeds with nothing unread when asked; from no feed, the first or the last one. None at
    the end: the walk does not wrap, so the user notices they have read everything."""
    ids = [f.id for f in feeds]
    edge = 0 if delta > 0 else len(feeds) - 1
    index = ids.index(current) + delta if current in ids else edge
    while 0 <= index < len(feeds):
        if not with_unread or feeds[index].unread:
            return feeds[index]
        index += delta
    return None
