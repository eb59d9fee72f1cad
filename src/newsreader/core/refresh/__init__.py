"""Fetch, parse, store: the refresh run, its worker processes, prefetch and on-demand pages."""
