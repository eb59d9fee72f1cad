"""Reading rows into the records that cross layers: a headline (`EntrySummary`, with the
watch word it matches) and an article (`Entry`). The queries that choose the rows are
entries.py's; each selects `SUMMARY_COLUMNS`."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING

from newsreader.core.models import EntrySummary
from newsreader.core.store import search_index
from newsreader.core.store.packed_text import unpack_text
from newsreader.core.times import from_ts

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.article_records import Entry

SUMMARY_COLUMNS = """
    e.id, e.feed_id, e.feed_title, e.title, e.url, e.author, e.published, e.read, e.starred,
    e.paywalled,
    EXISTS (SELECT 1 FROM pages p WHERE p.url = e.url AND p.html IS NOT NULL) AS offline,
    e.cluster_id, e.hidden,
    CASE WHEN e.cluster_id IS NULL THEN 1
         ELSE (SELECT COUNT(*) FROM entries v WHERE v.cluster_id = e.cluster_id) END AS versions
"""


def headlines_from_rows(
    conn: sqlite3.Connection, rows: list[sqlite3.Row], words: tuple[str, ...]
) -> list[EntrySummary]:
    """The rows as headlines, each naming the watch word it matches. Checked on the fetched
    rows alone, after the page is chosen: a check in the page's own query made SQLite gather
    every candidate the index names first (a common word's are a third of a million)."""
    found: dict[int, str] = {}
    if words and rows:
        title, body = search_index.indexed_text_sql("e")
        found = dict(
            conn.execute(
                f"""SELECT e.id, watch_word({title}, {body}, ?) FROM entries e
                    WHERE e.id IN (SELECT value FROM json_each(?))""",
                (json.dumps(list(words), ensure_ascii=False), json.dumps([r["id"] for r in rows])),
            ).fetchall()
        )
    return [summary_from_row(r, found.get(r["id"])) for r in rows]


def summary_from_row(row: sqlite3.Row, watched: str | None = None) -> EntrySummary:
    published = from_ts(row["published"])
    assert published is not None
    return EntrySummary(
        id=row["id"],
        feed_id=row["feed_id"],
        feed_title=row["feed_title"],
        title=row["title"],
        url=row["url"],
        author=row["author"],
        published=published,
        read=bool(row["read"]),
        starred=bool(row["starred"]),
        paywalled=bool(row["paywalled"]),
        offline=bool(row["offline"]),
        cluster_id=row["cluster_id"],
        versions=row["versions"],
        watched=watched,
        hidden=bool(row["hidden"]),
    )


def entry_from_row(row: sqlite3.Row) -> Entry:
    """An article from `SUMMARY_COLUMNS` and its own: updated, summary, content, categories,
    enclosures, and its page's text, paywall and author as page_text, page_paywalled and
    page_author."""
    summary = summary_from_row(row)
    from newsreader.core.article_records import Enclosure, Entry  # start-up speed

    return Entry(
        id=summary.id,
        feed_id=summary.feed_id,
        feed_title=summary.feed_title,
        title=summary.title,
        url=summary.url,
        # The page names the author where the feed's item does not: the header and `show`
        # went without one the page had (a helper's tour)
        author=summary.author or row["page_author"],
        published=summary.published,
        updated=from_ts(row["updated"]),
        summary=unpack_text(row["summary"]),
        content=unpack_text(row["content"]),
        categories=tuple(json.loads(row["categories"])),
        # [url, type, length] rows from before durations were read, [..., duration] since
        enclosures=tuple(Enclosure(*fields) for fields in json.loads(row["enclosures"])),
        read=summary.read,
        starred=summary.starred,
        paywalled=summary.paywalled or bool(row["page_paywalled"]),
        page_text=row["page_text"],
        offline=summary.offline,
    )
