"""What the command line prints: progress, plain text and the --json shapes.

The shapes are a contract, written down in docs/architecture.md ("The command line and its
JSON"): fields may be added, never renamed.

Every string that came from a feed or page goes through render.safe_text / one_line first,
so no escape sequence or control byte from the network reaches the terminal.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from newsreader.core.article_records import Entry, StoryVersion
from newsreader.core.extract.render import (
    html_to_markdown,
    markdown_to_reading,
    one_line,
    safe_text,
)
from newsreader.core.fetch_records import OfferedFeed, RefreshReport
from newsreader.core.models import EntrySummary, Feed, FeedOutcome
from newsreader.core.times import iso
from newsreader.marks import headline_marks

if TYPE_CHECKING:  # types only: the refresh machinery loads when a refresh runs
    from newsreader.core.refresh.waiting import Waiting


class Progress:
    """A bar on a TTY, plain lines elsewhere; both on stderr so stdout stays parseable."""

    def __init__(self, *, quiet: bool = False) -> None:
        self.tty = sys.stderr.isatty()
        self.quiet = quiet
        self.failed = 0
        self.drawn = False
        self.done = self.total = 0
        self.wait = ""  # what the refresh waits on, said after the bar (TTY only)

    def feed_done(self, outcome: FeedOutcome, done: int, total: int) -> None:
        if outcome.error:
            self.failed += 1
        self.done, self.total = done, total
        self.wait = ""  # a fetch just ended: the refresh says again if it still waits
        if self.quiet and not self.tty:
            return
        if self.tty:
            self._draw()
        else:
            state = "failed" if outcome.error else ("unchanged" if outcome.unchanged else "ok")
            sys.stderr.write(f"{done}/{total} {one_line(outcome.url)} {state}\n")

    def waiting(self, waiting: Waiting | None) -> None:
        """The hosts a refresh waits on (refresh.waiting), after the bar; None clears them.
        On a TTY only: a log would get a line a second."""
        wait = waiting.describe() if waiting is not None else ""
        if wait != self.wait and self.tty:
            self.wait = wait
            self._draw()

    def _draw(self) -> None:
        if self.total:
            width = 30
            filled = width * self.done // self.total
            bar = "#" * filled + "-" * (width - filled)
            line = f"[{bar}] {self.done}/{self.total} feeds, {self.failed} failed"
            line += f" · {self.wait}" if self.wait else " "
        else:  # waiting before the first feed came in: how many there are is not known here
            line = self.wait
        # Cut to the terminal's width: a line that wrapped would leave a row behind on each
        # redraw. \x1b[K erases the rest of the row, so a shorter line leaves no tail.
        sys.stderr.write(f"\r{_fit(line, _columns() - 1)}\x1b[K")
        sys.stderr.flush()
        self.drawn = True

    def finish(self) -> None:
        if self.drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _columns() -> int:
    """The terminal's width: $COLUMNS when set (as shutil's), else stderr's terminal."""
    with contextlib.suppress(ValueError):
        if (columns := int(os.environ.get("COLUMNS", "0"))) > 0:
            return columns
    try:
        # 0: a terminal whose size was never set (some CI runners, a fresh `docker exec -t`)
        return os.get_terminal_size(sys.stderr.fileno()).columns or 80
    except (OSError, ValueError):  # not a terminal after all, or stderr replaced
        return 80


def _fit(line: str, columns: int) -> str:
    """`line` cut to `columns` cells (a wide character, as in a CJK host name, takes two)."""
    if len(line) <= columns and line.isascii():  # the bar of every feed: no width to look up
        return line
    widths = [2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line]
    if sum(widths) <= columns:
        return line
    used = 0
    for index, width in enumerate(widths):
        if used + width > columns - 1:  # a cell for the "…"
            return line[:index] + "…"
        used += width
    return line


def counted(n: int, one: str, many: str | None = None) -> str:
    """`1 feed`, `2 feeds`, `1 entry`: a count with its noun in the right number."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def print_json(document: object) -> None:
    """One JSON document on stdout as UTF-8, whatever the locale says: umlauts stay umlauts
    (no \\u escapes), and a C or Latin-1 locale cannot turn them into an encoding error."""
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (tests capture this way): it takes str
        sys.stdout.write(text)
        return
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def compact_age(when: datetime, now: datetime | None = None) -> str:
    """Age in the largest whole unit (2y, 45d, 3h, 5m) at any age: `articles` lines stay
    aligned, in four columns (an archive's items, in days, took five: 7334d).

    The reader's `ui.text.relative_age` switches to a date after a week instead.
    """
    seconds = int(((now or datetime.now(UTC)) - when).total_seconds())
    if seconds < 60:
        return "now"
    for unit, size in (("y", 365 * 86400), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return "now"


def _clean(text: str | None) -> str | None:
    """JSON escapes C0 controls but prints DEL, C1 and bidi controls raw, and `jq -r` decodes
    the escapes again: so feed and page strings are scrubbed here like every other output."""
    return None if text is None else safe_text(text)


def feed_json(feed: Feed) -> dict[str, Any]:
    return {
        "id": feed.id,
        "url": _clean(feed.url),
        "title": _clean(feed.title),
        "tags": [safe_text(t) for t in feed.tags],
        "last_fetched": iso(feed.last_fetched),
        "last_status": feed.last_status,
        "last_error": _clean(feed.last_error),
        "entries": feed.entries,
        "unread": feed.unread,
        "gone": feed.gone,
        "origin": feed.origin,
        "poll_seconds": feed.poll_seconds,  # what the feed asks (ttl, sy:, max-age); null: nothing
    }


def report_json(report: RefreshReport) -> dict[str, Any]:
    return {
        "feeds": report.feeds,
        "new_entries": report.new_entries,
        "updated_entries": report.updated_entries,
        "unchanged": report.unchanged,
        "failed": [{"url": safe_text(u), "error": safe_text(e)} for u, e in report.failed],
        "pages_fetched": report.pages_fetched,
        "pages_failed": [
            {"url": safe_text(u), "error": safe_text(e)} for u, e in report.pages_failed
        ],
        "seconds": report.seconds,
    }


def entry_summary_json(row: EntrySummary, also_in: Sequence[StoryVersion] = ()) -> dict[str, Any]:
    """`also_in`: the story's other versions (issue 14), the best first."""
    return {
        "id": row.id,
        "feed_id": row.feed_id,
        "feed_title": _clean(row.feed_title),
        "title": _clean(row.title),
        "url": _clean(row.url),
        "author": _clean(row.author),
        "published": iso(row.published),
        "read": row.read,
        "starred": row.starred,
        "paywalled": row.paywalled,
        "offline": row.offline,
        "cluster_id": row.cluster_id,
        "watched": row.watched,
        "hidden": row.hidden,
        "also_in": [
            {
                "id": v.id,
                "feed_title": _clean(v.feed_title),
                "title": _clean(v.title),
                "paywalled": v.paywalled,
            }
            for v in also_in
            if v.id != row.id
        ],
    }


def article_text(entry: Entry) -> tuple[str, str]:
    """(Markdown, source): the page's extracted text when we have it, else the feed's."""
    if entry.page_text:
        return entry.page_text, "page"
    html = entry.content or entry.summary
    return html_to_markdown(html, base_url=entry.url), "feed"


def article_json(entry: Entry) -> dict[str, Any]:
    text, source = article_text(entry)
    return {
        "id": entry.id,
        "feed_title": _clean(entry.feed_title),
        "title": _clean(entry.title),
        "url": _clean(entry.url),
        "author": _clean(entry.author),
        "published": iso(entry.published),
        "text": safe_text(text),
        "text_source": source,
        "paywalled": entry.paywalled,
        "offline": entry.offline,
        # streamed by a player, never cached; duration in seconds when the feed gives it
        "enclosures": [
            {
                "url": safe_text(e.url),
                "type": _clean(e.type),
                "length": e.length,
                "duration": e.duration,
            }
            for e in entry.enclosures
        ],
        "teasers": [
            {
                "n": n,
                "title": safe_text(t.title),
                "description": safe_text(t.description),
                "url": safe_text(t.url),
                "offline": t.offline,
                "kind": t.kind,  # where the link was found: inline, page block or feed
                "kicker": safe_text(t.kicker),
                "block": safe_text(t.block),  # the page block's label; "" in the article text
                "group": t.group,  # related to this article, or the page's other stories
            }
            for n, t in enumerate(entry.teasers, 1)
        ],
    }


def print_headlines(rows: list[EntrySummary]) -> None:
    now = datetime.now(UTC)
    unread, starred, paywalled, offline = headline_marks()
    for row in rows:
        marks = (unread if not row.read else " ") + (starred if row.starred else " ")
        marks += (paywalled if row.paywalled else " ") + (offline if row.offline else " ")
        marks += "h" if row.hidden else ""
        print(
            f"{row.id:>6} {marks} {compact_age(row.published, now):>4}  "
            f"{one_line(row.feed_title, 24):<24}  {one_line(row.title, 120)}"
            + (f"  ×{row.versions}" if row.versions > 1 else "")
            + (f"  [{one_line(row.watched, 60)}]" if row.watched else "")
        )


def print_offers(url: str, offers: Sequence[OfferedFeed]) -> None:
    """The feeds a page offers, numbered for `--pick`; on stderr, so stdout stays parseable."""
    print(f"{url} offers {counted(len(offers), 'feed')}:", file=sys.stderr)
    for n, offer in enumerate(offers, 1):
        print(
            f"  {n}. {one_line(offer.title or '(untitled)', 80)}  {one_line(offer.url, 500)}",
            file=sys.stderr,
        )


def print_article(entry: Entry) -> None:
    text, source = article_text(entry)
    print(one_line(entry.title, 1000))
    meta = [one_line(entry.feed_title, 80), f"{entry.published:%Y-%m-%d %H:%M} UTC"]
    if entry.author:
        meta.insert(1, one_line(entry.author, 80))
    print(" · ".join(meta))
    if entry.url:
        print(one_line(entry.url, 1000))
    if entry.paywalled:
        print("[paywalled: only the free teaser is shown]")
    if source == "feed":
        print("[text from the feed; the article page was not extracted]")
    for enclosure in entry.enclosures:
        if enclosure.playable:
            described = one_line(enclosure.description, 200)
            print(f"Attachment: {described}  {one_line(enclosure.url, 500)}")
    print()
    print(safe_text(markdown_to_reading(text)).strip())
    if entry.teasers:
        print()
        print("Links:")
        block: str | None = None
        for n, teaser in enumerate(entry.teasers, 1):
            if teaser.block != block and (teaser.block or block is not None):
                print(f"  {one_line(teaser.block or 'Im Text', 120)}")
            block = teaser.block
            mark = " (offline)" if teaser.offline else ""
            kicker = f"{one_line(teaser.kicker, 60)} · " if teaser.kicker else ""
            print(f"[{n}] {kicker}{one_line(teaser.title, 200)}{mark}")
            if teaser.description:
                print(f"    {one_line(teaser.description, 200)}")
            print(f"    {one_line(teaser.url, 500)}")
