"""The sample edition as data: TOML files shipped in the package, loaded into frozen dataclasses.

Ages are hours before "now" (the server's start), so every run shows an edition from the
past two weeks instead of one that went stale on the day it was written.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FeedFormat = Literal["rss", "atom"]
# summary: the feed carries the lead only; teaser: one or two sentences (Atom summary);
# full: the whole text as content:encoded; report: the whole text in the description.
FeedStyle = Literal["summary", "teaser", "full", "report"]


@dataclass(frozen=True, slots=True)
class Extern:
    """A teaser target outside the edition: a demo reader must fail on it cleanly."""

    id: str
    url: str
    kicker: str
    title: str
    summary: str


@dataclass(frozen=True, slots=True)
class Article:
    slug: str
    feed: str  # the feed (and site) that owns the article page
    title: str
    kicker: str
    author: str
    lead: str
    paragraphs: tuple[str, ...]
    published: datetime  # aware, Europe/Berlin when the zone database is there
    related: tuple[str, ...] = ()  # slugs of this edition or Extern ids
    also_in: tuple[str, ...] = ()  # syndicated: listed in these feeds as well
    audio_seconds: int = 0  # the radio's audio piece, served as an enclosure
    plus: bool = False  # paywalled: only the lead is on the page


@dataclass(frozen=True, slots=True)
class FeedSpec:
    name: str
    title: str
    site: str
    description: str
    format: FeedFormat
    encoding: str
    style: FeedStyle
    tags: tuple[str, ...]
    title_prefix: str = ""


@dataclass(frozen=True, slots=True)
class Edition:
    town: str
    title: str
    description: str
    note: str
    feeds: tuple[FeedSpec, ...]
    articles: tuple[Article, ...]  # newest first
    externs: tuple[Extern, ...]

    def article(self, slug: str) -> Article | None:
        return next((a for a in self.articles if a.slug == slug), None)

    def extern(self, ident: str) -> Extern | None:
        return next((e for e in self.externs if e.id == ident), None)

    def feed(self, name: str) -> FeedSpec:
        return next(f for f in self.feeds if f.name == name)

    def in_feed(self, name: str) -> tuple[Article, ...]:
        """The feed's items, newest first: its own articles and the ones syndicated into it."""
        return tuple(a for a in self.articles if a.feed == name or name in a.also_in)


def local_zone() -> tzinfo:
    try:
        return ZoneInfo("Europe/Berlin")
    except ZoneInfoNotFoundError:  # no tz database on this machine: UTC is still correct
        return UTC


def data_file(name: str) -> Traversable:
    """A file of the shipped edition (package data, so it works from a wheel too)."""
    return files("newsreader.demo").joinpath("edition", name)


def _read(name: str) -> dict[str, Any]:
    return tomllib.loads(data_file(f"{name}.toml").read_text(encoding="utf-8"))


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


def load_edition(now: datetime | None = None) -> Edition:
    """Read the shipped edition, dating every article relative to `now` (default: the clock)."""
    zone = local_zone()
    start = (now or datetime.now(UTC)).astimezone(zone).replace(second=0, microsecond=0)
    meta = _read("edition")
    info = meta["edition"]
    feeds: list[FeedSpec] = []
    articles: list[Article] = []
    for name in info["feeds"]:
        raw = _read(name)
        spec = raw["feed"]
        feeds.append(
            FeedSpec(
                name=spec["name"],
                title=spec["title"],
                site=spec["site"],
                description=spec["description"],
                format=spec["format"],
                encoding=spec["encoding"],
                style=spec["style"],
                tags=tuple(spec["tags"]),
                title_prefix=spec.get("title_prefix", ""),
            )
        )
        for item in raw["article"]:
            published = start - timedelta(hours=float(item["age"]))
            articles.append(
                Article(
                    slug=item["slug"],
                    feed=spec["name"],
                    title=item["title"],
                    kicker=item["kicker"],
                    author=item["author"],
                    lead=" ".join(item["lead"].split()),
                    paragraphs=_paragraphs(item["body"]),
                    published=published.replace(second=0, microsecond=0),
                    related=tuple(item.get("related", ())),
                    also_in=tuple(item.get("also_in", ())),
                    plus=bool(item.get("plus", False)),
                    audio_seconds=int(item.get("audio_seconds", 0)),
                )
            )
    articles.sort(key=lambda a: a.published, reverse=True)
    externs = tuple(
        Extern(id=e["id"], url=e["url"], kicker=e["kicker"], title=e["title"], summary=e["summary"])
        for e in meta.get("extern", ())
    )
    return Edition(
        town=info["town"],
        title=info["title"],
        description=info["description"],
        note=info["note"],
        feeds=tuple(feeds),
        articles=tuple(articles),
        externs=externs,
    )
