"""Podcast and video enclosures: read with their duration, stored, and printed by `show`."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.core.parse.feeds import parse_feed
from newsreader.core.store.counts import count_new_entries
from newsreader.core.store.store import Store
from newsreader.demo.server import DemoServer
from tests.support.feedgen import Item, items, rss
from tests.support.loopback import LoopbackServer

ITUNES = 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
MEDIA = 'xmlns:media="http://search.yahoo.com/mrss/"'


def podcast_items() -> list[Item]:
    episode, video, plain = items(3, prefix="Folge")
    episode.extra = (
        '<enclosure url="http://media.example/folge-0.mp3" length="1307085" type="audio/mpeg"/>'
        f"<itunes:duration {ITUNES}>00:02:43</itunes:duration>"
    )
    video.extra = (
        f'<media:content {MEDIA} url="http://media.example/v.mp4" type="video/mp4"'
        ' duration="3725" fileSize="52000000"/>'
        '<enclosure url="http://media.example/thumb.jpg" type="image/jpeg"/>'
    )
    return [episode, video, plain]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_show_lists_enclosures_with_type_size_and_duration(
    server: LoopbackServer, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = server.route("/radio.xml", rss(podcast_items(), title="Radio"))
    assert run(capsys, "add", url)[0] == 0
    rows = json.loads(run(capsys, "articles", "--json")[1])
    ids = {row["title"].split(":")[0]: row["id"] for row in rows}

    shown = json.loads(run(capsys, "--offline", "show", str(ids["Folge 0"]), "--json")[1])
    assert shown["enclosures"] == [
        {
            "url": "http://media.example/folge-0.mp3",
            "type": "audio/mpeg",
            "length": 1307085,
            "duration": 163,
        }
    ]
    shown = json.loads(run(capsys, "--offline", "show", str(ids["Folge 1"]), "--json")[1])
    assert [(e["url"].rsplit("/", 1)[1], e["duration"]) for e in shown["enclosures"]] == [
        ("thumb.jpg", None),
        ("v.mp4", 3725),
    ]
    assert json.loads(run(capsys, "show", str(ids["Folge 2"]), "--json")[1])["enclosures"] == []

    code, text = run(capsys, "--offline", "show", str(ids["Folge 1"]))
    assert code == 0
    # the video is an attachment; the thumbnail is not
    assert "Attachment: video/mp4 · 52.0 MB · 1:02:05  http://media.example/v.mp4" in text
    assert "thumb.jpg" not in text
    _, text = run(capsys, "--offline", "show", str(ids["Folge 0"]))
    assert "Attachment: audio/mpeg · 1.3 MB · 2:43  http://media.example/folge-0.mp3" in text


def test_enclosures_stored_before_durations_still_read(data_dir: Path) -> None:
    """Rows written before durations were kept hold [url, type, length]."""
    store = Store.in_dir(data_dir)
    feed = store.add_feed("http://radio.example/feed.xml")
    store.close()
    conn = sqlite3.connect(data_dir / "newsreader.sqlite3")
    with conn:
        conn.execute(
            "INSERT INTO entries (feed_id, key, title, published, first_seen, digest, enclosures)"
            " VALUES (?, 'k', 'Alt', 0, 0, '', ?)",
            (feed.id, json.dumps([["http://radio.example/a.mp3", "audio/mpeg", 12]])),
        )
        count_new_entries(conn, feed.id, 1, 1)  # as every writer of entries does
    conn.close()
    store = Store.in_dir(data_dir)
    entry = store.entry(store.entries()[0].id)
    assert entry is not None
    assert [(e.url, e.length, e.duration) for e in entry.enclosures] == [
        ("http://radio.example/a.mp3", 12, None)
    ]
    store.close()


def test_the_demo_radio_carries_audio_the_player_can_stream() -> None:
    """The sample edition's radio feed has audio enclosures, served whole by its own server."""
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only
    with DemoServer() as demo:
        url = demo.url("/feeds/radio.xml")
        with direct.open(url, timeout=10) as answer:
            parsed = parse_feed(answer.read(), url=url)
        enclosures = [e for entry in parsed.entries for e in entry.enclosures]
        assert len(enclosures) == 2
        for enclosure in enclosures:
            assert enclosure.type == "audio/wav" and enclosure.duration in (4, 6)
            with direct.open(enclosure.url, timeout=10) as answer:
                body = answer.read()
            assert body[:4] == b"RIFF" and len(body) == enclosure.length
