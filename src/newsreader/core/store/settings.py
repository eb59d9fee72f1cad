"""The reader's own choices that belong with the cache rather than in config.toml (the
theme picked with ctrl+p): a small key/value table, schema 7."""

from __future__ import annotations

from newsreader.core.store.db import Database


class SettingsQueries(Database):
    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))
