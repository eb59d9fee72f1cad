"""Sync with a server the user already runs: Google Reader API (FreshRSS, Miniflux...) and
Fever. `engine.run_sync` pushes the queue of local marks, then pulls feeds, items and marks."""
