"""Subscribing: finding a site's feeds, adding them, OPML in and out."""
