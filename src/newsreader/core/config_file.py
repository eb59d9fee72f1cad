"""Reading config.toml into a Config (config.py holds its sections and their defaults).

One policy for the whole file: a wrong type or an out-of-range value is an error naming the key
(the command line exits 2), since running on with `concurrency = 0` would hang; an unknown
section, key or binding id is a warning naming it and is skipped, so a typo never passes
silently yet an old config still opens. The `[[hide]]` and `[[search]]` tables are the
exception: a bad one is skipped with a warning naming it by its line, the others still apply.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from newsreader.core.config import (
    HIDE_FIELDS,
    SEARCH_KEYS,
    SYNC_SERVICES,
    WATCH_NOTIFY,
    BrowserConfig,
    ClusterConfig,
    Config,
    HideRule,
    NetworkConfig,
    PlayerConfig,
    PrefetchConfig,
    ReaderConfig,
    RetentionConfig,
    SavedSearch,
    SyncConfig,
    WatchConfig,
    default_config_path,
)
from newsreader.core.config_values import read_section
from newsreader.core.errors import ConfigError, QueryError
from newsreader.core.search_query import parse_query

# tomllib is imported where used: a start with no config file does without it.


def load_config(path: Path | None = None, *, explicit: bool = False) -> Config:
    """The config at `path` (default: the platform's place). A missing file gives the
    defaults, unless the user named it (`--config`): then it is an error."""
    path = path or default_config_path()
    if not path.exists():
        if explicit:
            raise ConfigError(f"config file {path} does not exist")
        return Config()
    import tomllib  # start-up speed: only when there is a file to read

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
    return Config(**values, warnings=tuple(warnings), source=path.name)


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
