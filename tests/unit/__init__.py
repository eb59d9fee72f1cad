"""Unit tests: one core module at a time, on real SQLite files."""
