"""The SQLite cache: schema and migrations, feed writes, entry and page queries, search folding."""
