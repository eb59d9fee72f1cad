"""The frozen schema-1 cache (fixtures/cache-schema1.sqlite3) and what it holds, written out
by hand. Shared by tests/integration/test_upgrade.py and the fault bench."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "cache-schema1.sqlite3"


T0 = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


STADT = "http://stadt.example.org/presse/rss.xml"


ZEITUNG = "http://zeitung.example.org/lokales/feed.atom"


POLIZEI = "http://polizei.example.org/duisburg.rss"


ARTICLE = "http://zeitung.example.org/lokales/aegypten-ausstellung-1.html"


FAILED_PAGE = "http://zeitung.example.org/lokales/kaputt-9.html"


# url -> (title, tags, etag, last_modified, last_status, last_error, gone, entries, unread)
FEEDS = {
    STADT: ("Stadt Münster – Presse", ("Münster", "Stadt"), '"stadt-v1"', None, 200, None, False),
    ZEITUNG: (
        "Die Lokalzeitung",
        ("Münster", "Zeitung"),
        None,
        "Fri, 14 Mar 2025 09:00:00 GMT",
        503,
        "HTTP 503 Service Unavailable",
        False,
    ),
    POLIZEI: (
        "Polizei Duisburg",
        ("Blaulicht",),
        'W/"pol-3"',
        "Fri, 14 Mar 2025 08:00:00 GMT",
        410,
        "HTTP 410 Gone: the publisher removed this feed; no longer polled",
        True,
    ),
}


# title -> (feed url or None when detached, hours before T0, read, starred, paywalled)
ENTRIES = {
    "Straßenfest in Münster: Sperrungen am Wochenende": (STADT, 0, False, True, False),
    "Ratssitzung: Haushalt beschlossen": (STADT, 1, True, False, False),
    "Bürgerbüro an der Königstraße wieder geöffnet": (STADT, 2, False, False, False),
    "Grünschnitt-Abfuhr verschoben": (STADT, 3, False, False, False),
    "Ägypten-Ausstellung eröffnet im Stadtmuseum": (ZEITUNG, 4, True, True, False),
    "Plus: Was die Straßensanierung kostet": (ZEITUNG, 5, False, False, True),
    "Münsteraner Sportler des Jahres gekürt": (ZEITUNG, 6, False, False, False),
    "Neue Radwege an der Weseler Straße": (ZEITUNG, 7, False, False, False),
    "POL-DU: Einbruch in Kiosk – Zeugen gesucht": (POLIZEI, 8, False, False, False),
    "POL-DU: Unfall auf der Düsseldorfer Straße": (POLIZEI, 9, False, False, False),
    "POL-DU: Vermisste Seniorin wohlbehalten": (POLIZEI, 10, True, False, False),
    "Archiv: Kirmes in Ägypten-Viertel": (None, 11, False, True, False),
}
