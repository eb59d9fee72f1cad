"""Article pages, teaser links and link previews in the cache.

Raw page HTML is kept zlib-compressed so `reextract` can rebuild texts and teasers offline
when the extractor improves.
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, cast

from newsreader.core.extract.links import merge_teasers
from newsreader.core.models import TeaserGroup, TeaserKind
from newsreader.core.store import search_index
from newsreader.core.store.db import Database
from newsreader.core.store.packed_text import unpack_text
from newsreader.core.times import from_ts, to_ts

if TYPE_CHECKING:  # types only (the reader's start-up does without them)
    from newsreader.core.article_records import LinkPreview, Page, Teaser

_KIND_RANK: dict[str, int] = {"inline": 0, "related": 1, "feed": 2}
# The teaser columns after its owner and position, in the order teaser_columns gives them.
TEASER_COLUMNS = "url, title, description, kind, kicker, block, teaser_group"
# A page that failed for good (a 404, a PDF) is asked for again by prefetch after this long.
FAILED_PAGE_WAIT = 7 * 86400
_StoredTeaser = tuple[str, str, str, str, str, str, str]
# A stored teaser, then its preview title and description and whether its page is cached.
_TeaserRow = tuple[str, str, str, str, str, str, str, str | None, str | None, bool]


def teaser_columns(t: Teaser) -> _StoredTeaser:
    return (t.url, t.title, t.description, t.kind, t.kicker, t.block, t.group)


class PageQueries(Database):
    """Cached pages, teasers and link previews."""

    def save_page(self, page: Page, html: bytes | None) -> None:
        """Store a fetched page and its teasers; entries linking to it get its text indexed."""
        blob = zlib.compress(html, 6) if html is not None else None
        with self.transaction() as conn:
            conn.execute(
                """INSERT OR REPLACE INTO pages (url, final_url, fetched_at, html, title, author,
                   published, description, image, language, text, paywalled)
                   VALUES (?,?,?,?,?,?,?,?,?,?,?,?)""",
                (
                    page.url,
                    page.final_url,
                    to_ts(page.fetched_at),
                    blob,
                    page.title,
                    page.author,
                    to_ts(page.published),
                    page.description,
                    page.image,
                    page.language,
                    page.text,
                    int(page.paywalled),
                ),
            )
            conn.execute("DELETE FROM teasers WHERE page_url = ?", (page.url,))
            conn.executemany(
                f"""INSERT INTO teasers (page_url, position, {TEASER_COLUMNS})
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                ((page.url, pos, *teaser_columns(t)) for pos, t in enumerate(page.teasers)),
            )
            if page.paywalled:
                conn.execute("UPDATE entries SET paywalled = 1 WHERE url = ?", (page.url,))
            if page.text:
                for row in conn.execute(
                    "SELECT id, title, summary, content FROM entries WHERE url = ?", (page.url,)
                ).fetchall():
                    search_index.unindex(conn, [row["id"]])
                    title, body = search_index.entry_text(
                        row["title"], unpack_text(row["summary"]), unpack_text(row["content"])
                    )
                    body = search_index.with_page_text(body, page.text)
                    search_index.index(conn, row["id"], title, body, derived=False)

    def page(self, url: str) -> Page | None:
        row = self.conn.execute(
            "SELECT * FROM pages WHERE url = ? AND html IS NOT NULL", (url,)
        ).fetchone()
        if row is None:
            return None
        fetched_at = from_ts(row["fetched_at"])
        assert fetched_at is not None
        from newsreader.core.article_records import Page  # start-up speed

        return Page(
            url=row["url"],
            final_url=row["final_url"],
            fetched_at=fetched_at,
            title=row["title"],
            author=row["author"],
            published=from_ts(row["published"]),
            description=row["description"],
            image=row["image"],
            language=row["language"],
            text=row["text"],
            paywalled=bool(row["paywalled"]),
            teasers=self._teasers_where("t.page_url = ?", url),
        )

    def page_html(self, url: str) -> bytes | None:
        row = self.conn.execute("SELECT html FROM pages WHERE url = ?", (url,)).fetchone()
        if row is None or row[0] is None:
            return None
        return zlib.decompress(row[0])

    def page_urls(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT url FROM pages WHERE html IS NOT NULL")]

    def prefetch_state(self, url: str) -> tuple[bool, bool]:
        """(whether prefetch should fetch this page, whether a run failed to get it before),
        in one look at its row: not cached and not failed for good in the last week
        (`mark_page_failed`; a teaser's 404 page was fetched by every run), and any failure
        mark (reported then, not each run again)."""
        row = self.conn.execute(
            "SELECT html IS NOT NULL, fetched_at FROM pages WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return True, False
        cached, since = bool(row[0]), int(row[1])
        return not cached and since <= int(time.time()) - FAILED_PAGE_WAIT, not cached

    def has_page(self, url: str) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM pages WHERE url = ? AND html IS NOT NULL", (url,)
            ).fetchone()
            is not None
        )

    def entry_teasers(self, entry_id: int) -> tuple[Teaser, ...]:
        """The article's teasers: links in the page text, the page's related blocks, then the
        feed's own links, each URL once; previews fill in missing titles and descriptions."""
        row = self.conn.execute(
            "SELECT url, summary, content, html_base FROM entries WHERE id = ?", (entry_id,)
        ).fetchone()
        if row is None:
            return ()
        from_html: list[_TeaserRow] = []
        html = unpack_text(row["content"]) or unpack_text(row["summary"])
        if row["html_base"] is not None and ("<a" in html or "<A" in html):
            # Imported here: lxml is a cost the reader pays on its first linked article.
            from newsreader.core.extract.entry_links import html_link_teasers

            found = html_link_teasers(html, row["html_base"], row["url"])
            from_html = self._annotate([teaser_columns(t) for t in found])
        stored = self.conn.execute(
            f"SELECT {TEASER_COLUMNS} FROM teasers WHERE entry_id = ? ORDER BY position",
            (entry_id,),
        ).fetchall()
        from_feed = self._teasers(from_html + self._annotate([tuple(r) for r in stored]))
        from_page = self._teasers_where("t.page_url = ?", row["url"]) if row["url"] else ()
        # Related before more (TEASERS.md); within each, where it was found: the text, the
        # page's blocks, the feed's own links. The sort is stable, so block order stays.
        ranked = sorted(
            (*from_page, *from_feed), key=lambda t: (t.group == "more", _KIND_RANK[t.kind])
        )
        return merge_teasers(ranked)

    def _teasers_where(self, where: str, arg: object) -> tuple[Teaser, ...]:
        rows = self.conn.execute(
            f"SELECT {TEASER_COLUMNS} FROM teasers t WHERE {where} ORDER BY position",
            (arg,),
        ).fetchall()
        return self._teasers(self._annotate([tuple(r) for r in rows]))

    def _annotate(self, rows: list[_StoredTeaser]) -> list[_TeaserRow]:
        """Each teaser with its link preview and whether its page is cached. A cached page's
        own title and description serve as the preview where none was fetched: no preview is
        fetched for a page that is cached, and the teasers prefetch takes first (the most
        important) showed a title alone, where the later ones had a description."""
        if not rows:
            return []
        urls = sorted({r[0] for r in rows})
        marks = ",".join("?" * len(urls))
        pages = {
            r[0]: (r[1], r[2])
            for r in self.conn.execute(
                f"SELECT url, title, description FROM pages WHERE html IS NOT NULL"
                f" AND url IN ({marks})",
                urls,
            )
        }
        previews = {
            r[0]: (r[1], r[2])
            for r in self.conn.execute(
                f"SELECT url, title, description FROM previews WHERE url IN ({marks})"
                " AND (title IS NOT NULL OR description IS NOT NULL)",
                urls,
            )
        }
        return [
            (*r, *(previews.get(r[0]) or pages.get(r[0]) or (None, None)), r[0] in pages)
            for r in rows
        ]

    @staticmethod
    def _teasers(rows: list[_TeaserRow]) -> tuple[Teaser, ...]:
        from newsreader.core.article_records import Teaser  # start-up speed

        result = []
        for (
            url,
            title,
            description,
            kind,
            kicker,
            block,
            group,
            pv_title,
            pv_description,
            offline,
        ) in rows:
            if (not title or title == url) and pv_title:
                title = pv_title
            if pv_description and " ".join(pv_description.split()) == " ".join(title.split()):
                pv_description = None  # a preview that repeats the headline says nothing more
            result.append(
                Teaser(
                    url=url,
                    title=title or url,
                    description=description or pv_description or "",
                    kind=cast(TeaserKind, kind),
                    kicker=kicker,
                    block=block,
                    group=cast(TeaserGroup, group),
                    offline=offline,
                )
            )
        return tuple(result)

    def save_preview(self, preview: LinkPreview) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO previews (url, title, description, fetched_at) "
                "VALUES (?, ?, ?, ?)",
                (preview.url, preview.title, preview.description, to_ts(preview.fetched_at)),
            )

    def preview(self, url: str) -> LinkPreview | None:
        row = self.conn.execute("SELECT * FROM previews WHERE url = ?", (url,)).fetchone()
        if row is None:
            return None
        fetched_at = from_ts(row["fetched_at"])
        assert fetched_at is not None
        from newsreader.core.article_records import LinkPreview  # start-up speed

        return LinkPreview(
            url=row["url"],
            title=row["title"],
            description=row["description"],
            fetched_at=fetched_at,
        )

    def urls_needing_preview(self, urls: Iterable[str]) -> list[str]:
        """Of these teaser URLs, the ones we have neither a page nor a preview for."""
        result = []
        for url in urls:
            known = self.conn.execute(
                "SELECT 1 FROM previews WHERE url = ? UNION ALL SELECT 1 FROM pages WHERE url = ?",
                (url, url),
            ).fetchone()
            if known is None:
                result.append(url)
        return result

    def entries_needing_pages(
        self, limit: int = 1000, feed_ids: Collection[int] | None = None
    ) -> list[tuple[int, str]]:
        """(id, url) of unread entries (of `feed_ids`, if given), newest first, whose page was
        never fetched: a run that was killed, or entries stored by `add`, are caught up by
        the next prefetch. A page that failed for good (`mark_page_failed`) is asked for
        again after a week: it was never asked for again."""
        of_feeds, wanted = _of_feeds(feed_ids)
        rows = self.conn.execute(
            f"""SELECT e.id, e.url FROM entries e WHERE e.read = 0 AND e.url IS NOT NULL
               {of_feeds} AND NOT EXISTS (SELECT 1 FROM pages p WHERE p.url = e.url
                               AND (p.html IS NOT NULL OR p.fetched_at > ?))
               ORDER BY e.published DESC, e.id DESC LIMIT ?""",
            (*wanted, int(time.time()) - FAILED_PAGE_WAIT, limit),
        ).fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    def unread_entries_with_pages(
        self, limit: int, feed_ids: Collection[int] | None = None
    ) -> list[int]:
        """Ids of unread entries (of `feed_ids`, if given), newest first, whose page is
        cached: their teasers are prefetched too (`refresh --full` took only those of pages
        it fetched itself: an article read online, or marked unread again, never had its
        teasers fetched; a helper's tour)."""
        of_feeds, wanted = _of_feeds(feed_ids)
        rows = self.conn.execute(
            f"""SELECT e.id FROM entries e WHERE e.read = 0 AND e.url IS NOT NULL {of_feeds}
               AND EXISTS (SELECT 1 FROM pages p WHERE p.url = e.url AND p.html IS NOT NULL)
               ORDER BY e.published DESC, e.id DESC LIMIT ?""",
            (*wanted, limit),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def mark_page_failed(self, url: str, *, lasting: bool = True) -> None:
        """Remember that this page failed. `lasting` (a 404, a PDF): the prefetch runs of
        the next week do not ask again (`entries_needing_pages`, `prefetch_state`); else
        (the network) the next run does, and only the first failure is reported. Opening
        the article tries again either way."""
        since = int(time.time()) if lasting else 0  # 0: older than any wait
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO pages (url, final_url, fetched_at) VALUES (?, ?, ?)
                   ON CONFLICT (url) DO UPDATE SET fetched_at = excluded.fetched_at
                   WHERE pages.html IS NULL""",
                (url, url, since),
            )


def _of_feeds(feed_ids: Collection[int] | None) -> tuple[str, tuple[str, ...]]:
    """The SQL that keeps entries `e` of `feed_ids` (none: all), and its parameter."""
    if feed_ids is None:
        return "", ()
    return "AND e.feed_id IN (SELECT value FROM json_each(?))", (json.dumps(sorted(feed_ids)),)
