"""The saved searches and kill rules the reader bench can run with (issue 14: start-up and `j`
with 20 of each stay within issue 4's targets).

The bench cache repeats one headline pattern ("Meldung N aus Ort F: Stadtrat beschließt neue
Radwege"), so the common words below match every entry: the counts' worst case. newsreader is
imported inside the function, so it is the tree under test that builds them.
"""

from __future__ import annotations

from typing import Any

_QUERIES = [
    ("Stadtrat", "stadtrat", True),
    ("Radwege", "radwege OR radweg", True),
    ("Neue Radwege", '"neue radwege"', True),  # a phrase checked on all 50,000 rows
    ("Ort 17", '"ort 17"', False),
    ("Ort 3 oder 4", '"ort 3" OR "ort 4"', True),
    ("Lokalzeitung 12", 'feed:"Lokalzeitung 12"', True),
    ("Ohne Stadtrat", "meldung -stadtrat", True),
    ("Kurzer Text", '"kurzer text" ort', False),
    ("Diese Woche", "after:2026-11-30 meldung", True),
    ("Älter", "before:2026-01-01", False),
    ("Beschluss", "beschliesst OR beschluss", True),
    ("Meldung 7", '"meldung 7"', True),
    ("Nicht Ort 1", "radwege -feed:1", True),
    ("Tag lokal", "tag:lokal", True),
    ("Selten", "zeppelin OR luftschiff", True),
    ("Ort 250", '"ort 250"', True),
    ("Ort 251 bis 253", '"ort 251" OR "ort 252" OR "ort 253"', True),
    ("Text 99", '"text 99"', False),
    ("Absatz", "absatz stadtverwaltung", True),
    ("Meldung ohne Ort 9", 'meldung -"ort 9"', True),
]

_RULES: list[dict[str, Any]] = [
    {"title": "Horoskop"},
    {"title": "re:^Anzeige:"},
    {"title": "Gewinnspiel"},
    {"text": "Sponsored"},
    {"text": "re:\\bWerbung\\b"},
    {"feed": "Lokalzeitung 499"},
    {"feed": "Lokalzeitung 498", "title": "Meldung 1"},
    {"author": "Anzeigenabteilung"},
    {"category": "Promotion"},
    {"paywalled": True, "title": "Rätsel"},
    {"title": "Tageshoroskop"},
    {"title": "Lotto"},
    {"text": "Partnerinhalt"},
    {"title": "re:(?i)liveblog"},
    {"title": "Wetter morgen"},
    {"category": "Anzeige"},
    {"author": "dpa-AFX"},
    {"title": "Kreuzworträtsel"},
    {"text": "Dieser Artikel entstand in Kooperation"},
    {"feed": "Lokalzeitung 497", "text": "Kurzer Text 3"},
]


def saved_and_hidden(searches: int, rules: int) -> tuple[Any, Any]:
    """`searches` [[search]] tables and `rules` [[hide]] tables (at most 20 of each)."""
    from newsreader.core.config import HideRule, SavedSearch

    saved = tuple(
        SavedSearch(name, query, unread=unread, where=f"[[search]] #{n + 1}")
        for n, (name, query, unread) in enumerate(_QUERIES[:searches])
    )
    hidden = tuple(
        HideRule(**rule, where=f"[[hide]] #{n + 1}") for n, rule in enumerate(_RULES[:rules])
    )
    return saved, hidden
