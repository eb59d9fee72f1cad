"""What a feed's writers find left behind by earlier changes: the keys of the entries retention
dropped while the feed still listed them (schema 18), which are not stored again, and the
starred entries a removed feed left detached, which it takes back when subscribed again.
Both the whole-feed writer (feed_writes.py) and the streamed one (stream_writes.py) ask.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types only
    from newsreader.core.parsed import ParsedEntry
    from newsreader.core.store.feed_writes import EntryHead


def take_back_starred(
    conn: sqlite3.Connection,
    feed_id: int,
    entries: Sequence[ParsedEntry | EntryHead],
    existing: dict[str, tuple[int, str]],
) -> None:
    """The starred entries a removed feed left behind (`remove_feed` detaches them) go back
    to it when it is subscribed again: it stored them a second time, once starred and once
    new. By key and link both: a key alone ("1", "post-1") is often another feed's too, whose
    starred story this one's item then overwrote."""
    links = {entry.key: entry.url for entry in entries if entry.url}
    keys = list(links)
    for start in range(0, len(keys), 500):  # SQLite's limit on bound values
        part = keys[start : start + 500]
        rows = conn.execute(
            f"""SELECT id, key, url, digest FROM entries
                WHERE feed_id IS NULL AND key IN ({",".join("?" * len(part))})""",
            part,
        ).fetchall()
        for entry_id, key, url, digest in rows:
            if key not in existing and url == links[key]:
                conn.execute("UPDATE entries SET feed_id = ? WHERE id = ?", (feed_id, entry_id))
                existing[key] = (entry_id, digest)


def left_behind(conn: sqlite3.Connection) -> bool:
    """Whether any entry is detached (a removed feed's starred ones): asked once a batch, as
    a cold refresh's every feed stores its first entries, and looking for them feed by feed
    took 23 us a farm feed (0.5 % of its CPU)."""
    return (
        conn.execute("SELECT 1 FROM entries WHERE feed_id IS NULL LIMIT 1").fetchone() is not None
    )


def forgotten_keys(conn: sqlite3.Connection, feed_id: int) -> dict[str, int | None]:
    """The keys of this feed's entries that retention dropped (schema 18), not stored again
    while the feed lists them, each with when the feed stopped listing it (None: it does)."""
    rows = conn.execute(
        "SELECT key, unlisted_since FROM entries_forgotten WHERE feed_id = ?", (feed_id,)
    )
    return {key: since for key, since in rows}


# A forgotten key the feed has not listed for this long goes (`forget_unlisted`).
FORGET_AFTER = 30 * 86400


def forget_unlisted(
    conn: sqlite3.Connection,
    feed_id: int,
    forgotten: Mapping[str, int | None],
    listed: Callable[[str], bool],
    now: int,
) -> None:
    """Note which forgotten keys the feed lists (`listed`) and which it stopped listing, and
    drop those it has not listed for FORGET_AFTER: the table stays about as small as the
    feeds' own lists. Not at once: a short answer (a server's bad minute) let them all go,
    and the next full one brought every dropped entry back. Writes only what changed."""
    unlisted, relisted, expired = [], [], False
    for key, since in forgotten.items():
        if listed(key):
            if since is not None:
                relisted.append((feed_id, key))
        elif since is None:
            unlisted.append((now, feed_id, key))
        elif since < now - FORGET_AFTER:
            expired = True
    if unlisted:
        conn.executemany(
            "UPDATE entries_forgotten SET unlisted_since = ? WHERE feed_id = ? AND key = ?",
            unlisted,
        )
    if relisted:
        conn.executemany(
            "UPDATE entries_forgotten SET unlisted_since = NULL WHERE feed_id = ? AND key = ?",
            relisted,
        )
    if expired:
        conn.execute(
            "DELETE FROM entries_forgotten WHERE feed_id = ? AND unlisted_since < ?",
            (feed_id, now - FORGET_AFTER),
        )
