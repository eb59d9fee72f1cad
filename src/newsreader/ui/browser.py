"""`o`: hand a web page to the system's browser; anything but http/https is refused."""

from __future__ import annotations

import threading

from newsreader.ui.text import is_web_url, one_line


def open_web_page(url: str) -> str | None:
    """Start the browser on its own thread (it may block); a complaint instead of a bad link."""
    if not is_web_url(url):
        return f"Not opened (only http/https): {one_line(url, 200)}"
    import webbrowser  # lazily: it costs start-up time and is rarely used

    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    return None
