"""Versions of one story, as papers reprint it, and template stories that are not one story.

Built at test time from dev-corpus texts (never copied into the repo): the edit classes issue
14 names — a changed headline, a rewritten first sentence, a cut end, a different credit
line, a paywalled version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from newsreader.core.parse.feeds import parse_feed
from newsreader.core.parsed import ParsedEntry


@dataclass(frozen=True, slots=True)
class Version:
    feed: str
    title: str
    html: str
    paywalled: bool = False


def paragraphs(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [p.strip() for p in text.split("\n\n") if len(p.split()) > 6]


def html(paras: list[str]) -> str:
    return "".join(f"<p>{p}</p>" for p in paras)


def reprints(paras: list[str], title: str) -> list[Version]:
    """The original and five reprints of it, one edit class each."""
    cut = max(3, len(paras) * 2 // 3)
    return [
        Version("Presseamt", title, html(paras)),
        Version("Westfalen-Blatt", "Neue Zeile: " + title.lower(), html(paras)),
        Version(
            "Stadtanzeiger",
            title,
            html(["Wie erst jetzt bekannt wurde, hat sich die Lage zugespitzt.", *paras[1:]]),
        ),
        Version("Kurier", title, html(paras[:cut])),
        Version("Radio Lokal", title, html([*paras, "(dpa/lno) Lesen Sie auch: Mehr dazu."])),
        Version(
            "Tageblatt+",
            title,
            html([*paras[:2], "Jetzt weiterlesen mit Tageblatt+ für 0,99 Euro im Monat."]),
            paywalled=True,
        ),
    ]


POLICE_TEMPLATE = (
    "Am {day} gegen {time} Uhr brachen unbekannte Täter in eine Wohnung an der {street} in "
    "{district} ein. Die Täter hebelten die {door} auf und durchsuchten sämtliche Räume. Sie "
    "entwendeten {loot} im Wert von etwa {value} Euro. Ein {age}-jähriger Nachbar hatte gegen "
    "{time2} Uhr verdächtige Geräusche gehört und zwei Personen gesehen, die in Richtung "
    "{direction} flüchteten. Die Polizei bittet Zeugen, die Hinweise auf die Täter geben "
    "können, sich unter der Rufnummer 0251 275-0 zu melden. Rückfragen bitte an: "
    "Polizeipräsidium Münster, Pressestelle, Telefon 0251 275-1010."
)

POLICE_REPORTS = [
    POLICE_TEMPLATE.format(
        day="Dienstagabend",
        time="19:30",
        street="Hammer Straße",
        district="Geist",
        door="Terrassentür",
        loot="Schmuck und Bargeld",
        value="3000",
        age="54",
        time2="19:45",
        direction="Ludgeriplatz",
    ),
    POLICE_TEMPLATE.format(
        day="Mittwochmorgen",
        time="10:15",
        street="Wolbecker Straße",
        district="Hansaviertel",
        door="Wohnungstür",
        loot="einen Laptop und zwei Uhren",
        value="1500",
        age="71",
        time2="10:20",
        direction="Hansaring",
    ),
]


def farm_items_now(index: int, url: str, now: datetime) -> list[ParsedEntry]:
    """Bench farm feed `index`'s items dated a minute apart back from `now`: the farm's own
    dates are fixed in the past, outside any clustering window. Template stories that share
    sentences and are not one story."""
    from bench.farm import generate_feed  # the bench folder, importable from the repo root

    parsed = parse_feed(generate_feed(index), url=url, headers={})
    return [
        ParsedEntry(
            key=e.key,
            title=e.title,
            url=e.url,
            summary=e.summary,
            content=e.content,
            published=now - timedelta(minutes=i),
        )
        for i, e in enumerate(parsed.entries)
    ]
