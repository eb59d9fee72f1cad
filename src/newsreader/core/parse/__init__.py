"""Feed bytes to ParsedFeed: feedparser as the parser of record, and the lxml fast path."""
