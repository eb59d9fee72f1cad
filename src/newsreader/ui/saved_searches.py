"""Saved searches in the reader (issue 14): `S` saves the search or filter in force under a
name (in the cache: the program never writes config.toml); the feed pane lists them, those of
config.toml first, with their unread counts, like newsboat's query feeds.

A count is a search over the whole cache, too slow for the UI thread when a word is common or a
phrase must be checked on many rows: the counts are made on the reader thread (see
`background.py`), one round at a time, once the reader is quiet, and only when the cache or the
searches changed since the last round (SQLite's `data_version`). The pane shows the last counts
meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from newsreader.core.config import SavedSearch
from newsreader.core.errors import NewsreaderError
from newsreader.core.models import EntryFilter
from newsreader.core.store.saved_searches import feed_term, search_filter
from newsreader.core.store.store import Store
from newsreader.ui.dialog import OneLineDialog, open_dialog
from newsreader.ui.entry_filters import on_screen
from newsreader.ui.messages import JobDone
from newsreader.ui.quiet_rounds import QuietRounds, Schedule
from newsreader.ui.text import one_line

if TYPE_CHECKING:  # types only
    from newsreader.ui.app import NewsreaderApp

Reader = Callable[..., None]  # BackgroundLoop.read


def all_searches(config_searches: Sequence[SavedSearch], store: Store) -> list[SavedSearch]:
    """config.toml's, then the cache's; a cache one whose name config.toml took is left out."""
    taken = {s.name.casefold() for s in config_searches}
    saved = [s for s in store.saved_searches() if s.name.casefold() not in taken]
    return [*config_searches, *saved]


def from_filters(filters: EntryFilter, store: Store) -> SavedSearch | None:
    """What `S` saves of the filter in force (the feed as a feed: term); None when nothing
    narrows the list."""
    terms = [filters.search] if filters.search else []
    if filters.feed_id is not None:
        feed = store.feed(filters.feed_id)
        terms.insert(0, feed_term(filters.feed_id, feed.title if feed else None))
    saved = SavedSearch(
        name="",
        query=" ".join(terms),
        unread=filters.unread,
        tag=filters.tag,
        starred=filters.starred,
        in_cache=True,
    )
    return None if saved == SavedSearch(name="", in_cache=True) else saved


def describe(search: SavedSearch) -> str:
    parts = [f"search: {search.query}"] if search.query else []
    parts += ["unread"] if search.unread else []
    parts += ["starred"] if search.starred else []
    parts += [f"tag: {search.tag}"] if search.tag else []
    return one_line(", ".join(parts), 200)


class SaveSearchDialog(OneLineDialog[SavedSearch]):
    title_text = "Save this search"
    placeholder = "A name for the feed pane, e.g. Baustellen"
    working_text = "Saving…"

    def __init__(self, store: Store, search: SavedSearch, config_names: set[str]) -> None:
        super().__init__()
        self.store = store
        self.search = search
        self.config_names = config_names
        self.help_text = (
            f"Saves {describe(search)} in the cache, beside config.toml's [[search]] tables. "
            "A name saved before is replaced."
        )

    def check(self, value: str) -> str | None:
        if not value:
            return "Type a name first."
        if value.casefold() in self.config_names:
            return f"{one_line(value, 60)} is a [[search]] in config.toml: pick another name."
        return None

    def work(self, value: str) -> SavedSearch:
        saved = replace(self.search, name=one_line(value, 80))
        self.store.save_search(saved)
        return saved


def save_search(app: NewsreaderApp) -> None:
    """`S`: the filter in force, named in a dialog, kept in the cache."""
    pending = from_filters(app.filters, app.store)
    if pending is None:
        app.notify("Nothing to save: search with / or choose a feed or filter first.", markup=False)
        return
    known = on_screen(app.filters, all_searches(app.config.searches, app.store))
    if known is not None:
        app.notify(f"Already saved as {one_line(known.name, 80)}.", markup=False)
        return

    def saved(search: SavedSearch) -> None:
        app.store_changed(reload=False)  # a new row in the feed pane, not just counts
        app.notify(
            f"Saved as {search.name}: it is in the feed pane (d there deletes it).",
            markup=False,
        )

    names = {s.name.casefold() for s in app.config.searches}
    open_dialog(app, SaveSearchDialog(app.store, pending, names), saved)


@dataclass(frozen=True, slots=True)
class CountsMade:
    """The key of a counting round's `JobDone(READ)`."""


@dataclass(frozen=True, slots=True)
class CountRound:
    version: int
    searches: tuple[SavedSearch, ...]
    counts: dict[str, int | None]


def count_round(
    store: Store,
    searches: tuple[SavedSearch, ...],
    last: CountRound | None,
    busy: Callable[[], bool] | None = None,
) -> CountRound:
    """On the reader thread: each search's unread matches, unless nothing changed; the
    counting pauses while `busy()` (someone at the keys) says so."""
    store.give_way_while(busy)
    version = store.data_version()
    if last is not None and last.version == version and last.searches == searches:
        return last
    counts: dict[str, int | None] = {}
    for search in searches:
        try:
            counts[search.name] = store.count_entries(replace(search_filter(search), unread=True))
        except NewsreaderError:
            counts[search.name] = None  # a query this version cannot read: no count
    return CountRound(version, searches, counts)


class SearchCounter:
    """The counting rounds of one feed pane (`QuietRounds`), and the last round's counts."""

    QUIET_SECONDS = 0.5

    def __init__(
        self, read: Reader, schedule: Schedule, busy: Callable[[], bool] | None = None
    ) -> None:
        self._read = read
        self._busy = busy
        self._last: CountRound | None = None
        self._rounds: QuietRounds[tuple[Store, tuple[SavedSearch, ...]]]
        self._rounds = QuietRounds(schedule, self._run)

    @property
    def busy(self) -> bool:
        """A round is waiting for quiet or running (tests wait on this)."""
        return self._rounds.running or self._rounds.timer is not None

    @property
    def counted(self) -> bool:
        """A round has ended since the reader started (tests wait on this)."""
        return self._last is not None

    def counts(self, search: SavedSearch) -> int | None:
        return self._last.counts.get(search.name) if self._last is not None else None

    def request(self, store: Store, searches: list[SavedSearch]) -> None:
        if not searches:
            return
        self._rounds.ask((store, tuple(searches)), self.QUIET_SECONDS)

    def _run(self, wanted: tuple[Store, tuple[SavedSearch, ...]]) -> None:
        (store, searches), last, busy = wanted, self._last, self._busy
        self._read(lambda: count_round(store, searches, last, busy), key=CountsMade())

    def arrived(self, job: JobDone) -> bool:
        """A round's end; True when the counts on screen should change."""
        result: Any = job.result
        changed = isinstance(result, CountRound) and result is not self._last
        if changed:
            self._last = result
        self._rounds.ended()  # after `_last`: the next round starts from these counts
        return changed
