"""Test support: the loopback server, feed and page generators, hostile text, fixtures."""
