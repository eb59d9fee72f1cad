"""Where data lives and what config.toml may set: its sections as frozen dataclasses, with
their defaults. Reading and checking the file is config_file.py's.

Precedence: command-line flag, then environment (NEWSREADER_DATA_DIR, NEWSREADER_CONFIG),
then platformdirs defaults (XDG on Linux).
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

APP_NAME = "newsreader"


# platformdirs is imported where used: a start with --data-dir (or an environment that names
# both places) does without it.


def default_data_dir() -> Path:
    if env := os.environ.get("NEWSREADER_DATA_DIR"):
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME))


def default_config_path() -> Path:
    if env := os.environ.get("NEWSREADER_CONFIG"):
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


@dataclass(frozen=True, slots=True)
class NetworkConfig:
    # Requests in flight over all hosts. Politeness is per_host's; this only bounds how much
    # one refresh does at once. A refresh of unchanged feeds is all 304s, each a round trip
    # and ~0.7 ms of the refresh's CPU: at 32, 2,000 feeds 50 ms away waited 3.1 s on the
    # network alone; at 96 about 1 s, under the CPU they cost, so 128 was no faster. Feeds
    # that bring bodies have a bound of their own (refresh/handover.py, BODIES_AT_ONCE: 32, with
    # the bodies no worker has read yet), so a raised cap does not raise a cold refresh's
    # memory.
    concurrency: int = 96
    per_host: int = 4
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # one request with its redirects: stops a trickling server
    max_feed_mb: float = 10.0
    max_page_mb: float = 5.0
    retries: int = 2
    # Bounds on how often one feed is polled by `refresh --due` and the reader's timer,
    # whatever its ttl, sy:updatePeriod or Cache-Control asks.
    min_poll_minutes: int = 15
    max_poll_minutes: int = 1440


@dataclass(frozen=True, slots=True)
class PrefetchConfig:
    """Budgets for `refresh --full`, so a big backlog cannot eat the train ride's data plan."""

    teasers_per_article: int = 5
    max_mb_per_run: float = 200.0
    max_seconds_per_run: float = 300.0


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    """Old entries that are read and not starred are pruned; 0 turns a limit off."""

    max_age_days: int = 90
    max_entries_per_feed: int = 2000


@dataclass(frozen=True, slots=True)
class ReaderConfig:
    refresh_on_start: bool = True
    show_feed_pane: bool = True
    article_max_chars: int = 40_000
    history_size: int = 50
    refresh_minutes: int = 30  # the open reader refreshes the due feeds this often; 0 = never


@dataclass(frozen=True, slots=True)
class BrowserConfig:
    """[browser]: what `o` starts. An empty command tries $BROWSER, then the usual browsers.
    A console browser (listed in `console`, or any browser without DISPLAY/WAYLAND_DISPLAY)
    gets the terminal while the reader waits; a graphical one is started detached."""

    command: str = ""  # "firefox --new-window"; %u stands for the URL, else it is appended
    console: tuple[str, ...] = ("lynx", "w3m", "elinks", "links", "browsh")


@dataclass(frozen=True, slots=True)
class PlayerConfig:
    """[player]: what `e` hands an enclosure's URL to; it streams, we never download it."""

    command: str = "mpv"
    console: tuple[str, ...] = ("mpv", "mplayer", "mpg123", "mpg321", "ogg123", "cvlc", "play")


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    """[cluster]: versions of one story across feeds are listed once (issue 14)."""

    enabled: bool = True
    window_days: int = 7  # new entries are compared with the entries of these last days


WATCH_NOTIFY = ("off", "bell", "desktop", "both")


@dataclass(frozen=True, slots=True)
class WatchConfig:
    """[watch]: words that matter here ("Hammer Straße", "Gesamtschule"), matched like search:
    folded, as word prefixes, the words of one entry in order (issue 14)."""

    words: tuple[str, ...] = ()
    # Besides its note in the reader, what a refresh that brings new matches does: "bell",
    # "desktop" (a desktop notification), "both", or "off".
    notify: str = "off"

    @property
    def rings_bell(self) -> bool:
        return self.notify in ("bell", "both")

    @property
    def notifies_desktop(self) -> bool:
        return self.notify in ("desktop", "both")


@dataclass(frozen=True, slots=True)
class HideRule:
    """One [[hide]] table (issue 14): entries matching every key it sets are stored but never
    shown or counted. Patterns match folded, on word boundaries, like watch words; `re:` in
    front makes one a regular expression (searched in the unfolded text, case-blind)."""

    title: str | None = None
    text: str | None = None
    feed: str | None = None
    category: str | None = None
    author: str | None = None
    paywalled: bool | None = None
    where: str = ""  # "[[hide]] #2 (line 31)", for warnings


HIDE_FIELDS = ("title", "text", "feed", "category", "author")


@dataclass(frozen=True, slots=True)
class SavedSearch:
    """A named search shown in the feed pane (issue 14): a [[search]] table, or saved with S
    in the reader, which keeps it in the cache (`in_cache`). `query` is in the search
    language of core/search_query.py; empty when only the flags and the tag were saved."""

    name: str
    query: str = ""
    unread: bool = False
    tag: str | None = None
    starred: bool = False
    in_cache: bool = False
    where: str = ""  # "[[search]] #2 (line 31)", for warnings


SEARCH_KEYS = ("name", "query", "unread", "tag", "starred")


@dataclass(frozen=True, slots=True)
class SyncConfig:
    """[sync]: a Google Reader API server (FreshRSS, Miniflux...) or a Fever API server.

    The password comes from `password_command` (first line of its stdout), the environment
    (NEWSREADER_SYNC_PASSWORD) or the keyring; a plain `password` only from an owner-only file.
    repr=False keeps it out of every traceback and debug print of the config.
    """

    service: str = ""  # "greader" | "fever"; empty: sync is off
    url: str = ""
    user: str = ""
    password_command: str = field(default="", repr=False)
    password: str = field(default="", repr=False)
    fetch_feeds_locally: bool = False  # also poll the synced feeds here, not only the server
    first_sync_days: int = 14
    timeout: float = 20.0
    max_response_mb: float = 20.0

    @property
    def enabled(self) -> bool:
        return bool(self.service)


SYNC_SERVICES = ("greader", "fever")


@dataclass(frozen=True, slots=True)
class Config:
    network: NetworkConfig = field(default_factory=NetworkConfig)
    prefetch: PrefetchConfig = field(default_factory=PrefetchConfig)
    reader: ReaderConfig = field(default_factory=ReaderConfig)
    retention: RetentionConfig = field(default_factory=RetentionConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    browser: BrowserConfig = field(default_factory=BrowserConfig)
    player: PlayerConfig = field(default_factory=PlayerConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    watch: WatchConfig = field(default_factory=WatchConfig)
    hide: tuple[HideRule, ...] = ()
    searches: tuple[SavedSearch, ...] = ()
    # binding id -> key list ("j,down"); see the help screen for the ids.
    keys: dict[str, str] = field(default_factory=dict)
    # One line per unknown section, key or binding id that was skipped: the command line
    # prints them on stderr, the reader shows them as notifications.
    warnings: tuple[str, ...] = ()
    # The file these came from, as the reader names it above its warnings (--config's too).
    source: str = field(default="config.toml", compare=False)

    def with_known_bindings(self, known: Collection[str]) -> Config:
        """Drop [keys] entries whose binding id the reader does not have, with a warning each.

        The ids live in the UI, which the core may not import: the UI (or whoever opens it)
        passes them in.
        """
        unknown = [key for key in self.keys if key not in known]
        if not unknown:
            return self
        return replace(
            self,
            keys={k: v for k, v in self.keys.items() if k in known},
            warnings=(
                *self.warnings,
                *(
                    f"unknown binding id [keys] {key!r} skipped (see ? in the reader)"
                    for key in unknown
                ),
            ),
        )
