"""One story once: near-duplicate detection over entry texts (pure functions, no store)."""
