"""The reader's own choices that belong with the cache rather than in config.toml (the
theme picked with ctrl+p): a small key/value table, schema 7. It also counts the command
line's writes, which an open reader watches for (ui/outside_writes.py)."""

from __future__ import annotations

from newsreader.core.store.db import Database


class SettingsQueries(Database):
    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (key, value))

    def note_command_write(self) -> None:
        """A command that may have written the cache is done: one more for an open reader
        to notice (cron's `refresh --due`, `mark` or `remove` in another terminal)."""
        with self.transaction() as conn:
            conn.execute(
                """INSERT INTO settings (key, value) VALUES ('command_writes', '1')
                   ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"""
            )

    def command_writes(self) -> int:
        """How many commands have written the cache (`note_command_write`)."""
        return int(self.setting("command_writes") or 0)
