"""Where data lives and what config.toml may set.

Precedence: command-line flag, then environment (NEWSREADER_DATA_DIR, NEWSREADER_CONFIG),
then platformdirs defaults (XDG on Linux). One policy for the whole file: a wrong type or an
out-of-range value is an error naming the key (the command line exits 2), since running on with
`concurrency = 0` would hang; an unknown section, key or binding id is a warning naming it and
is skipped, so a typo never passes silently yet an old config still opens.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from newsreader.core.config_values import read_section
from newsreader.core.errors import ConfigError, QueryError
from newsreader.core.search_query import parse_query

APP_NAME = "newsreader"


# platformdirs and tomllib are imported where used: a start with --data-dir and no config
# file (or an environment that names both) needs neither.


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


def load_config(path: Path | None = None, *, explicit: bool = False) -> Config:
    """The config at `path` (default: the platform's place). A missing file gives the
    defaults, unless the user named it (`--config`): then it is an error."""
    path = path or default_config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist")
        return Config()
    import tomllib

    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from exc
    sections: dict[str, Any] = {
        "network": NetworkConfig,
        "prefetch": PrefetchConfig,
        "reader": ReaderConfig,
        "retention": RetentionConfig,
        "sync": SyncConfig,
        "browser": BrowserConfig,
        "player": PlayerConfig,
        "cluster": ClusterConfig,
    }
    values: dict[str, Any] = {}
    warnings: list[str] = []
    for name, value in raw.items():
        if name == "keys":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{path}: [keys] maps binding ids to key strings")
            values["keys"] = dict(value)
        elif name == "watch":
            values["watch"] = _watch(path, value, warnings)
        elif name == "hide":
            values["hide"], skipped = _hide_rules(path, value, text)
            warnings.extend(skipped)
        elif name == "search":
            values["searches"], skipped = _searches(path, value, text)
            warnings.extend(skipped)
        elif name in sections:
            values[name] = read_section(path, name, sections[name], value, warnings)
        else:
            warnings.append(f"{path}: unknown section [{name}] skipped")
    if "sync" in values:
        _check_sync(path, values["sync"])
    network: NetworkConfig | None = values.get("network")
    if network is not None and network.max_poll_minutes < network.min_poll_minutes:
        raise ConfigError(
            f"{path}: network.max_poll_minutes must be at least network.min_poll_minutes"
        )
    return Config(**values, warnings=tuple(warnings))


def _watch(path: Path, value: Any, warnings: list[str]) -> WatchConfig:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [watch] must be a table")
    words = value.get("words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise ConfigError(f"{path}: watch.words must be a list of words or phrases")
    rest = {k: v for k, v in value.items() if k not in ("words", "bell")}
    plain = read_section(path, "watch", WatchConfig, rest, warnings)
    if plain.notify not in WATCH_NOTIFY:
        raise ConfigError(f"{path}: watch.notify must be one of {', '.join(WATCH_NOTIFY)}")
    notify = plain.notify
    # `bell = true`, the first spelling of notify = "bell", still works when notify is unset.
    bell = value.get("bell", False)
    if not isinstance(bell, bool):
        raise ConfigError(f"{path}: watch.bell must be true or false")
    if bell and "notify" not in value:
        notify = "bell"
    return WatchConfig(words=tuple(w.strip() for w in words), notify=notify)


def _header_lines(text: str, table: str) -> list[int]:
    """Line numbers of each `[[table]]` header: tomllib keeps none, and a warning should say
    which rule it means. Headers inside multi-line strings would miscount; rules do not use
    those."""
    header = re.compile(r"^\s*\[\[\s*" + re.escape(table) + r"\s*\]\]")
    return [n for n, line in enumerate(text.splitlines(), 1) if header.match(line)]


def _table_names(text: str, table: str, count: int) -> list[str]:
    """How warnings name each of `count` `[[table]]`s: "[[hide]] #2 (line 31)"."""
    lines = _header_lines(text, table)
    return [
        f"[[{table}]] #{n + 1}" + (f" (line {lines[n]})" if n < len(lines) else "")
        for n in range(count)
    ]


def _hide_rules(path: Path, value: Any, text: str) -> tuple[tuple[HideRule, ...], list[str]]:
    if not isinstance(value, list):
        raise ConfigError(f"{path}: hide must be [[hide]] tables")
    rules, warnings = [], []
    for table, where in zip(value, _table_names(text, "hide", len(value)), strict=True):
        problem = _hide_problem(table)
        if problem:
            warnings.append(f"{path}: {where} skipped: {problem}")
            continue
        rules.append(HideRule(**table, where=where))
    return tuple(rules), warnings


def _hide_problem(table: Any) -> str | None:
    if not isinstance(table, dict) or not table:
        return "a rule needs at least one of " + ", ".join((*HIDE_FIELDS, "paywalled"))
    for key, item in table.items():
        if key == "paywalled":
            if not isinstance(item, bool):
                return "paywalled must be true or false"
        elif key not in HIDE_FIELDS:
            return f"unknown key {key!r} (one of {', '.join((*HIDE_FIELDS, 'paywalled'))})"
        elif not isinstance(item, str) or not item.strip() or item.strip() == "re:":
            return f"{key} must be a non-empty pattern"
        elif item.startswith("re:"):
            try:
                re.compile(item[3:])
            except re.error as exc:
                return f"{key}: bad regular expression: {exc}"
    return None


def _searches(path: Path, value: Any, text: str) -> tuple[tuple[SavedSearch, ...], list[str]]:
    if not isinstance(value, list):
        raise ConfigError(f"{path}: search must be [[search]] tables")
    searches: list[SavedSearch] = []
    warnings = []
    for table, where in zip(value, _table_names(text, "search", len(value)), strict=True):
        problem = _search_problem(table, searches)
        if problem:
            warnings.append(f"{path}: {where} skipped: {problem}")
            continue
        searches.append(SavedSearch(**{**table, "name": table["name"].strip()}, where=where))
    return tuple(searches), warnings


def _search_problem(table: Any, earlier: list[SavedSearch]) -> str | None:
    if not isinstance(table, dict):
        return "a search needs a name and a query"
    for key, item in table.items():
        if key not in SEARCH_KEYS:
            return f"unknown key {key!r} (one of {', '.join(SEARCH_KEYS)})"
        if key in ("unread", "starred") and not isinstance(item, bool):
            return f"{key} must be true or false"
        if key in ("name", "query", "tag") and (not isinstance(item, str) or not item.strip()):
            return f"{key} must be a non-empty string"
    if "name" not in table or "query" not in table:
        return "a search needs a name and a query"
    if any(s.name.casefold() == table["name"].casefold() for s in earlier):
        return f"a search named {table['name']!r} is defined above"
    try:
        query = parse_query(table["query"])
    except QueryError as exc:
        return str(exc)
    return None if query.groups else "the query has no word to search for"


def _check_sync(path: Path, sync: SyncConfig) -> None:
    if not sync.service:
        if sync.url or sync.user:
            raise ConfigError(f"{path}: sync.service must be one of {', '.join(SYNC_SERVICES)}")
        return
    if sync.service not in SYNC_SERVICES:
        raise ConfigError(f"{path}: sync.service must be one of {', '.join(SYNC_SERVICES)}")
    if not sync.url.lower().startswith(("http://", "https://")):
        raise ConfigError(f"{path}: sync.url must be an http:// or https:// address")
    if "@" in sync.url.split("/")[2]:
        raise ConfigError(f"{path}: sync.url must not carry a user or password; use sync.user")
    if not sync.user:
        raise ConfigError(f"{path}: sync.user is missing")
    # A password in a file others can read is a password for everyone on the machine.
    if sync.password and path.stat().st_mode & 0o077:
        raise ConfigError(
            f"{path}: sync.password is refused while others can read the file "
            f"(chmod 600 it, or use sync.password_command or NEWSREADER_SYNC_PASSWORD)"
        )
