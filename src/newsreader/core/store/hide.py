"""Kill rules (issue 14): entries a [[hide]] rule matches are stored but never shown or counted.

Matching every listing against every rule would cost each query a regular expression per row;
instead each entry's `hidden` is decided once, when it is new or its text changed, and again
for all entries when the rules change. The listings and counts then only read the column.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import astuple
from typing import Any

from newsreader.core.config import HIDE_FIELDS, HideRule
from newsreader.core.store.db import Database
from newsreader.core.store.packed_text import unpack_text
from newsreader.core.store.textfold import fold, strip_tags
from newsreader.core.store.watch import word_pattern

_BATCH = 2000
_ROWS = """SELECT e.id, e.title, e.summary, e.content, e.feed_title, e.categories, e.author,
    e.paywalled, p.text AS page_text, p.paywalled AS page_paywalled
    FROM entries e LEFT JOIN pages p ON p.url = e.url WHERE e.hidden IS NULL LIMIT ?"""


class _Compiled:
    """One rule ready to test: a pattern per field it sets (folded, or `re:` as written)."""

    def __init__(self, rule: HideRule) -> None:
        self.paywalled = rule.paywalled
        self.fields: list[tuple[str, re.Pattern[str], bool]] = []
        for name in HIDE_FIELDS:
            value: str | None = getattr(rule, name)
            if value is None:
                continue
            if value.startswith("re:"):
                self.fields.append((name, re.compile(value[3:], re.IGNORECASE), False))
            else:
                pattern = word_pattern(value)
                if pattern is not None:
                    self.fields.append((name, pattern, True))

    def matches(self, values: dict[str, list[str]], paywalled: bool) -> bool:
        if self.paywalled is not None and self.paywalled != paywalled:
            return False
        for name, pattern, folded in self.fields:
            texts = values[name]
            if not any(pattern.search(fold(t) if folded else t) for t in texts):
                return False
        return bool(self.fields) or self.paywalled is not None


class HideQueries(Database):
    """Deciding which entries the [[hide]] rules hide."""

    def apply_hide_rules(self, rules: Sequence[HideRule]) -> int:
        """Decide `hidden` for the entries not yet checked (all of them when the rules changed
        since the last call); returns how many were checked."""
        fingerprint = json.dumps([astuple(r)[:-1] for r in rules], ensure_ascii=False)
        row = self.conn.execute("SELECT value FROM settings WHERE key = 'hide_rules'").fetchone()
        if row is None or row[0] != fingerprint:
            with self.transaction() as conn:
                conn.execute("UPDATE entries SET hidden = NULL WHERE hidden IS NOT NULL")
                conn.execute(
                    "INSERT OR REPLACE INTO settings (key, value) VALUES ('hide_rules', ?)",
                    (fingerprint,),
                )
        if not rules:
            return 0  # NULL reads as shown: with no rules there is nothing to decide
        compiled = [_Compiled(r) for r in rules]
        checked = 0
        while rows := self.conn.execute(_ROWS, (_BATCH,)).fetchall():
            decided = [(int(any(c.matches(*_values(r)) for c in compiled)), r["id"]) for r in rows]
            with self.transaction() as conn:
                conn.executemany("UPDATE entries SET hidden = ? WHERE id = ?", decided)
            checked += len(rows)
        return checked


def _values(row: sqlite3.Row) -> tuple[dict[str, list[str]], bool]:
    text = (
        strip_tags(unpack_text(row["summary"]) + " " + unpack_text(row["content"]))
        + " "
        + (row["page_text"] or "")
    )
    categories: Any = json.loads(row["categories"] or "[]")
    values = {
        "title": [row["title"]],
        "text": [text],
        "feed": [row["feed_title"]],
        "category": [str(c) for c in categories],
        "author": [row["author"] or ""],
    }
    return values, bool(row["paywalled"] or row["page_paywalled"])
