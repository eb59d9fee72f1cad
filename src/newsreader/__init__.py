"""A terminal reader for local news."""

__version__ = "0.1.0"
