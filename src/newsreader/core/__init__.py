"""Headless core: never imports textual."""
