"""Integration tests: the pipeline and the command line against a loopback server."""
