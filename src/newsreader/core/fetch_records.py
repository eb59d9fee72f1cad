"""What fetching reports: one fetch's result, the feeds a page offers, a refresh's report.

Apart from models.py because the reader makes them only when it fetches: its first frame
does without these frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class OfferedFeed:
    """A feed an HTML page announces with <link rel="alternate">."""

    url: str
    title: str


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What one HTTP fetch produced; `body` is None on 304 and on failure."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int | None
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    # Set when a 301/308 chain ended somewhere else: the stored URL should follow.
    permanent_url: str | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, from a 429/503

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True, slots=True)
class RefreshReport:
    feeds: int
    new_entries: int
    updated_entries: int
    unchanged: int
    failed: tuple[tuple[str, str], ...]  # (url, error)
    pages_fetched: int
    seconds: float
    pages_failed: tuple[tuple[str, str], ...] = ()  # (url, error): refresh --full's pages
    pruned: int = 0  # entries retention dropped at the end
    # entries the end's comparison joined to a story, those stored before among them (a feed
    # added by `add` carries a story another feed has): the list shows them as one row
    regrouped: int = 0
